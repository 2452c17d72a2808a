"""Outbound messages, exactly once: rows are claimed (status 'sending' with a lease), sent, then recorded.

A worker claims the rows it creates in the same transaction, so only it sends them. Rows left pending
(rate limits, no adapter in this process) are claimed later by `send_due` with a conditional update:
of two workers, one wins. The lease is short and renewed while the rows are being sent, so a claim that
stops being renewed was interrupted (the process died mid-send) and is taken over within seconds, not
after a long lease. Interrupted replies are sent again, marked as such so the adapter can make the resend
a no-op if the first attempt got through (Discord's nonce; Slack: the DM's history); invitations and
reminders are not (a missed one beats a double).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import Address, Choice, Outbound, utcnow
from bot.storage import core_connection
from bot.storage.models import OutboxRow, table_of

LEASE = timedelta(seconds=6)
RESENDABLE = ("reply", "notice")
_OUTBOX = table_of(OutboxRow)
_QUEUED_COLUMNS = (
    "key",
    "platform",
    "workspace",
    "user_id",
    "text",
    "choices",
    "prompt",
    "interview_id",
    "purpose",
    "status",
    "attempts",
)
_INSERT_OUTBOX = insert(_OUTBOX).returning(_OUTBOX.c.id)


def _fields(
    key: str,
    to: Address,
    text: str,
    choices: tuple[Choice, ...],
    prompt: str | None,
    interview_id: int | None,
    purpose: str,
) -> dict[str, Any]:
    """An outbound message's own columns (the rest are delivery state)."""
    return {
        "key": key,
        "platform": to.platform,
        "workspace": to.workspace,
        "user_id": to.user_id,
        "text": text,
        "choices": [[c.label, c.value] for c in choices],
        "prompt": prompt,
        "interview_id": interview_id,
        "purpose": purpose,
    }


def queue(
    session: AsyncSession,
    key: str,
    to: Address,
    text: str,
    *,
    choices: tuple[Choice, ...] = (),
    prompt: str | None = None,
    interview_id: int | None = None,
    purpose: str = "reply",
    not_before: datetime | None = None,
) -> OutboxRow:
    """Add an outbound message to the current transaction, for a dispatcher to claim and send."""
    row = OutboxRow(**_fields(key, to, text, choices, prompt, interview_id, purpose))
    if not_before is not None:
        row.not_before = not_before
    session.add(row)
    return row


@dataclass(slots=True)
class Queued:
    """An outbox row inserted on the hot path, as its sender needs it (a plain object, not an ORM one)."""

    id: int
    key: str
    platform: str
    workspace: str
    user_id: str
    text: str
    choices: list[list[str]]
    prompt: str | None
    interview_id: int | None
    purpose: str
    status: str
    attempts: int
    platform_message_id: str | None = None


Sendable = OutboxRow | Queued


async def queue_claimed(
    db: AsyncSession | AsyncConnection,
    key: str,
    to: Address,
    text: str,
    *,
    claim_until: datetime | None,
    choices: tuple[Choice, ...] = (),
    prompt: str | None = None,
    interview_id: int | None = None,
    purpose: str = "reply",
) -> Queued:
    """Insert an outbound message now (one Core INSERT … RETURNING on the session's transaction, no ORM
    object or flush), claimed by the caller until `claim_until`, who sends it after commit. With
    `claim_until` None (no adapter for the platform in this process) it is left pending for a worker."""
    now = utcnow()
    claimed = claim_until is not None
    row = Queued(
        id=0,
        **_fields(key, to, text, choices, prompt, interview_id, purpose),
        status="sending" if claimed else "pending",
        attempts=1 if claimed else 0,
    )
    values = {name: getattr(row, name) for name in _QUEUED_COLUMNS}
    values.update(lease_until=claim_until, not_before=now, created_at=now)
    connection = await core_connection(db)
    row.id = (await connection.execute(_INSERT_OUTBOX, values)).scalar_one()
    return row


def to_outbound(row: Sendable, *, resend: bool = False) -> Outbound:
    return Outbound(
        key=row.key,
        to=Address(row.platform, row.workspace, row.user_id),
        text=row.text,
        choices=tuple(Choice(label, value) for label, value in row.choices),
        prompt=row.prompt,
        interview_id=row.interview_id,
        outbox_id=row.id,
        purpose=row.purpose,
        resend=resend,
    )
