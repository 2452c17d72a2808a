"""Retraction: after a withdrawal, the bot's own messages in the participant's DM are deleted from the
platform. `bot.records.erasure.retract_sent` queues one outbox row (purpose `retraction`) per message
sent; the dispatcher claims, retries and records those rows like any other, and `transmit` deletes
instead of posting. So a deletion survives restarts, waits out rate limits in the background, and never
holds up a participant's reply (retractions are not part of the conversation's order).
"""

from __future__ import annotations

from bot.engine.outbox import Sendable, to_outbound
from bot.errors import Permanent, Unreachable
from bot.messages import RETRACTION, Address, Sender


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
