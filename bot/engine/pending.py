"""The move an interview waits for, with everything the interviewer may look at, read inside the
transaction that made it due; `bot.engine.answers` then asks for it outside any transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.claude.cache import PACE_REPLIES
from bot.engine.followups import earlier_summary, wave_study
from bot.engine.transcripts import TranscriptCache
from bot.interview.conversation import Progress, State
from bot.interview.coverage import active_minutes, guidance, topic_states
from bot.interview.moves import Guidance
from bot.interviewer.base import InterviewContext
from bot.interviewer.base import Turn as ContextTurn
from bot.messages import Address
from bot.storage.models import ConsentRecord, Interview, ScreeningAnswer, Turn
from bot.studies.study import Study

_TRANSCRIPT = (
    select(col(Turn.role), col(Turn.text), col(Turn.created_at))
    .where(col(Turn.interview_id) == bindparam("interview_id"))
    .order_by(col(Turn.seq))
)
_ANSWERED_BEFORE = (
    select(col(ConsentRecord.created_at))
    .where(col(ConsentRecord.interview_id) == bindparam("interview_id"))
    .union_all(
        select(col(ScreeningAnswer.created_at)).where(
            col(ScreeningAnswer.interview_id) == bindparam("interview_id")
        )
    )
)


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
    s: AsyncSession,
    interview: Interview,
    study: Study,
    who: Address,
    max_chars: int,
    transcripts: TranscriptCache | None = None,
) -> PendingMove | None:
    """The move `interview` waits for, with its context, or None if it waits for nothing."""
    progress = Progress.from_json(interview.data)
    if interview.state != State.INTERVIEWING.value or not progress.awaiting_move or interview.id is None:
        return None
    turns = transcripts.get(interview.id, progress.turn_seq) if transcripts else None
    if turns is None:
        # only the columns the context needs: loading whole Turn objects grew with every turn
        found = await s.exec(_TRANSCRIPT, params={"interview_id": interview.id})
        turns = [(role, text, created_at) for role, text, created_at in found.all()]
        if transcripts is not None:
            transcripts.store(interview.id, turns)
    summary = None
    if progress.wave:  # a follow-up interview: the wave's topics, and what was said last time
        study = wave_study(study, progress.wave)
        summary = await earlier_summary(s, interview)
    allowed = guidance(study, progress, active_minutes([(role, at) for role, _, at in turns]))
    declined = set(progress.declined_turns)
    transcript = tuple(
        ContextTurn(role, text if len(text) <= max_chars else text[:max_chars] + " […]", at)
        for seq, (role, text, at) in enumerate(turns, start=1)
        if seq not in declined
    )
    answered: tuple[datetime, ...] = ()
    if sum(role == "participant" for role, _, _ in turns) < PACE_REPLIES:  # their pace so far: see the field
        # a UNION is Core: run it on the session's connection, inside the same transaction
        conn = await s.connection()
        found_at = await conn.execute(_ANSWERED_BEFORE, {"interview_id": interview.id})
        answered = tuple(found_at.scalars())
    context = InterviewContext(
        study, transcript, topic_states(study, progress), allowed, dict(progress.screening), summary, answered
    )
    return PendingMove(interview.id, who, progress.move_token, study, context)


def declined(progress: Progress, context: InterviewContext) -> list[int]:
    """`progress.declined_turns` with the participant turns Claude just refused to answer: those after
    the interviewer's last turn. They stay in the transcript but are not sent again, since a refused
    turn left in the context tends to be refused again
    (https://platform.claude.com/docs/en/test-and-evaluate/strengthen-guardrails/handle-streaming-refusals)."""
    trailing = 0
    for turn in reversed(context.transcript):
        if turn.role != "participant":
            break
        trailing += 1
    latest = range(progress.turn_seq - trailing + 1, progress.turn_seq + 1)
    return sorted({*progress.declined_turns, *latest})
