"""Slack after downtime: Slack retries an event three times, the last about five minutes after the first
(https://docs.slack.dev/apis/events-api/#retries), then drops it. So at start every open conversation's
DM history after the newest message we stored is read (conversations.history, scope im:history) and fed
through the inbox, keyed like the events themselves: a message both retried and read back is one row."""

from __future__ import annotations

import functools
import logging

from adapters.slack.receive import SLACK, history_inbound
from adapters.slack.web import SlackSender
from bot.engine.catchup import OpenConversation, open_conversations, read_patiently
from bot.engine.engine import Engine

log = logging.getLogger(__name__)


def _oldest(conversation: OpenConversation) -> str | None:
    """The ts to read after: their newest stored message (keys end in `:{ts}`), else the bot's first
    message to them."""
    key = conversation.last_message_key or ""
    prefix = f"{SLACK}:{conversation.who.workspace}:D"
    if key.startswith(prefix) and key.count(":") == 3:
        return key.rsplit(":", 1)[1]
    return conversation.first_sent_id


async def catch_up(engine: Engine, sender: SlackSender) -> int:
    """Feed the DMs written while the bot was away through the inbox, oldest first, one conversation at a
    time (both methods are Tier 3, about 50 calls a minute: a short 429 is waited out inside the call, a
    long one by `read_patiently`). Returns how many messages were new."""
    fed = 0
    for conversation in await open_conversations(engine.store, SLACK):
        oldest = _oldest(conversation)
        if oldest is not None:
            fed += await read_patiently(
                SLACK, functools.partial(_read_back, engine, sender, conversation, oldest)
            )
    if fed:
        log.info("slack: %d message(s) written while the bot was away were picked up", fed)
    return fed


async def _read_back(engine: Engine, sender: SlackSender, conversation: OpenConversation, oldest: str) -> int:
    who, fed = conversation.who, 0
    channel = await sender.open_dm(who)
    for message in await sender.history_after(who.workspace, channel, oldest):
        inbound = history_inbound(who.workspace, channel, message)
        if inbound is not None and inbound.sender == who and await engine.receive(inbound):
            fed += 1
    return fed
