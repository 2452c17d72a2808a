"""What the scheduler will send next for a study: pending invitations and reminders, the next reminder
of each open invitation, and due waves."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine.engine import Engine
from bot.interview.conversation import TERMINAL, State
from bot.messages import BULK_PURPOSES
from bot.outreach.due_work import WAVE_ELIGIBLE
from bot.outreach.invitations import MAIN, send_time
from bot.storage.models import Interview, InvitationRow, OutboxRow, Participant
from bot.studies.study import Study, parse_duration

Line = tuple[datetime, str, str, str]  # when (UTC), what, wave, participant code


async def upcoming(engine: Engine, study_id: str, limit: int = 50) -> str:
    """A plain-text table: when (UTC), what, and for whom (the pseudonymous participant code)."""
    study = engine.catalog.get(study_id)
    assert study is not None
    now = engine.clock()
    async with engine.store.session() as s:
        lines = await _queued(s, study_id, limit)
        lines += await _next_reminders(s, study, now, limit)
        lines += await _planned_waves(s, study, now, limit)
    if not lines:
        return f"Nothing scheduled for `{study_id}`."
    lines.sort()
    shown = lines[:limit]
    width = max(len("wave"), *(len(wave) for _, _, wave, _ in shown))  # a wave id may be long
    out = [
        f"Upcoming sends for {study_id} (UTC):",
        f"{'when':<16}  {'what':<18}  {'wave':<{width}}  participant",
    ]
    out += [f"{when:%Y-%m-%d %H:%M}  {what:<18}  {wave:<{width}}  {code}" for when, what, wave, code in shown]
    return "\n".join(out)


async def _queued(s: AsyncSession, study_id: str, limit: int) -> list[Line]:
    """Invitations and reminders already in the outbox, waiting for their time; not those to a member
    who opted out or whom a DM has since failed to reach, which are cancelled when they fall due
    (`bot.engine.outreach_gate`)."""
    rows = (
        await s.exec(
            select(OutboxRow, Interview)
            .join(Interview, col(Interview.id) == col(OutboxRow.interview_id))
            .join(Participant, col(Participant.id) == col(Interview.participant_id))
            .where(
                Interview.study_id == study_id,
                col(OutboxRow.purpose).in_(BULK_PURPOSES),
                col(OutboxRow.status).in_(["pending", "sending"]),
                col(Participant.opted_out).is_(False),
                col(Participant.unreachable).is_(False),
            )
            .order_by(col(OutboxRow.not_before))
            .limit(limit)
        )
    ).all()
    return [
        (
            row.not_before,
            row.purpose,
            row.key.split(":")[2] if row.key.startswith("inv:") else MAIN,
            i.participant_code,
        )
        for row, i in rows
    ]


async def _next_reminders(s: AsyncSession, study: Study, now: datetime, limit: int) -> list[Line]:
    """The next reminder of each open invitation, should the member stay quiet: planned by the rule the
    scheduler queues it with (`bot.outreach.due_work`), inside the member's send window."""
    if study.invitation is None or study.invitation.max_reminders == 0:
        return []
    wait = parse_duration(study.invitation.reminder_after)
    found = (
        await s.exec(
            select(InvitationRow, Interview, Participant)
            .join(Interview, col(Interview.id) == col(InvitationRow.interview_id))
            .join(Participant, col(Participant.id) == col(InvitationRow.participant_id))
            .where(
                InvitationRow.study_id == study.id,
                InvitationRow.status == "open",
                col(InvitationRow.reminders_sent) < study.invitation.max_reminders,
                col(Interview.state).not_in([st.value for st in (*TERMINAL, State.PAUSED)]),
                col(Participant.opted_out).is_(False),
                col(Participant.unreachable).is_(False),
            )
            .order_by(col(InvitationRow.last_contact_at))  # about the order they come due, for --limit
            .limit(limit)
        )
    ).all()
    lines: list[Line] = []
    for inv, interview, participant in found:
        quiet_since = max(t for t in (inv.last_contact_at, interview.updated_at) if t is not None)
        snoozed = inv.snoozed_until if inv.snoozed_until and inv.snoozed_until > quiet_since else None
        when = send_time(study, participant.timezone, max(now, snoozed or quiet_since + wait))
        lines.append((when, "reminder (planned)", inv.wave, interview.participant_code))
    return lines


async def _planned_waves(s: AsyncSession, study: Study, now: datetime, limit: int) -> list[Line]:
    """Each wave of each member who completed the main interview and is not yet invited to it."""
    lines: list[Line] = []
    for wave in study.schedule.waves:
        invited = select(InvitationRow.participant_id).where(
            InvitationRow.study_id == study.id, InvitationRow.wave == wave.id
        )
        follow_ups = select(InvitationRow.interview_id).where(  # a wave counts from the main interview
            InvitationRow.study_id == study.id,
            InvitationRow.wave != MAIN,
            col(InvitationRow.interview_id).is_not(None),
        )
        done = (
            await s.exec(
                select(Interview, Participant)
                .join(Participant, col(Participant.id) == col(Interview.participant_id))
                .where(
                    *WAVE_ELIGIBLE,  # the waves the scheduler will plan, no others
                    Interview.study_id == study.id,
                    Interview.state == State.COMPLETED.value,
                    col(Interview.id).not_in(follow_ups),
                    col(Interview.participant_id).not_in(invited),
                    col(Interview.completed_at).is_not(None),
                    col(Participant.opted_out).is_(False),  # a wave skips them while they are
                    col(Participant.unreachable).is_(False),
                )
                .order_by(col(Interview.completed_at))
                .limit(limit)
            )
        ).all()
        for interview, participant in done:
            assert interview.completed_at is not None
            due = max(now, interview.completed_at + parse_duration(wave.after))
            when = send_time(study, participant.timezone, due)
            lines.append((when, "wave (planned)", wave.id, interview.participant_code))
    return lines
