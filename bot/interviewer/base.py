"""The `Interviewer` protocol and the values it reads (`InterviewContext`) and returns (`Move`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.studies.study import Study


class MoveKind(StrEnum):
    ASK = "ask"  # the core question of a topic
    PROBE = "probe"  # a follow-up within the current topic
    TRANSITION = "transition"  # leave the current topic and ask another topic's core question
    CLOSE = "close"  # end the interview (the engine then sends the plan's closing text and the survey)


FLAGS = ("off_topic", "abuse", "distress")
PACE_REPLIES = 3  # how many of the participant's latest reply gaps tell their pace (the prompt cache's TTL)


@dataclass
class TopicState:
    """What has happened to one topic so far."""

    topic_id: str
    asked: bool = False
    covered: bool = False
    followups: int = 0


@dataclass(frozen=True)
class Guidance:
    """What the code allows for the next move; computed by `bot.interview.coverage`, never by the model."""

    current_topic: str | None  # topic being discussed, None before the first question
    may_probe: bool  # follow-up budget of the current topic not yet used up
    next_topic: str | None  # topic to move to when leaving the current one (must topics first)
    must_close: bool  # question or time budget used up: close now
    questions_left: int
    minutes_left: float


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
    # transcript holds fewer than PACE_REPLIES answers, since the pace is read from the latest replies.
    answered_before: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class Move:
    """The interviewer's proposal. `covered` lists topics it judges sufficiently covered so far."""

    kind: MoveKind
    text: str
    topic_id: str | None
    covered: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # any of FLAGS, about the participant's latest message
    model: str = ""
    usage: Usage = Usage()


class Interviewer(Protocol):
    """Chooses the next move. Raise `bot.errors.InterviewerUnavailable` when it cannot answer."""

    name: str

    async def next_move(self, context: InterviewContext) -> Move: ...
