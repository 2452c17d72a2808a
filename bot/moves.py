"""The interviewer's turn: build its context inside a transaction, ask it outside one, store the move.

A move is stored only if the interview still waits for exactly that move (`Progress.move_token`); a
newer participant message or a command in the meantime makes it stale, and the stale move is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import interview as sm
from bot.coverage import active_minutes, guidance, topic_states
from bot.interviewer.base import Guidance, InterviewContext
from bot.interviewer.base import Turn as ContextTurn
from bot.invitations import earlier_summary, wave_study
from bot.messages import Address
from bot.storage.models import Interview, Turn
from bot.study import Study

_TRANSCRIPT = (
    select(col(Turn.role), col(Turn.text), col(Turn.created_at))
    .where(col(Turn.interview_id) == bindparam("interview_id"))
    .order_by(col(Turn.seq))
)
DISTRESS_PAUSE = "We can pause here. Reply whenever you feel ready to go on, or type `stop` to end."
ABUSE_END = "I'll end our conversation here. Thank you for your time."


@dataclass(frozen=True)
class PendingMove:
    """Everything needed to ask the interviewer for one move, captured when the move became due."""

    interview_id: int
    who: Address
    token: int
    study: Study
    context: InterviewContext

    @property
    def guidance(self) -> Guidance:
        return self.context.guidance


async def pending_move(
    s: AsyncSession, interview: Interview, study: Study, who: Address, max_chars: int
) -> PendingMove | None:
    """The move `interview` waits for, with its context, or None if it waits for nothing."""
    progress = sm.Progress.from_json(interview.data)
    if interview.state != sm.State.INTERVIEWING.value or not progress.awaiting_move or interview.id is None:
        return None
    # only the columns the context needs: loading whole Turn objects grew with every turn
    turns = (await s.exec(_TRANSCRIPT, params={"interview_id": interview.id})).all()
    summary = None
    if progress.wave:  # a follow-up interview: the wave's topics, and what was said last time
        study = wave_study(study, progress.wave)
        summary = await earlier_summary(s, interview)
    allowed = guidance(study, progress, active_minutes([(t.role, t.created_at) for t in turns]))
    transcript = tuple(
        ContextTurn(t.role, t.text if len(t.text) <= max_chars else t.text[:max_chars] + " […]")
        for t in turns
    )
    context = InterviewContext(
        study, transcript, topic_states(study, progress), allowed, dict(progress.screening), summary
    )
    return PendingMove(interview.id, who, progress.move_token, study, context)
