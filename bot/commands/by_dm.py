"""A command's answer sent as a direct message, when it can no longer go where the command was answered
(Slack's response_url lasts 30 minutes and 5 uses; a Discord interaction's follow-ups 15 minutes)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.engine import Engine
from bot.engine.outbox import queue
from bot.messages import Address


async def answer_by_dm(engine: Engine, to: Address, what: str, text: str, *, about: str = "") -> None:
    """Queue `text` for `to`'s DM through the outbox (once, under a key naming `what` and the moment, or
    `about`: the platform's id of the event answered) and send it now rather than at the next tick."""
    key = f"{what}:{to.platform}:{to.user_id}:{about or f'{datetime.now(UTC):%Y%m%dT%H%M%S.%f}'}"
    async with engine.store.session() as s:
        queue(s, key[:200], to, text, purpose="notice")
    await engine.dispatcher.send_due(to)
