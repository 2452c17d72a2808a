"""Discord after downtime: at READY (a fresh session, also after a resume failed) Discord replays nothing
the dead session missed (https://discord.com/developers/docs/events/gateway#resuming), so every open
conversation's DM history after the newest message we stored is read and fed through the inbox."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import aiohttp
import discord

from adapters.discord.receive import PLATFORM, message_inbound
from bot.engine.catchup import OpenConversation, open_conversations
from bot.engine.engine import Engine

log = logging.getLogger(__name__)
MESSAGE_KEY = "discord:msg:"
wait = asyncio.sleep  # how a rate limit is waited out (a test shortens it)
RATE_LIMIT_TRIES = 3  # waits of a rate limit, per conversation, before leaving it to the next connect


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
        if after is not None:
            fed += await _read_back(client, engine, conversation, after)
    if fed:
        log.info("discord: %d message(s) written while the bot was away were picked up", fed)
    return fed


async def _read_back(
    client: discord.Client, engine: Engine, conversation: OpenConversation, after: int
) -> int:
    """One conversation's missed DMs. A rate limit longer than discord.py waits by itself (a 429 whose
    `retry_after` exceeds `max_ratelimit_timeout`, https://discord.com/developers/docs/topics/rate-limits)
    is waited out here and the read tried again, since the inbox drops what it already has; one person
    Discord refuses, or a network failure, must not stop the others."""
    for attempt in range(1, RATE_LIMIT_TRIES + 1):
        fed = 0
        try:
            channel = await client.create_dm(discord.Object(int(conversation.who.user_id)))
            async for message in channel.history(limit=None, after=discord.Object(after), oldest_first=True):
                inbound = message_inbound(message)
                if inbound is None:
                    continue
                # quiet since it was sent: answered at once, not after a fresh quiet window
                if await engine.receive(dataclasses.replace(inbound, received_at=message.created_at)):
                    fed += 1
            return fed
        except discord.RateLimited as exc:
            if attempt == RATE_LIMIT_TRIES:
                log.warning("discord: a DM history stayed rate limited; it is read at the next connect")
                return fed
            log.info("discord: reading DM histories is rate limited; waiting %.0f s", exc.retry_after)
            await wait(exc.retry_after)
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.warning("discord: could not read a DM history after downtime: %r", exc)
            return fed
    return 0
