"""Discord after downtime: at READY (a fresh session, also after a resume failed) Discord replays nothing
the dead session missed (https://discord.com/developers/docs/events/gateway#resuming), so every open
conversation's DM history after the newest message we stored is read and fed through the inbox."""

from __future__ import annotations

import dataclasses
import logging

import discord

from adapters.discord.receive import PLATFORM, message_inbound
from bot.engine.catchup import OpenConversation, open_conversations
from bot.engine.engine import Engine

log = logging.getLogger(__name__)
MESSAGE_KEY = "discord:msg:"


def _after(conversation: OpenConversation) -> int | None:
    """The snowflake to read after: their newest stored message, else the first one the bot sent them."""
    key = conversation.last_message_key
    if key and key.startswith(MESSAGE_KEY) and key[len(MESSAGE_KEY) :].isdigit():
        return int(key[len(MESSAGE_KEY) :])
    sent = conversation.first_sent_id
    return int(sent) if sent and sent.isdigit() else None


async def catch_up(client: discord.Client, engine: Engine) -> int:
    """Feed the DMs written while the bot was away through the inbox, oldest first; returns how many
    were new. Requests go one at a time, and discord.py waits out each route's rate limit."""
    fed = 0
    for conversation in await open_conversations(engine.store, PLATFORM):
        after = _after(conversation)
        if after is None:
            continue
        try:
            channel = await client.create_dm(discord.Object(int(conversation.who.user_id)))
            async for message in channel.history(limit=None, after=discord.Object(after), oldest_first=True):
                inbound = message_inbound(message)
                if inbound is None:
                    continue
                # quiet since it was sent: answered at once, not after a fresh quiet window
                if await engine.receive(dataclasses.replace(inbound, received_at=message.created_at)):
                    fed += 1
        except discord.HTTPException as exc:  # one unreachable person must not stop the others
            log.warning("discord: could not read a DM history after downtime: %s", exc)
    if fed:
        log.info("discord: %d message(s) written while the bot was away were picked up", fed)
    return fed
