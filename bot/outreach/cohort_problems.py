"""Cohort invitations the bot gave up (`bot.outreach.cohort_requests`: not resumed within a day, or
MAX_ATTEMPTS runs ended without finishing them), as `interviewer db problems` and `interviewer doctor`
list them, until they are dealt with.

The organizer was told by DM; the operator sees them here too. They cannot be tried again from the
database: their member list was emptied when they were closed (a channel's membership is not kept beyond
the work it was read for), and it would be stale by now. The remedy is the command itself, run again
(nobody is invited twice). So a request given up leaves the list once a later request for the same study
and target was made (the command was run again), or once `interviewer db problems --dismiss cohort:ID`
says it is not to be run again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bot.messages import utcnow
from bot.outreach.cohort_requests import MAX_AGE_HOURS, MAX_ATTEMPTS
from bot.outreach.cohorts import parse_target
from bot.storage import Store
from bot.storage.models import CohortRequest, table_of

GIVEN_UP = ("lapsed", "failed")
_REQUESTS = table_of(CohortRequest)


@dataclass(frozen=True)
class GivenUp:
    """A cohort invitation closed without inviting anyone, as `interviewer db problems` shows it."""

    id: int
    study_id: str
    asker: str  # platform:workspace:user of whoever ran the command
    target: str  # as typed
    outcome: str  # lapsed | failed
    created_at: datetime

    def line(self) -> str:
        why = (
            f"the bot was not back within {MAX_AGE_HOURS} hours"
            if self.outcome == "lapsed"
            else f"{MAX_ATTEMPTS} runs ended without finishing it (the bot's log names the errors)"
        )
        return (
            f"cohort:{self.id} study {self.study_id} invite {self.target} by {self.asker} at "
            f"{self.created_at:%Y-%m-%d %H:%M} UTC: dropped, {why}"
        )


def _aim(study_id: str, platform: str, workspace: str, target: str) -> tuple[str, ...]:
    """What a request invites, however its target was typed (`<#C1|team>` or `<#C1>`)."""
    return (study_id, platform, workspace, *(parse_target(target) or (target,)))


async def given_up(store: Store, limit: int = 1000) -> list[GivenUp]:
    """The requests given up and not dealt with (run again, or dismissed), oldest first."""
    r = _REQUESTS
    async with store.connection() as c:
        found = (
            await c.execute(
                sa.select(r)
                .where(r.c.outcome.in_(GIVEN_UP), r.c.dismissed_at.is_(None))
                .order_by(r.c.id)
                .limit(limit)
            )
        ).all()
        if not found:
            return []
        later = await c.execute(
            sa.select(r.c.id, r.c.study_id, r.c.platform, r.c.workspace, r.c.target).where(
                r.c.id > found[0].id
            )
        )
        last_asked: dict[tuple[str, ...], int] = {}
        for row in later.all():
            aim = _aim(row.study_id, row.platform, row.workspace, row.target)
            last_asked[aim] = max(last_asked.get(aim, 0), row.id)
    return [
        GivenUp(
            row.id,
            row.study_id,
            f"{row.platform}:{row.workspace}:{row.asker}",
            row.target,
            row.outcome,
            row.created_at,
        )
        for row in found
        if last_asked.get(_aim(row.study_id, row.platform, row.workspace, row.target), 0) <= row.id
    ]


async def dismiss(store: Store, ids: Sequence[int]) -> int:
    """Stop listing these requests given up; returns how many were."""
    if not ids:
        return 0
    r = _REQUESTS
    async with store.connection() as c:
        gone = await c.execute(
            sa.update(r)
            .where(r.c.id.in_(list(ids)), r.c.outcome.in_(GIVEN_UP), r.c.dismissed_at.is_(None))
            .values(dismissed_at=utcnow())
        )
    return int(gone.rowcount or 0)
