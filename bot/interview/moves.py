"""What an interviewer proposes (`Move`) and what the code allows it (`Guidance`): the vocabulary that
`bot.interview.coverage` decides with, whichever interviewer (`bot.interviewer`) made the proposal."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MoveKind(StrEnum):
    ASK = "ask"  # the core question of a topic
    PROBE = "probe"  # a follow-up within the current topic
    TRANSITION = "transition"  # leave the current topic and ask another topic's core question
    CLOSE = "close"  # end the interview (the engine then sends the plan's closing text and the survey)


FLAGS = ("off_topic", "abuse", "distress")


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
