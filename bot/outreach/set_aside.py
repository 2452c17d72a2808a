"""Invitations whose planning keeps failing: counted, then set aside, so one bad row neither stops the
others' reminders nor fills the log every tick.

`bot.outreach.due_work` plans each open invitation in a savepoint of its own. An unexpected error (a
constraint conflict, a bug) rolls back that invitation's work only; it is logged at error level with the
invitation's id and the error's type (the details at debug level: an error's message may quote what the
row held), and counted on the row (`plan_failures`). The next tick tries it again. After
MAX_PLAN_FAILURES failures in a row the invitation is set aside (status `failed`): no reminder and no
expiry for it until `interviewer db problems --retry inv:ID` puts it back, once the cause is mended. A
plan that succeeds clears the count. Errors of the database connection itself are not the row's fault:
they are not counted, and the tick fails as a whole (the next one tries everything again).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage import Store
from bot.storage.models import InvitationRow, Participant, table_of

log = logging.getLogger(__name__)
MAX_PLAN_FAILURES = 3
FAILED = "failed"
_INVITATIONS = table_of(InvitationRow)
_PARTICIPANTS = table_of(Participant)


@dataclass(frozen=True)
class SetAside:
    """One invitation set aside after repeated planning failures, as `interviewer db problems` shows it."""

    id: int
    study_id: str
    wave: str
    who: str  # platform:workspace:user
    interview_id: int | None
    failures: int

    def line(self) -> str:
        return (
            f"inv:{self.id} study {self.study_id} wave {self.wave} to {self.who} "
            f"(interview {self.interview_id}): planning failed {self.failures} times"
        )


async def count_failure(s: AsyncSession, invitation_id: int, exc: BaseException) -> None:
    """Log and count one failed plan of an invitation (its savepoint already rolled back); set the
    invitation aside once it has failed MAX_PLAN_FAILURES times in a row."""
    conn = await s.connection()
    found = await conn.execute(
        sa.update(_INVITATIONS)
        .where(_INVITATIONS.c.id == invitation_id)
        .values(plan_failures=_INVITATIONS.c.plan_failures + 1)
        .returning(_INVITATIONS.c.plan_failures)
    )
    failures = found.scalar_one_or_none() or 0
    log.error(
        "planning invitation %s failed (%d of %d tries): %s",
        invitation_id,
        failures,
        MAX_PLAN_FAILURES,
        type(exc).__name__,
    )
    log.debug("the failure of invitation %s", invitation_id, exc_info=exc)
    if failures >= MAX_PLAN_FAILURES:
        await conn.execute(
            sa.update(_INVITATIONS)
            .where(_INVITATIONS.c.id == invitation_id, _INVITATIONS.c.status == "open")
            .values(status=FAILED)
        )
        log.error(
            "invitation %s set aside after %d failed plans: see `interviewer db problems`",
            invitation_id,
            failures,
        )


async def clear_failures(s: AsyncSession, invitation_id: int) -> None:
    """A plan of the invitation succeeded: earlier failures no longer count towards setting it aside."""
    conn = await s.connection()
    await conn.execute(
        sa.update(_INVITATIONS).where(_INVITATIONS.c.id == invitation_id).values(plan_failures=0)
    )


async def set_aside(store: Store, limit: int = 1000) -> list[SetAside]:
    """The invitations set aside, oldest first."""
    inv, people = _INVITATIONS, _PARTICIPANTS
    async with store.connection() as c:
        found = await c.execute(
            sa.select(
                inv.c.id,
                inv.c.study_id,
                inv.c.wave,
                inv.c.interview_id,
                inv.c.plan_failures,
                people.c.platform,
                people.c.workspace,
                people.c.user_id,
            )
            .join(people, people.c.id == inv.c.participant_id)
            .where(inv.c.status == FAILED)
            .order_by(inv.c.id)
            .limit(limit)
        )
        return [
            SetAside(
                r.id,
                r.study_id,
                r.wave,
                f"{r.platform}:{r.workspace}:{r.user_id}",
                r.interview_id,
                r.plan_failures,
            )
            for r in found.all()
        ]


async def put_back(store: Store, ids: Sequence[int]) -> int:
    """Open set-aside invitations again, their failures forgotten; returns how many were put back."""
    if not ids:
        return 0
    async with store.connection() as c:
        back = await c.execute(
            sa.update(_INVITATIONS)
            .where(_INVITATIONS.c.id.in_(list(ids)), _INVITATIONS.c.status == FAILED)
            .values(status="open", plan_failures=0)
        )
    return int(back.rowcount or 0)
