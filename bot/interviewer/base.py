"""The `Interviewer` protocol and the context it reads; what it returns (`Move`) is `bot.interview.moves`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.interview.moves import Guidance, Move, TopicState
from bot.studies.study import Study


@dataclass(frozen=True)
class Turn:
    role: str  # "interviewer" | "participant"
    text: str
    at: datetime | None = None  # when it was stored; the participant's pace sets the prompt cache's TTL


@dataclass(frozen=True)
class InterviewContext:
    """Everything an interviewer may look at to choose its next move."""

    study: Study
    transcript: tuple[Turn, ...]  # interview turns only (no consent, screening or survey)
    topics: tuple[TopicState, ...]
    guidance: Guidance
    screening: dict[str, str] = field(default_factory=dict)  # screening answers by question id
    earlier_summary: str | None = None  # for follow-up waves: what the participant said last time
    # When the participant answered the consent and screening prompts, in order; filled only while the
    # transcript holds fewer than PACE_REPLIES (bot.claude.cache) answers: the pace is read from the
    # latest replies.
    answered_before: tuple[datetime, ...] = ()


class Interviewer(Protocol):
    """Chooses the next move. Raise `bot.errors.InterviewerUnavailable` when it cannot answer."""

    name: str

    async def next_move(self, context: InterviewContext) -> Move: ...
