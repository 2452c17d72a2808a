"""The interview state machine's vocabulary: states, the events fed in, the effects carried out, and
the progress stored on each interview. The transitions are `bot.interview.transitions`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.interview import command_words
from bot.messages import Choice


class State(StrEnum):
    INVITED = "invited"  # invited, has not replied yet
    AWAITING_CONSENT = "awaiting_consent"  # intro and consent shown, waiting for yes/no (then release)
    SCREENING = "screening"  # answering the structured questions before the interview
    INTERVIEWING = "interviewing"  # the adaptive interview proper
    PAUSED = "paused"  # the participant paused; any message resumes where they were
    SURVEYING = "surveying"  # the short survey after the interview
    COMPLETED = "completed"  # terminal: survey done
    DECLINED = "declined"  # terminal: said no to consent
    STOPPED = "stopped"  # terminal: stopped by the participant (or ended after repeated abuse)
    WITHDRAWN = "withdrawn"  # terminal: data deleted; the interview row is a tombstone
    EXPIRED = "expired"  # terminal: no answer after the last reminder


TERMINAL = frozenset({State.COMPLETED, State.DECLINED, State.STOPPED, State.WITHDRAWN, State.EXPIRED})
ACTIVE = frozenset(
    {State.INVITED, State.AWAITING_CONSENT, State.SCREENING, State.INTERVIEWING, State.SURVEYING}
)
COMMANDS = frozenset(
    {"help", "pause", "resume", "stop", "withdraw", "start", "optout", "optin", "snooze", "mydata"}
)
DEFAULT_SNOOZE = "1d"
YES = frozenset({"yes", "y", "ok", "okay", "sure", "i agree", "agree", "yes, i agree", "1"})
NO = frozenset({"no", "n", "no thanks", "no, thanks", "decline", "2"})


def parse_command(text: str, languages: frozenset[str] = frozenset({"en"})) -> str | None:
    """A whole message that is a command, as people write it (see `bot.interview.command_words` for the rule)."""
    return command_words.parse_command(text, languages)


# ---- events ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Begin:
    """The participant reached out (DM or invitation click) and this interview is new."""

    attachments: int = 0  # files sent with the first message: not read, and the participant is told so


@dataclass(frozen=True)
class Message:
    text: str
    attachments: int = 0
    cut_from: int = 0  # the length of a message that was cut to MAX_MESSAGE_CHARS (0: not cut)


@dataclass(frozen=True)
class Click:
    prompt: str
    value: str


@dataclass(frozen=True)
class Command:
    name: str
    said: str = ""  # the words the command was recognised in ("cancel" for `stop`), when typed


@dataclass(frozen=True)
class Expire:
    """The scheduler gave up waiting for the participant."""


Event = Begin | Message | Click | Command | Expire


# ---- effects ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    text: str
    choices: tuple[Choice, ...] = ()
    prompt: str | None = None


@dataclass(frozen=True)
class RecordTurn:
    """Append the participant's message to the interview transcript."""

    text: str


@dataclass(frozen=True)
class RecordAnswer:
    section: str  # screening | survey
    item_id: str
    value: str


@dataclass(frozen=True)
class RecordConsent:
    kind: str  # participation | release
    granted: bool


@dataclass(frozen=True)
class MarkAnswered:
    """Show the chosen answer on the message that carried `prompt`, and disable its buttons."""

    prompt: str
    label: str


@dataclass(frozen=True)
class AskInterviewer:
    """The engine must ask the interviewer for the next move (then call `after_move`)."""


@dataclass(frozen=True)
class RepeatQuestion:
    """Send the last interviewer question again (after a resume)."""


@dataclass(frozen=True)
class DeleteData:
    """Hard-delete the participant's turns, answers and consent details for this interview."""


@dataclass(frozen=True)
class Snooze:
    """No reminders for this interview during `duration` (a study duration such as '2d')."""

    duration: str


@dataclass(frozen=True)
class SetOptOut:
    """The participant opted out of (True) or back into (False) invitations from this bot."""

    value: bool


@dataclass(frozen=True)
class StartOver:
    """Begin a fresh interview of the same study (after a terminal state and `start`)."""


@dataclass(frozen=True)
class SendOwnData:
    """Send the participant a copy of their own transcript and answers (`mydata`)."""


@dataclass(frozen=True)
class CloseInvitation:
    """Close this interview's invitation: no more reminders, and queued ones are cancelled."""


@dataclass(frozen=True)
class ReopenInvitation:
    """Reopen this interview's invitation: someone who said "Not now" is taking part after all."""


Effect = (
    Say
    | RecordTurn
    | RecordAnswer
    | RecordConsent
    | MarkAnswered
    | AskInterviewer
    | RepeatQuestion
    | DeleteData
    | StartOver
    | Snooze
    | SetOptOut
    | SendOwnData
    | CloseInvitation
    | ReopenInvitation
)


# ---- progress --------------------------------------------------------------------------------------


@dataclass
class Progress:
    """Where an interview is, stored as JSON on the interview row."""

    consent_step: str = "participation"  # participation | release
    screening_index: int = 0
    survey_index: int = 0
    paused_from: str | None = None
    confirming_withdraw: bool = False
    topics: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {asked, covered, followups}
    current_topic: str | None = None
    questions_asked: int = 0
    flagged_turns: int = 0
    awaiting_move: bool = False  # a participant turn is stored and the interviewer has not answered yet
    move_token: int = 0  # bumps with every awaited move so a stale answer is discarded
    retry_at: str | None = None  # ISO time: when to ask the interviewer again after an outage
    notified_wait: int = -1  # move_token for which "give me a moment" was already sent
    out_seq: int = 0  # counter for outbound idempotency keys
    turn_seq: int = 0  # sequence number of the last stored turn
    screening: dict[str, str] = field(default_factory=dict)  # answers by question id, for the interviewer
    wave: str | None = None  # the follow-up wave this interview belongs to (None: the main interview)
    not_now: bool = False  # declined with "Not now": a later "Take part" or `start` reopens this interview
    declined_turns: list[int] = field(default_factory=list)  # seqs of turns Claude refused: kept, not re-sent

    def to_json(self) -> dict[str, Any]:
        return _nested_copies(dict(self.__dict__))

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Progress:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**_nested_copies(known))

    def copy(self) -> Progress:
        """An independent copy (the only nested values are `topics`, `screening` and `declined_turns`),
        cheaper than deepcopy."""
        return Progress(**_nested_copies(dict(self.__dict__)))


def _nested_copies(fields: dict[str, Any]) -> dict[str, Any]:
    if "topics" in fields:
        fields["topics"] = {k: dict(v) for k, v in fields["topics"].items()}
    if "screening" in fields:
        fields["screening"] = dict(fields["screening"])
    if "declined_turns" in fields:
        fields["declined_turns"] = list(fields["declined_turns"])
    return fields


@dataclass
class Step:
    state: State
    progress: Progress
    effects: list[Effect]


def reopens(state: State, p: Progress) -> bool:
    """True for an invitation declined with "Not now": taking part later continues this same interview
    (and its invitation), so the funnel counts one person once."""
    return state is State.DECLINED and p.not_now
