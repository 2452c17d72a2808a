"""Retraction: after a withdrawal, the bot's own messages in the participant's DM are deleted from the
platform. `bot.records.erasure.retract_sent` queues one outbox row (purpose `retraction`) per message
sent; the dispatcher claims, retries and records those rows like any other, and `transmit` deletes
instead of posting. So a deletion survives restarts, waits out rate limits in the background, and never
holds up a participant's reply (retractions are not part of the conversation's order).

A deletion the platform refuses for good (or that could not reach it for a day) is marked `failed`,
keeping the message's id: `refused` lists those for `interviewer db problems`, and `try_again` puts
one back once the cause is mended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bot.engine.outbox import Sendable, to_outbound
from bot.errors import Permanent, Unreachable
from bot.messages import RETRACTION, Address, Sender, utcnow
from bot.storage import Store
from bot.storage.models import OutboxRow, table_of

_OUTBOX = table_of(OutboxRow)
REFUSED = sa.and_(_OUTBOX.c.purpose == RETRACTION, _OUTBOX.c.status == "failed")


@dataclass(frozen=True)
class RefusedDeletion:
    """A message of the bot's still in a participant's DM after their withdrawal, because the platform
    refused to delete it: what `interviewer db problems` shows (no text: the row holds none)."""

    id: int
    who: str  # platform:workspace:user, whose DM holds the message
    message_id: str | None  # the platform's id of the message (Slack: the ts of each piece)
    at: datetime | None  # when the withdrawal queued the deletion
    error: str

    def line(self) -> str:
        when = f"{self.at:%Y-%m-%d %H:%M} UTC" if self.at else "?"
        return f"out:{self.id} {when} in the DM of {self.who}: message {self.message_id or '?'} {self.error}"


async def refused(store: Store, limit: int = 1000) -> list[RefusedDeletion]:
    """The deletions the platform refused, oldest first."""
    async with store.connection() as c:
        found = await c.execute(sa.select(_OUTBOX).where(REFUSED).order_by(_OUTBOX.c.id).limit(limit))
        return [
            RefusedDeletion(
                r.id,
                f"{r.platform}:{r.workspace}:{r.user_id}",
                r.platform_message_id,
                r.created_at,
                r.error or "",
            )
            for r in found.all()
        ]


async def transmit(sender: Sender, row: Sendable, *, resend: bool = False) -> str | None:
    """Carry out a claimed outbox row: post its message and return the platform's id of it, or, for a
    retraction, delete the message it names and return None (the id is no longer needed once done)."""
    if row.purpose != RETRACTION:
        return await sender.send(to_outbound(row, resend=resend))
    if row.platform_message_id:
        try:
            await sender.delete(Address(row.platform, row.workspace, row.user_id), row.platform_message_id)
        except Unreachable as exc:  # the DM cannot be opened: nothing to delete, and nobody to mark
            raise Permanent(f"cannot delete: {exc}") from exc
    return None


async def try_again(store: Store, ids: Sequence[int]) -> int:
    """Queue refused deletions to be tried again now; returns how many of `ids` were refused ones."""
    if not ids:
        return 0
    async with store.connection() as c:
        back = await c.execute(
            sa.update(_OUTBOX)
            .where(_OUTBOX.c.id.in_(list(ids)), REFUSED)
            .values(status="pending", attempts=0, lease_until=None, not_before=utcnow())
        )
    return int(back.rowcount or 0)
