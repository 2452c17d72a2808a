"""Invitations and follow-up waves whose planning keeps failing: counted, then set aside, so one bad row
or wave neither stops the others' work nor fills the log every tick.

`bot.outreach.due_work` plans each open invitation in a savepoint of its own. An unexpected error (a
constraint conflict, a bug) rolls back that invitation's work only; it is logged at error level with the
invitation's id and the error's type (the details at debug level: an error's message may quote what the
row held), and counted on the row (`plan_failures`). The next tick tries it again. After
MAX_PLAN_FAILURES failures in a row the invitation is set aside (status `failed`): no reminder and no
expiry for it until `interviewer db problems --retry inv:ID` puts it back, once the cause is mended. A
plan that succeeds clears the count. Errors of the database connection itself are not the row's fault:
they are not counted, and the tick fails as a whole (the next one tries everything again).

A member whose invitation to a follow-up wave the database refuses (a row in the way, a value it cannot
store) is set aside on their own, at once: an `unwritten` invitation row, with no interview and no
message, takes the invitation's place, so the wave's query skips them as it skips anyone already in the
wave. They are logged once (the participant's id and the error's type), and the wave goes on for
everyone else, tick after tick. `interviewer db problems --retry inv:ID` deletes that row, and the next
tick tries to invite them again.

Follow-up waves are defined in study files, not rows, so their count lives in `wave_plans`, one row per
(study, wave) whose plan has failed. A wave fails as a whole when planning it raises outside one member's
invitation (its query, its study), or when a member's failure could not even be recorded. After
MAX_PLAN_FAILURES in a row the wave is set aside: nobody is invited to it until `interviewer db problems
--retry wave:ID`; then everyone who came due meanwhile is invited at the next tick. A plan of the wave
that succeeds clears its count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine.dead_letters import is_transient
from bot.storage import Store
from bot.storage.models import UNWRITTEN, InvitationRow, Participant, WavePlanRow, table_of

log = logging.getLogger(__name__)
MAX_PLAN_FAILURES = 3
FAILED = "failed"
_INVITATIONS = table_of(InvitationRow)
_PARTICIPANTS = table_of(Participant)
_WAVES = table_of(WavePlanRow)


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


@dataclass(frozen=True)
class SetAsideMember:
    """A member set aside from a follow-up wave because their invitation could not be written."""

    id: int
    study_id: str
    wave: str
    who: str  # platform:workspace:user
    since: datetime

    def line(self) -> str:
        return (
            f"inv:{self.id} study {self.study_id} wave {self.wave} to {self.who}: the invitation was never "
            f"written (it failed at {self.since:%Y-%m-%d %H:%M} UTC)"
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


async def set_aside_member(
    s: AsyncSession, participant_id: int, study_id: str, wave: str, now: datetime
) -> bool:
    """Set aside a member whose invitation to a follow-up wave could not be written (its savepoint already
    rolled back): an `unwritten` invitation row in a savepoint of its own. False when even that cannot be
    written; then the wave counts the failure."""
    try:
        async with s.begin_nested():
            conn = await s.connection()
            await conn.execute(
                sa.insert(_INVITATIONS).values(
                    participant_id=participant_id,
                    study_id=study_id,
                    wave=wave,
                    source="wave",
                    status=UNWRITTEN,
                    reminders_sent=0,
                    plan_failures=0,
                    created_at=now,
                )
            )
    except Exception as exc:
        if is_transient(exc):
            raise
        log.debug("participant %s could not be set aside from wave %s", participant_id, wave, exc_info=exc)
        return False
    return True


async def _invitations(store: Store, status: str, limit: int) -> Sequence[sa.Row[Any]]:
    inv, people = _INVITATIONS, _PARTICIPANTS
    async with store.connection() as c:
        found = await c.execute(
            sa.select(inv, people.c.platform, people.c.workspace, people.c.user_id)
            .join(people, people.c.id == inv.c.participant_id)
            .where(inv.c.status == status)
            .order_by(inv.c.id)
            .limit(limit)
        )
        return found.all()


async def set_aside(store: Store, limit: int = 1000) -> list[SetAside]:
    """The invitations set aside after failed plans, oldest first."""
    return [
        SetAside(
            r.id,
            r.study_id,
            r.wave,
            f"{r.platform}:{r.workspace}:{r.user_id}",
            r.interview_id,
            r.plan_failures,
        )
        for r in await _invitations(store, FAILED, limit)
    ]


async def members_set_aside(store: Store, limit: int = 1000) -> list[SetAsideMember]:
    """The members set aside from follow-up waves (their invitation never written), oldest first."""
    return [
        SetAsideMember(r.id, r.study_id, r.wave, f"{r.platform}:{r.workspace}:{r.user_id}", r.created_at)
        for r in await _invitations(store, UNWRITTEN, limit)
    ]


async def put_back(store: Store, ids: Sequence[int]) -> int:
    """Put set-aside invitations back: open those whose planning failed, their failures forgotten, and
    delete the rows of members set aside from a wave, whom the next tick then tries to invite again.
    Returns how many were put back."""
    if not ids:
        return 0
    async with store.connection() as c:
        back = await c.execute(
            sa.update(_INVITATIONS)
            .where(_INVITATIONS.c.id.in_(list(ids)), _INVITATIONS.c.status == FAILED)
            .values(status="open", plan_failures=0)
        )
        gone = await c.execute(
            sa.delete(_INVITATIONS).where(
                _INVITATIONS.c.id.in_(list(ids)), _INVITATIONS.c.status == UNWRITTEN
            )
        )
    return int(back.rowcount or 0) + int(gone.rowcount or 0)


@dataclass(frozen=True)
class Counts:
    """How much outreach is set aside, for `interviewer doctor`."""

    invitations: int  # whose planning failed MAX_PLAN_FAILURES times in a row
    members: int  # set aside from a follow-up wave: their invitation could not be written
    waves: int  # whose planning failed MAX_PLAN_FAILURES times in a row


def _never_removed(study_id: str, wave: str) -> bool:
    return False


async def how_many(store: Store, removed: Callable[[str, str], bool] = _never_removed) -> Counts:
    """How many invitations, wave members and follow-up waves are set aside; waves for which `removed`
    (study id, wave) is true, and the members set aside from them, are not counted
    (`bot.outreach.study_waves`: the study file no longer defines them)."""
    inv = _INVITATIONS
    async with store.connection() as c:
        found = await c.execute(
            sa.select(inv.c.status, inv.c.study_id, inv.c.wave, sa.func.count())
            .where(inv.c.status.in_([FAILED, UNWRITTEN]))
            .group_by(inv.c.status, inv.c.study_id, inv.c.wave)
        )
        rows = found.all()
        waves = await c.execute(sa.select(_WAVES.c.study_id, _WAVES.c.wave).where(_WAVES.c.status == FAILED))
        kept_waves = sum(1 for r in waves.all() if not removed(r.study_id, r.wave))
    failed = sum(n for status, _, _, n in rows if status == FAILED)
    members = sum(n for status, study, wave, n in rows if status == UNWRITTEN and not removed(study, wave))
    return Counts(failed, members, kept_waves)


# ---- follow-up waves -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetAsideWave:
    """One follow-up wave set aside after repeated planning failures, as `interviewer db problems` shows it."""

    id: int
    study_id: str
    wave: str
    failures: int
    last_failed_at: datetime

    def line(self) -> str:
        return (
            f"wave:{self.id} study {self.study_id} wave {self.wave}: planning failed {self.failures} times, "
            f"the last at {self.last_failed_at:%Y-%m-%d %H:%M} UTC"
        )


async def wave_failures(store: Store) -> dict[tuple[str, str], int | None]:
    """(study, wave) -> its planning failures in a row, or None when it is set aside; waves that never
    failed are not there."""
    async with store.connection() as c:
        found = await c.execute(
            sa.select(_WAVES.c.study_id, _WAVES.c.wave, _WAVES.c.status, _WAVES.c.plan_failures)
        )
        return {(r.study_id, r.wave): None if r.status == FAILED else r.plan_failures for r in found.all()}


async def count_wave_failure(
    store: Store, study_id: str, wave: str, now: datetime, exc: BaseException
) -> None:
    """Log and count one failed plan of a wave; set it aside once it has failed MAX_PLAN_FAILURES times
    in a row."""
    key = (_WAVES.c.study_id == study_id) & (_WAVES.c.wave == wave)
    dialect = postgresql if store.is_postgres else sqlite
    async with store.connection() as c:
        await c.execute(
            dialect.insert(_WAVES)
            .values(study_id=study_id, wave=wave, status="open", plan_failures=0, last_failed_at=now)
            .on_conflict_do_nothing()
        )
        found = await c.execute(
            sa.update(_WAVES)
            .where(key)
            .values(plan_failures=_WAVES.c.plan_failures + 1, last_failed_at=now)
            .returning(_WAVES.c.plan_failures)
        )
        failures = found.scalar_one()
        log.error(
            "planning wave %s of study %s failed (%d of %d tries): %s",
            wave,
            study_id,
            failures,
            MAX_PLAN_FAILURES,
            type(exc).__name__,
        )
        log.debug("the failure of wave %s of study %s", wave, study_id, exc_info=exc)
        if failures >= MAX_PLAN_FAILURES:
            await c.execute(sa.update(_WAVES).where(key, _WAVES.c.status == "open").values(status=FAILED))
            log.error(
                "wave %s of study %s set aside after %d failed plans: see `interviewer db problems`",
                wave,
                study_id,
                failures,
            )


async def clear_wave_failures(store: Store, study_id: str, wave: str) -> None:
    """A plan of the wave succeeded: earlier failures no longer count towards setting it aside."""
    async with store.connection() as c:
        await c.execute(
            sa.update(_WAVES)
            .where(_WAVES.c.study_id == study_id, _WAVES.c.wave == wave, _WAVES.c.status == "open")
            .values(plan_failures=0)
        )


async def waves_set_aside(store: Store, limit: int = 1000) -> list[SetAsideWave]:
    """The follow-up waves set aside, oldest first."""
    async with store.connection() as c:
        found = await c.execute(
            sa.select(
                _WAVES.c.id, _WAVES.c.study_id, _WAVES.c.wave, _WAVES.c.plan_failures, _WAVES.c.last_failed_at
            )
            .where(_WAVES.c.status == FAILED)
            .order_by(_WAVES.c.id)
            .limit(limit)
        )
        return [
            SetAsideWave(r.id, r.study_id, r.wave, r.plan_failures, r.last_failed_at) for r in found.all()
        ]


async def put_back_waves(store: Store, ids: Sequence[int]) -> int:
    """Plan set-aside waves again, their failures forgotten; returns how many were put back."""
    if not ids:
        return 0
    async with store.connection() as c:
        back = await c.execute(
            sa.update(_WAVES)
            .where(_WAVES.c.id.in_(list(ids)), _WAVES.c.status == FAILED)
            .values(status="open", plan_failures=0)
        )
    return int(back.rowcount or 0)
