"""The values that cross the adapter boundary: `Inbound` from a platform, `Outbound` to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

BULK_PURPOSES = frozenset({"invitation", "reminder"})  # sent in bulk: adapters pace them, and never resend
ANSWERED = "You answered"  # shown with an answer in place of its buttons; the study's language gives its own
# An outbox row that deletes an earlier message of the bot from the platform (withdrawal), not a message
RETRACTION = "retraction"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Address:
    """Who a message is from or for: one person on one platform workspace (or the console)."""

    platform: str  # "console" | "slack" | "discord"
    workspace: str  # Slack team id, Discord "dm" or guild id, "local" for the console
    user_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.user_id}"


@dataclass(frozen=True)
class Choice:
    """One button: what the person sees and the value that comes back when they click."""

    label: str
    value: str


@dataclass(frozen=True)
class Inbound:
    """A message or a button click from a participant, already translated from the platform's shape.

    `dedupe_key` is the platform's own id of the event (Slack event_id/client_msg_id, Discord message or
    interaction id); delivering the same key twice is a no-op.
    """

    sender: Address
    dedupe_key: str
    text: str = ""
    prompt: str | None = None  # for clicks: the prompt id the clicked button belonged to
    choice: str | None = None  # for clicks: the clicked Choice.value
    interview_id: int | None = None  # for clicks: the interview the button was sent in
    attachments: int = 0  # number of files sent with the message (we only read text)
    study_id: str | None = None  # set when the person came from an invitation for a study
    display_name: str | None = None
    received_at: datetime = field(default_factory=utcnow)

    @property
    def is_click(self) -> bool:
        return self.choice is not None


@dataclass(frozen=True)
class Outbound:
    """A message for a participant. `key` is its idempotency key: the same key is never sent twice."""

    key: str
    to: Address
    text: str
    choices: tuple[Choice, ...] = ()
    prompt: str | None = None  # prompt id that clicks on `choices` report back
    interview_id: int | None = None
    outbox_id: int | None = None
    purpose: str = "reply"  # reply | notice | invitation | reminder
    resend: bool = False  # sent again after an interrupted attempt, which may have reached the platform

    @property
    def bulk(self) -> bool:
        """An invitation or a reminder: one of many sent at once, which adapters pace to the platform's
        limits; a reply or notice is never held back."""
        return self.purpose in BULK_PURPOSES


class Sender(Protocol):
    """What an adapter implements so the engine can reach people. Raise `bot.errors.DeliveryError`s."""

    async def send(self, message: Outbound) -> str | None:
        """Deliver `message`; return the platform's id of the posted message, or None where the medium
        keeps no message the bot could later edit or delete (a terminal)."""
        ...

    async def mark_answered(
        self, message_id: str, message: Outbound, answer_label: str, note: str = ANSWERED
    ) -> None:
        """Show on an already-posted choice message which answer was given, and disable its buttons."""
        ...

    async def delete(self, to: Address, message_id: str) -> None:
        """Delete a message the bot posted in `to`'s DM. A message already gone counts as deleted;
        a refusal raises `RateLimited`, `Transient` or `Permanent` (never `Unreachable`)."""
        ...


@runtime_checkable
class FileDelivery(Protocol):
    """What an adapter's sender offers to hand a file to a person (Slack DM upload, Discord DM
    attachment); `bot.commands.export` checks for it before building an export."""

    async def upload_file(
        self,
        who: Address,
        filename: str,
        content: bytes | str,
        *,
        title: str | None = None,
        comment: str | None = None,
    ) -> str:
        """Send the file to `who`'s direct messages; return the platform's id of the message."""
        ...
