"""Discord after downtime: at READY (a fresh session, also after a resume failed) Discord replays nothing
the dead session missed (https://discord.com/developers/docs/events/gateway#resuming), so every open
conversation's DM history after the newest message we stored is read and fed through the inbox."""

from __future__ import annotations

import dataclasses
import functools
import logging

import discord

from adapters.discord.receive import PLATFORM, message_inbound
from adapters.discord.send import delivery_error
from bot.engine.catchup import OpenConversation, open_conversations, read_patiently
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
    were new. Requests go one at a time; discord.py waits out each route's rate limit up to its
    `max_ratelimit_timeout`, and `read_patiently` a longer one
    (https://discord.com/developers/docs/topics/rate-limits)."""
    fed = 0
    for conversation in await open_conversations(engine.store, PLATFORM):
        after = _after(conversation)
        if after is not None:
            fed += await read_patiently(
                PLATFORM, functools.partial(_read_back, client, engine, conversation, after)
            )
    if fed:
        log.info("discord: %d message(s) written while the bot was away were picked up", fed)
    return fed


async def _read_back(
    client: discord.Client, engine: Engine, conversation: OpenConversation, after: int
) -> int:
    fed = 0
    try:
        channel = await client.create_dm(discord.Object(int(conversation.who.user_id)))
        async for message in channel.history(limit=None, after=discord.Object(after), oldest_first=True):
            inbound = message_inbound(message)
            # stored as read, answered once the history is in: one turn, however slow the pages
            if inbound is not None and await engine.receive(
                dataclasses.replace(inbound, received_at=message.created_at), schedule=False
            ):
                fed += 1
    except Exception as exc:  # Discord's or the network's failure, as the engine's delivery errors
        error = delivery_error(exc)
        if error is None:
            raise
        raise error from exc
    finally:  # quiet since it was sent: answered at once (with any stored earlier), not after a wait
        engine.kick(conversation.who)
    return fed
