"""Withdrawal: what a participant said is hard-deleted; the interview row stays as a tombstone."""

from __future__ import annotations

from sqlmodel import col, delete, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import Address
from bot.storage.models import (
    ConsentRecord,
    InboxRow,
    Interview,
    OutboxRow,
    ScreeningAnswer,
    SurveyAnswer,
    Turn,
)


async def delete_content(s: AsyncSession, interview: Interview, who: Address) -> None:
    """Withdrawal: hard-delete everything the participant said; the interview row stays as a tombstone."""
    for model in (Turn, ScreeningAnswer, SurveyAnswer):
        await s.exec(delete(model).where(model.interview_id == interview.id))  # type: ignore[call-overload]
    await s.exec(
        update(InboxRow)
        .where(
            col(InboxRow.participant_key) == who.key,  # type: ignore[call-overload]
            col(InboxRow.received_at) >= interview.created_at,
        )
        .values(text="")
    )
    await s.flush()
    await s.exec(
        update(OutboxRow)
        .where(
            col(OutboxRow.interview_id) == interview.id,  # type: ignore[call-overload]
            col(OutboxRow.status).in_(["pending", "sending"]),
        )
        .values(status="cancelled")
    )
    await s.exec(
        update(OutboxRow)
        .where(col(OutboxRow.interview_id) == interview.id)  # type: ignore[call-overload]
        .values(text="")
    )
    await s.exec(
        update(ConsentRecord)
        .where(col(ConsentRecord.interview_id) == interview.id)  # type: ignore[call-overload]
        .values(granted=False)
    )
