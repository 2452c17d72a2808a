"""The interviewer's turn: build its context inside a transaction, ask it outside one, store the move.

A move is stored only if the interview still waits for exactly that move (`Progress.move_token`); a
newer participant message or a command in the meantime makes it stale, and the stale move is dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.claude.cache import PACE_REPLIES
from bot.engine.followups import earlier_summary, wave_study
from bot.interview import transitions as sm
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


StoredTurn = tuple[str, str, datetime]  # role, text, created_at: what the interviewer's context needs


class TranscriptCache:
    """Recent interviews' transcripts as this process wrote them, so that asking for a move does not
    read every turn again. An entry is used only while it holds exactly as many turns as the interview
    row counts (`Progress.turn_seq`): turns another worker wrote, or a rolled-back write followed by
    someone else's, make the counts differ and the transcript is read from the database. The engine
    clears the cache when a transaction fails, so a turn that was never committed is not reused."""

    def __init__(self, size: int = 2000):
        self.size = size
        self._entries: OrderedDict[int, list[StoredTurn]] = OrderedDict()

    def added(self, interview_id: int, seq: int, turn: StoredTurn) -> None:
        """Turn number `seq` (from 1) was written in the current transaction."""
        turns = self._entries.get(interview_id)
        if turns is None and seq == 1:
            turns = self._keep(interview_id, [])
        if turns is None or len(turns) < seq - 1:  # earlier turns unknown here: read them when needed
            self._entries.pop(interview_id, None)
            return
        del turns[seq - 1 :]
        turns.append(turn)

    def get(self, interview_id: int, count: int) -> list[StoredTurn] | None:
        if count == 0:  # the interview row counts no turns: there are none to read
            return []
        turns = self._entries.get(interview_id)
        if turns is None or len(turns) != count:
            return None
        self._entries.move_to_end(interview_id)
        return turns

    def _keep(self, interview_id: int, turns: list[StoredTurn]) -> list[StoredTurn]:
        self._entries[interview_id] = turns
        self._entries.move_to_end(interview_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return turns

    def store(self, interview_id: int, turns: list[StoredTurn]) -> None:
        self._keep(interview_id, turns)

    def forget(self, interview_id: int | None = None) -> None:
        """Drop one interview's entry, or (None) every entry."""
        if interview_id is None:
            self._entries.clear()
        else:
            self._entries.pop(interview_id, None)


async def pending_move(
    s: AsyncSession,
    interview: Interview,
    study: Study,
    who: Address,
    max_chars: int,
    transcripts: TranscriptCache | None = None,
) -> PendingMove | None:
    """The move `interview` waits for, with its context, or None if it waits for nothing."""
    progress = sm.Progress.from_json(interview.data)
    if interview.state != sm.State.INTERVIEWING.value or not progress.awaiting_move or interview.id is None:
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
    transcript = tuple(
        ContextTurn(role, text if len(text) <= max_chars else text[:max_chars] + " […]", at)
        for role, text, at in turns
    )
    answered: tuple[datetime, ...] = ()
    if sum(role == "participant" for role, _, _ in turns) < PACE_REPLIES:  # their pace so far: see the field
        answered = tuple((await s.exec(_ANSWERED_BEFORE, params={"interview_id": interview.id})).scalars())
    context = InterviewContext(
        study, transcript, topic_states(study, progress), allowed, dict(progress.screening), summary, answered
    )
    return PendingMove(interview.id, who, progress.move_token, study, context)
