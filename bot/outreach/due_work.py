"""Due work: reminders for members who have not finished, expiry after the last one, and follow-up
waves, planned as outbox rows and `invitations` updates that two schedulers can run at once safely.

Each invitation is planned in a savepoint of its own, and each expiry and each wave on its own: one
that fails is logged with its id and the others go on (`bot.outreach.set_aside` counts the failures and
sets aside an invitation or wave that keeps failing). Within a wave, a member whose invitation cannot be
written is set aside on their own, and the wave goes on for everyone else.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import false, or_
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine.dead_letters import is_transient
from bot.engine.engine import Engine
from bot.engine.outbox import queue
from bot.engine.preferences import OPTED_OUT
from bot.interview.conversation import TERMINAL, Expire, Progress, State
from bot.interview.locales import texts_for
from bot.interview.prompts import current_prompt
from bot.messages import Address
from bot.outreach.invitations import (
    InviteReport,
    Member,
    NotInvitable,
    invitation_key,
    invitation_prefix,
    invite,
    send_time,
)
from bot.outreach.set_aside import (
    clear_failures,
    clear_wave_failures,
    count_failure,
    count_wave_failure,
    wave_failures,
)
from bot.outreach.timing import WindowNeverOpens, check_schedule
from bot.outreach.wording import MAIN, buttons, invitation_text
from bot.storage.models import Interview, InvitationRow, OutboxRow, Participant, Turn
from bot.studies.study import Study, parse_duration

log = logging.getLogger(__name__)


# ---- due work ----------------------------------------------------------------------------------------


@dataclass
class Planned:
    reminders: int = 0
    expired: int = 0
    waves: int = 0
    failed: int = 0  # invitations, expiries, waves and wave members whose planning failed (each logged)
    expiring: list[tuple[int, int]] = field(default_factory=list)  # (invitation id, interview id)


async def _where_left_off(s: AsyncSession, study: Study, interview: Interview) -> str | None:
    state = State(interview.state)
    prompt = current_prompt(study, state, Progress.from_json(interview.data))
    if prompt is not None:
        return prompt.text
    turn = (
        await s.exec(
            select(Turn)
            .where(Turn.interview_id == interview.id, Turn.role == "interviewer")
            .order_by(col(Turn.seq).desc())
        )
    ).first()
    return turn.text if turn else None


def reminder_text(study: Study, number: int, left_off: str | None, invited_only: bool) -> str:
    """The `number`th reminder, in the study's language."""
    texts = texts_for(study.language)
    if invited_only:
        return texts.reminder_invited.format(
            number=number,
            title=study.title,
            invitation=invitation_text(study, MAIN),
            opt_out=texts.opt_out_line,
        )
    where = "\n" + texts.where_we_left_off.format(question=left_off) if left_off else ""
    return texts.reminder_waiting.format(number=number, title=study.title, where=where)


async def plan_due_work(engine: Engine, now: datetime | None = None) -> Planned:
    """Queue due reminders and follow-up waves and expire what waited too long. Safe to run anywhere."""
    now = now or engine.clock()
    planned = Planned()
    async with engine.store.session() as s:
        for inv, interview, participant in await _maybe_due(engine, s, now):
            await _plan_isolated(engine, s, planned, inv, interview, participant, now)
    for invitation_id, interview_id in planned.expiring:
        await _expire(engine, planned, invitation_id, interview_id)
    await _plan_waves(engine, planned, now)
    return planned


async def _plan_isolated(
    engine: Engine,
    s: AsyncSession,
    planned: Planned,
    inv: InvitationRow,
    interview: Interview,
    participant: Participant,
    now: datetime,
) -> None:
    """`_plan_one` in a savepoint: an error undoes this invitation's work only, and is counted on it."""
    invitation_id, failures = inv.id or 0, inv.plan_failures
    try:
        async with s.begin_nested():
            outcome = await _plan_one(engine, s, inv, interview, participant, now)
            if failures:
                await clear_failures(s, invitation_id)
    except Exception as exc:
        if is_transient(exc):
            raise  # the database went away: not this row's fault, and no other row can be planned
        planned.failed += 1
        await count_failure(s, invitation_id, exc)
        return
    if outcome == "reminder":
        planned.reminders += 1
    elif outcome == "expire":
        planned.expiring.append((invitation_id, interview.id or 0))


async def _expire(engine: Engine, planned: Planned, invitation_id: int, interview_id: int) -> None:
    """Expire an interview whose invitation was just closed; if that fails, the invitation opens again,
    to be tried next tick, and the failure is counted on it (not one of the database connection)."""
    try:
        await engine.apply_event(interview_id, Expire())
    except Exception as exc:
        transient = is_transient(exc)
        async with engine.store.session() as s:
            await s.exec(
                update(InvitationRow)
                .where(col(InvitationRow.id) == invitation_id, col(InvitationRow.status) == "closed")
                .values(status="open")
            )
            if not transient:
                await count_failure(s, invitation_id, exc)
        if transient:
            raise
        planned.failed += 1
        return
    planned.expired += 1


async def _maybe_due(
    engine: Engine, s: AsyncSession, now: datetime
) -> Sequence[tuple[InvitationRow, Interview, Participant]]:
    """Open invitations quiet for at least their study's shortest wait: only those can need anything, so
    a tick stays cheap however many invitations are open (`_plan_one` still applies every rule)."""
    waits = {
        st.id: min(parse_duration(st.invitation.reminder_after), parse_duration(st.invitation.expire_after))
        for st in engine.catalog.studies()
        if st.invitation is not None and _opens(st)
    }
    maybe_due = [
        (col(InvitationRow.study_id) == study_id)
        & ((col(InvitationRow.last_contact_at) <= now - wait) | (col(InvitationRow.snoozed_until) <= now))
        for study_id, wait in waits.items()
    ]
    found = await s.exec(
        select(InvitationRow, Interview, Participant)
        .join(Interview, col(Interview.id) == col(InvitationRow.interview_id))
        .join(Participant, col(Participant.id) == col(InvitationRow.participant_id))
        .where(InvitationRow.status == "open", or_(false(), *maybe_due))
        .order_by(col(InvitationRow.id))  # one lock order for every scheduler: no deadlocks
    )
    return found.all()


async def _plan_one(
    engine: Engine,
    s: AsyncSession,
    inv: InvitationRow,
    interview: Interview,
    participant: Participant,
    now: datetime,
) -> str | None:
    """One open invitation: close it, remind, mark it for expiry, or leave it waiting. Returns
    "reminder" when a reminder was queued, "expire" when the interview is to expire, else None."""
    study = engine.catalog.get(inv.study_id)
    state = State(interview.state)
    if study is None or state in TERMINAL or participant.unreachable:
        await _close(s, inv)
        return None
    if participant.opted_out:  # e.g. invited by a roster read before the opt-out: `optin` reopens it
        await _close(s, inv, OPTED_OUT)
        return None
    if state is State.PAUSED or study.invitation is None:
        return None  # a chosen pause is not a silence to chase; no invitation settings, no reminders
    settings = study.invitation
    quiet_since = max(t for t in (inv.last_contact_at, interview.updated_at) if t is not None)
    snoozed = inv.snoozed_until if inv.snoozed_until and inv.snoozed_until > quiet_since else None
    if inv.reminders_sent < settings.max_reminders:
        # a snooze replaces the usual wait: the next reminder comes when it ends
        if now >= (snoozed or quiet_since + parse_duration(settings.reminder_after)):
            return "reminder" if await _remind(s, study, inv, interview, participant, now) else None
    elif now >= (snoozed or quiet_since) + parse_duration(settings.expire_after):
        if send_time(study, participant.timezone, now) > now:
            return None  # the closing message goes out, like every scheduled one, inside the send window
        if await _close(s, inv):
            return "expire"
    return None


async def _remind(
    s: AsyncSession,
    study: Study,
    inv: InvitationRow,
    interview: Interview,
    participant: Participant,
    now: datetime,
) -> int:
    """Queue the next reminder unless another scheduler just did; returns how many were queued."""
    number = inv.reminders_sent + 1
    due = send_time(study, participant.timezone, now)
    claimed = await s.exec(
        update(InvitationRow)
        .where(col(InvitationRow.id) == inv.id, col(InvitationRow.reminders_sent) == number - 1)
        .values(reminders_sent=number, last_contact_at=due)
    )
    if claimed.rowcount != 1:
        return 0  # another scheduler queued this reminder
    left_off = await _where_left_off(s, study, interview)
    invited_only = interview.state == State.INVITED.value
    text = reminder_text(study, number, left_off, invited_only)
    if invited_only and not await _delivered(s, study, inv, participant):
        # the invitation never arrived (the platform was down for a day, or refused it): a "reminder"
        # of it would puzzle; this contact is the invitation itself, and still counts as a reminder
        text = f"{invitation_text(study, inv.wave)}\n{texts_for(study.language).opt_out_line}"
    row = queue(
        s,
        invitation_key(study.id, inv.wave, participant.id or 0, "reminder", number),
        Address(participant.platform, participant.workspace, participant.user_id),
        text,
        choices=buttons(study) if invited_only else (),
        prompt="start" if invited_only else None,
        interview_id=interview.id,
        purpose="reminder",
        not_before=due,
    )
    row.created_at = now  # on the scheduler's clock: sent only if nobody wrote after it (outreach_gate)
    return 1


async def _delivered(s: AsyncSession, study: Study, inv: InvitationRow, participant: Participant) -> bool:
    """Whether any message of this invitation (the invitation or an earlier reminder) was sent."""
    prefix = invitation_prefix(study.id, inv.wave, participant.id or 0)
    sent = await s.exec(
        select(OutboxRow.id)
        .where(col(OutboxRow.key).startswith(prefix, autoescape=True), OutboxRow.status == "sent")
        .limit(1)
    )
    return sent.first() is not None


def _opens(study: Study) -> bool:
    try:
        check_schedule(study.schedule.send_window, study.schedule.quiet_hours, study.schedule.days)
    except WindowNeverOpens as exc:
        log.error("study %s: no reminders are planned: %s", study.id, exc)
        return False
    return True


async def _close(s: AsyncSession, inv: InvitationRow, status: str = "closed") -> bool:
    """Close an invitation; False if another scheduler closed it first."""
    result = await s.exec(
        update(InvitationRow)
        .where(col(InvitationRow.id) == inv.id, col(InvitationRow.status) == "open")
        .values(status=status)
    )
    return bool(result.rowcount == 1)


# Whose completed interview leads to follow-up waves (with Interview joined to its Participant): not a
# pilot; someone on a platform invitations reach (not a transcript imported from a file, `interviewer
# import`, nor a terminal interview, `interviewer chat`: nobody could receive the invitation); and not
# an interview whose content retention or `db purge` deleted (nothing is left to follow up).
INVITED_PLATFORMS = ("slack", "discord")
WAVE_ELIGIBLE = (
    col(Interview.pilot).is_(False),
    col(Participant.platform).in_(INVITED_PLATFORMS),
    col(Interview.erased_at).is_(None),
)


class NotAllInvited(RuntimeError):
    """Members due for a wave could be neither invited nor set aside (each one logged with their id)."""


async def _plan_waves(engine: Engine, planned: Planned, now: datetime) -> None:
    """Invite everyone who completed the main interview long enough ago to each follow-up wave. A member
    whose invitation cannot be written is set aside on their own (logged once) and the wave goes on. A
    wave whose planning fails otherwise is logged (study and wave ids) and counted, and the other waves
    go on; after three failures in a row it is set aside (`bot.outreach.set_aside`) and no longer planned."""
    waves = [(study, wave) for study in engine.catalog.studies() for wave in study.schedule.waves]
    failures = await wave_failures(engine.store) if waves else {}  # one query a tick, when any wave
    for study, wave in waves:
        earlier = failures.get((study.id, wave.id), 0)
        if earlier is None:
            continue  # set aside: `interviewer db problems --retry wave:ID` puts it back
        try:
            report = await _plan_wave(engine, study, wave.id, now - parse_duration(wave.after))
            planned.waves += report.invited  # those invited stay so, even if another one failed
            planned.failed += report.set_aside
            if report.failed:  # not even set aside, so tried at every tick: the wave counts it
                raise NotAllInvited(f"{report.failed} member(s) neither invited nor set aside")
        except NotInvitable as exc:  # the study's current plan awaits approval: its waves wait for it
            log.debug("wave %s of study %s waits: %s", wave.id, study.id, exc)
            continue
        except Exception as exc:
            if is_transient(exc):
                raise
            planned.failed += 1
            await count_wave_failure(engine.store, study.id, wave.id, now, exc)
            continue
        if earlier:
            await clear_wave_failures(engine.store, study.id, wave.id)


async def _plan_wave(engine: Engine, study: Study, wave: str, cutoff: datetime) -> InviteReport:
    """Invite to `wave` the members who completed the main interview before `cutoff`."""
    async with engine.store.session() as s:
        # any row for this wave, an `unwritten` one of a member set aside included
        in_wave = select(InvitationRow.participant_id).where(
            InvitationRow.study_id == study.id, InvitationRow.wave == wave
        )
        later = select(InvitationRow.interview_id).where(
            InvitationRow.study_id == study.id,
            InvitationRow.wave != MAIN,
            col(InvitationRow.interview_id).is_not(None),
        )
        due = (
            await s.exec(
                select(Participant)
                .join(Interview, col(Interview.participant_id) == col(Participant.id))
                .where(
                    Interview.study_id == study.id,
                    Interview.state == State.COMPLETED.value,
                    *WAVE_ELIGIBLE,
                    col(Interview.completed_at) <= cutoff,
                    col(Interview.id).not_in(later),
                    col(Participant.id).not_in(in_wave),
                )
                .distinct()
            )
        ).all()
    if not due:
        return InviteReport()
    members = [Member(Address(p.platform, p.workspace, p.user_id)) for p in due]
    return await invite(engine, study, members, source="wave", wave=wave)
