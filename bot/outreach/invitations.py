"""Invitations as database rows the dispatcher sends once; reminders and waves are `bot.outreach.due_work`.

Every scheduled send is an outbox row keyed `inv:<study>:<wave>:<participant>:<purpose>:<seq>`; the
UNIQUE key and conditional updates on `invitations` decide whether something is sent, so two schedulers
running `plan_due_work` at once still queue each reminder once.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine.dead_letters import is_transient
from bot.engine.engine import Engine
from bot.engine.outbox import queue
from bot.interview.conversation import Progress, State
from bot.messages import Address
from bot.outreach.roster import Member, parse_roster
from bot.outreach.set_aside import set_aside_member
from bot.outreach.timing import WindowNeverOpens, check_schedule, next_send_time, zone
from bot.outreach.wording import MAIN, buttons, invitation_text
from bot.storage.models import Interview, InvitationRow, Participant
from bot.studies.study import Study

log = logging.getLogger(__name__)
__all__ = [
    "MAIN",
    "Member",
    "parse_roster",
]  # with this module's own: the roster is read in bot.outreach.roster
# Slack's default bulk pace (0.8 a second), used where no sender says its own (`interviewer invite` runs
# without the platform): invitations are spread at the pace they can go out, so none waits past its window
DEFAULT_PACE = timedelta(seconds=1.25)
# The database refused a member's rows (a row in the way, a value it cannot store): that member alone fails
REFUSED = (IntegrityError, DataError)


@dataclass
class InviteReport:
    invited: int = 0
    already: int = 0  # invited to this wave before: each member at most once per wave
    in_study: int = 0  # joined the study another way (a DM, a channel post) or withdrew from it
    opted_out: int = 0
    unreachable: int = 0
    failed: int = 0  # not written for another reason than an existing invitation (each one logged)
    set_aside: int = 0  # the same in a follow-up wave: set aside on their own (`bot.outreach.set_aside`)
    first_send: datetime | None = None
    last_send: datetime | None = None

    def text(self, study_id: str) -> str:
        parts = [f"{self.invited} invitation(s) for `{study_id}` scheduled"]
        if self.first_send:
            parts.append(
                f"sending from {self.first_send:%Y-%m-%d %H:%M} UTC to {self.last_send:%Y-%m-%d %H:%M} UTC"
            )
        skipped = [
            f"{n} {what}"
            for n, what in (
                (self.already, "already invited"),
                (self.in_study, "already in the study"),
                (self.opted_out, "opted out"),
                (self.unreachable, "unreachable"),
                (self.failed, "failed (the log names the error)"),
                (self.set_aside, "set aside (see `interviewer db problems`)"),
            )
            if n
        ]
        if skipped:
            parts.append("skipped: " + ", ".join(skipped))
        return "; ".join(parts) + "."


def invitation_prefix(study_id: str, wave: str, participant_id: int) -> str:
    """The start of the outbox keys of every message of one invitation."""
    return f"inv:{study_id}:{wave}:{participant_id}:"


def invitation_key(study_id: str, wave: str, participant_id: int, purpose: str, seq: int) -> str:
    return f"{invitation_prefix(study_id, wave, participant_id)}{purpose}:{seq}"


def send_time(study: Study, tz_name: str | None, after: datetime) -> datetime:
    """The first allowed instant at or after `after` in the member's zone (the study's when unknown)."""
    sched = study.schedule
    return next_send_time(
        after, zone(tz_name, sched.timezone), sched.send_window, sched.quiet_hours, sched.days
    )


# ---- members -----------------------------------------------------------------------------------------


async def _participant(s: AsyncSession, who: Address) -> Participant:
    query = select(Participant).where(
        Participant.platform == who.platform,
        Participant.workspace == who.workspace,
        Participant.user_id == who.user_id,
    )
    found = (await s.exec(query)).first()
    if found is not None:
        return found
    try:
        async with s.begin_nested():
            s.add(Participant(platform=who.platform, workspace=who.workspace, user_id=who.user_id))
    except IntegrityError:
        pass  # created a moment ago by the engine or another scheduler
    return (await s.exec(query)).one()


class NotInvitable(ValueError):
    """The study cannot send invitations now; the message says why and how to fix it."""


async def ensure_invitable(engine: Engine, study: Study) -> None:
    """Refuse invitations for a plan that is not approved (when approval is required) or never sendable."""
    try:
        check_schedule(study.schedule.send_window, study.schedule.quiet_hours, study.schedule.days)
    except WindowNeverOpens as exc:
        raise NotInvitable(f"study {study.id!r}: {exc}") from None
    if not await engine.study_open(study.id):
        raise NotInvitable(
            f"study {study.id!r}: its current plan is not approved, so no invitations go out; "
            f"review it and run `interviewer plan approve <file> --by NAME`"
        )


async def invite(
    engine: Engine,
    study: Study,
    members: list[Member],
    *,
    source: str,
    wave: str = MAIN,
    pace: timedelta | None = None,
    batch: int = 500,
) -> InviteReport:
    """Create one invited interview and one invitation row per new member, paced from now.

    Each member's invitation is due at the next allowed moment of their time zone after the one before
    it in the same zone, `pace` apart (default: the sender's bulk pace), so a large roster fills one
    day's send window after another instead of piling up at the first opening and going out, behind,
    into the quiet hours. Raises NotInvitable (before writing anything) when the study cannot take
    invitations.
    """
    await ensure_invitable(engine, study)
    if pace is None:
        sender = engine.dispatcher.senders.get(members[0].address.platform) if members else None
        per_second = getattr(sender, "bulk_per_second", None)
        pace = timedelta(seconds=1 / per_second) if per_second else DEFAULT_PACE
    plan = _Invite(engine, study, source, wave, pace, InviteReport())
    for start in range(0, len(members), batch):
        chunk = members[start : start + batch]
        try:
            async with engine.store.session() as s:
                await plan.bulk(s, chunk)
        except Exception as exc:
            if not plan.members_own(exc):
                raise
            # Someone invited or created one of these members at the same moment, or one member's rows
            # cannot be written: go one by one.
            async with engine.store.session() as s:
                for member in chunk:
                    await plan.one(s, member)
    return plan.report


@dataclass
class _Invite:
    engine: Engine
    study: Study
    source: str
    wave: str
    pace: timedelta
    report: InviteReport
    next_free: dict[str, datetime] = field(default_factory=dict)  # time zone -> earliest for the next one

    def _eligible(self, participant: Participant, member: Member) -> bool:
        if member.timezone and not participant.timezone_chosen and participant.timezone != member.timezone:
            participant.timezone = member.timezone  # the profile's zone, unless they chose their own
        if participant.opted_out:
            self.report.opted_out += 1
        elif participant.unreachable:
            self.report.unreachable += 1
        return not (participant.opted_out or participant.unreachable)

    def _interview(self, participant: Participant, member: Member) -> Interview:
        now, current = self.engine.clock(), self.engine.catalog.current(self.study.id)
        return Interview(
            participant_id=participant.id or 0,
            study_id=self.study.id,
            study_version=current.version,
            plan_hash=current.plan_hash,
            participant_code=self.engine.pseudonyms.code(self.study.id, member.address),
            state=State.INVITED.value,
            interviewer=self.engine.interviewer.name,
            data=Progress(wave=None if self.wave == MAIN else self.wave).to_json(),
            created_at=now,
            updated_at=now,
        )

    def _rows(self, s: AsyncSession, participant: Participant, member: Member, interview: Interview) -> None:
        """The invitation row and its outbox row, due at the member's next send window after its slot."""
        now, where = self.engine.clock(), participant.timezone or ""
        due = send_time(self.study, participant.timezone, max(now, self.next_free.get(where, now)))
        self.next_free[where] = due + self.pace
        s.add(
            InvitationRow(
                participant_id=participant.id or 0,
                study_id=self.study.id,
                wave=self.wave,
                interview_id=interview.id,
                source=self.source,
                cohort_group=member.group,
                last_contact_at=due,
                created_at=now,
            )
        )
        queue(
            s,
            invitation_key(self.study.id, self.wave, participant.id or 0, "invitation", 0),
            member.address,
            invitation_text(self.study, self.wave),
            choices=buttons(self.study),
            prompt="start",
            interview_id=interview.id,
            purpose="invitation",
            not_before=due,
        )
        self.report.invited += 1
        self.report.first_send = min(self.report.first_send or due, due)
        self.report.last_send = max(self.report.last_send or due, due)

    async def _in_study(self, s: AsyncSession, ids: list[int | None]) -> set[int]:
        """Those of `ids` with an interview in the study that no invitation to it made: they joined by DM or
        from a channel post (or later withdrew), so a main-wave invitation would ask them a second time."""
        if self.wave != MAIN:
            return set()  # follow-up waves are for people who took part (`due_work._plan_waves`)
        found = await s.exec(
            select(Interview.participant_id).where(
                Interview.study_id == self.study.id,
                col(Interview.pilot).is_(False),
                col(Interview.participant_id).in_(ids),
                col(Interview.id).not_in(
                    select(InvitationRow.interview_id).where(
                        InvitationRow.study_id == self.study.id, col(InvitationRow.interview_id).is_not(None)
                    )
                ),
            )
        )
        return set(found.all())

    async def bulk(self, s: AsyncSession, chunk: list[Member]) -> None:
        """A whole chunk in a few statements; raises IntegrityError on a concurrent insert (caller retries)."""
        report_before, free_before = copy.copy(self.report), dict(self.next_free)
        try:
            known: dict[Address, Participant] = {}
            for (platform, workspace), group in _by_workspace(chunk).items():
                found = await s.exec(
                    select(Participant).where(
                        Participant.platform == platform,
                        Participant.workspace == workspace,
                        col(Participant.user_id).in_([m.address.user_id for m in group]),
                    )
                )
                known.update({Address(p.platform, p.workspace, p.user_id): p for p in found.all()})
            for member in chunk:
                if member.address not in known:
                    who = member.address
                    known[who] = Participant(
                        platform=who.platform, workspace=who.workspace, user_id=who.user_id
                    )
                    s.add(known[who])
            await s.flush()
            ids = [p.id for p in known.values()]
            invited = set(
                (
                    await s.exec(
                        select(InvitationRow.participant_id).where(
                            InvitationRow.study_id == self.study.id,
                            InvitationRow.wave == self.wave,
                            col(InvitationRow.participant_id).in_(ids),
                        )
                    )
                ).all()
            )
            in_study = await self._in_study(s, ids)
            todo = []
            for member in dict.fromkeys(chunk):
                participant = known[member.address]
                s.add(participant)
                if participant.id in invited:
                    self.report.already += 1
                elif participant.id in in_study:
                    self.report.in_study += 1
                elif self._eligible(participant, member):
                    todo.append((participant, member, self._interview(participant, member)))
            s.add_all([interview for _, _, interview in todo])
            await s.flush()
            for participant, member, interview in todo:
                self._rows(s, participant, member, interview)
            await s.flush()
        except Exception:
            self.report, self.next_free = report_before, free_before
            raise

    def members_own(self, exc: Exception) -> bool:
        """Whether `exc`, raised while writing invitations, may be one member's alone, to be found one by
        one: the database refused some rows or, in a follow-up wave, our own code failed (a bug that one
        member's data sets off must not stop the wave for everyone). The database going away never is."""
        return not is_transient(exc) and (isinstance(exc, REFUSED) or self.wave != MAIN)

    async def one(self, s: AsyncSession, member: Member) -> None:
        participant = await _participant(s, member.address)
        s.add(participant)
        if participant.id in await self._in_study(s, [participant.id]):
            self.report.in_study += 1
            return
        if not self._eligible(participant, member):
            return
        report_before, free_before = copy.copy(self.report), dict(self.next_free)
        participant_id = participant.id or 0  # read now: a rolled back savepoint expires the row
        try:
            async with s.begin_nested():
                interview = self._interview(participant, member)
                s.add(interview)
                await s.flush()
                self._rows(s, participant, member, interview)
                await s.flush()
        except Exception as exc:
            if not self.members_own(exc):
                raise
            self.report, self.next_free = report_before, free_before
            if isinstance(exc, REFUSED) and await self._invited(s, participant_id):
                self.report.already += 1  # another inviter was first: the race the constraint settles
                return
            # a conflict with some other row (an outbox row left with this invitation's key, say), or
            # an error of our own code in a follow-up wave
            await self._not_written(s, participant_id, exc)

    async def _not_written(self, s: AsyncSession, participant_id: int, exc: Exception) -> None:
        """Log a member whose invitation could not be written (their id and the error's type, no text); in a
        follow-up wave, also set them aside on their own, so that the wave goes on without them and they
        are neither tried nor logged again at each tick."""
        now = self.engine.clock()
        aside = self.wave != MAIN and await set_aside_member(s, participant_id, self.study.id, self.wave, now)
        if not aside and await self._invited(s, participant_id):
            self.report.already += 1  # another scheduler set them aside (or invited them) a moment ago
            return
        self.report.set_aside += aside
        self.report.failed += not aside
        log.error(
            "inviting participant %s to wave %s of study %s failed: %s%s",
            participant_id,
            self.wave,
            self.study.id,
            type(exc).__name__,
            "; set aside: see `interviewer db problems`" if aside else "",
        )
        log.debug("the failure of participant %s's invitation", participant_id, exc_info=exc)

    async def _invited(self, s: AsyncSession, participant_id: int) -> bool:
        found = await s.exec(
            select(InvitationRow.id).where(
                InvitationRow.participant_id == participant_id,
                InvitationRow.study_id == self.study.id,
                InvitationRow.wave == self.wave,
            )
        )
        return found.first() is not None


def _by_workspace(members: list[Member]) -> dict[tuple[str, str], list[Member]]:
    groups: dict[tuple[str, str], list[Member]] = {}
    for member in members:
        groups.setdefault((member.address.platform, member.address.workspace), []).append(member)
    return groups
