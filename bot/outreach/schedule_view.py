"""What the scheduler will send next for a study: pending invitations and reminders, and due waves."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from bot.engine.engine import Engine
from bot.interview.conversation import State
from bot.messages import BULK_PURPOSES
from bot.outreach.due_work import WAVE_ELIGIBLE
from bot.storage.models import Interview, InvitationRow, OutboxRow, Participant
from bot.studies.study import parse_duration


async def upcoming(engine: Engine, study_id: str, limit: int = 50) -> str:
    """A plain-text table: when (UTC), what, and for whom (the pseudonymous participant code)."""
    study = engine.catalog.get(study_id)
    assert study is not None
    lines: list[tuple[datetime, str, str, str]] = []
    async with engine.store.session() as s:
        rows = (
            await s.exec(
                select(OutboxRow, Interview)
                .join(Interview, col(Interview.id) == col(OutboxRow.interview_id))
                .where(
                    Interview.study_id == study_id,
                    col(OutboxRow.purpose).in_(BULK_PURPOSES),
                    col(OutboxRow.status).in_(["pending", "sending"]),
                )
                .order_by(col(OutboxRow.not_before))
                .limit(limit)
            )
        ).all()
        for row, interview in rows:
            wave_id = row.key.split(":")[2] if row.key.startswith("inv:") else "main"
            lines.append((row.not_before, row.purpose, wave_id, interview.participant_code))
        for wave in study.schedule.waves:
            invited = select(InvitationRow.participant_id).where(
                InvitationRow.study_id == study_id, InvitationRow.wave == wave.id
            )
            done = (
                await s.exec(
                    select(Interview)
                    .join(Participant, col(Participant.id) == col(Interview.participant_id))
                    .where(
                        *WAVE_ELIGIBLE,  # the waves the scheduler will plan, no others
                        Interview.study_id == study_id,
                        Interview.state == State.COMPLETED.value,
                        col(Interview.participant_id).not_in(invited),
                        col(Interview.completed_at).is_not(None),
                    )
                    .limit(limit)
                )
            ).all()
            for interview in done:
                assert interview.completed_at is not None
                when = interview.completed_at + parse_duration(wave.after)
                lines.append((when, "wave (planned)", wave.id, interview.participant_code))
    if not lines:
        return f"Nothing scheduled for `{study_id}`."
    lines.sort()
    shown = lines[:limit]
    width = max(len("wave"), *(len(wave) for _, _, wave, _ in shown))  # a wave id may be long
    out = [
        f"Upcoming sends for {study_id} (UTC):",
        f"{'when':<16}  {'what':<15}  {'wave':<{width}}  participant",
    ]
    out += [f"{when:%Y-%m-%d %H:%M}  {what:<15}  {wave:<{width}}  {code}" for when, what, wave, code in shown]
    return "\n".join(out)
