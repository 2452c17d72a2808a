"""Discord refusing the bot: a long rate limit while reading back missed DMs, a token rejected while
sending, and a gateway that closes the session for good (the process a user starts)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import discord
import pytest

from adapters.discord.send import DiscordSender
from bot.engine import catchup
from bot.errors import Permanent, Transient
from tests.support.discord_world import Bot, Member
from tests.support.fakes.bot_process import BotProcess, service_env
from tests.support.fakes.discord_api import FakeDiscord
from tests.support.fakes.discord_rules import INVALID_WEBHOOK_TOKEN


async def test_a_long_rate_limit_during_catch_up_is_waited_out_and_nobody_is_left_unanswered(
    bot: Bot, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two members write while the bot is down. After the restart Discord answers the first Create DM
    with a 429 of 45 s, longer than discord.py waits by itself: the bot waits it out (shortened here) and
    reads both histories, instead of abandoning the catch-up."""
    waits: list[float] = []

    async def short_wait(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    monkeypatch.setattr(catchup, "wait", short_wait)
    a, b = Member(bot, "901"), Member(bot, "902")
    for m in (a, b):
        await m.say("hi")
        await m.click("Yes, I agree")
    await bot.stop()
    before = {m.id: len(m.inbox) for m in (a, b)}
    for m in (a, b):
        fake.say_offline(m.id, "No, keep it private")
    fake.fail_next("POST", r"/users/@me/channels", 429, retry_after=45.0)
    await bot.start()
    await fake.wait_until(lambda: all(len(m.inbox) > before[m.id] for m in (a, b)), 10, "both answered")
    await bot.runtime.engine.drain()
    assert waits == [45.0]
    for m in (a, b):
        assert "What is your role?" in m.inbox[before[m.id]]["content"]
        assert len(m.inbox) == before[m.id] + 1


class _Response:
    """What discord.HTTPException reads of an aiohttp response."""

    def __init__(self, status: int):
        self.status, self.reason = status, "Unauthorized"


def test_only_a_refusal_of_the_bot_token_itself_stops_the_bot() -> None:
    """401 with code 0 is the bot token refused (https://discord.com/developers/docs/reference
    #authentication): the message waits (Transient) and the client is told to stop
    (`tests/e2e/test_discord_tokens.py` checks the process). An interaction's bad or expired token is
    401 code 50027 and says nothing of the bot's token."""
    refused: list[bool] = []
    sender = DiscordSender(Mock(spec=discord.Client), on_token_refused=lambda: refused.append(True))
    bot_token = discord.HTTPException(_Response(401), {"message": "401: Unauthorized", "code": 0})
    webhook_token = discord.HTTPException(_Response(401), INVALID_WEBHOOK_TOKEN)
    assert isinstance(sender._translate(webhook_token), Permanent) and refused == []
    error = sender._translate(bot_token)
    assert isinstance(error, Transient) and "DISCORD_TOKEN was rejected" in str(error)
    assert refused == [True] and sender.invalid_requests == 2


class ClosingGateway(FakeDiscord):
    """A gateway that answers IDENTIFY by closing the connection with one close code."""

    def __init__(self, code: int):
        super().__init__()
        self.code = code

    async def _identify(self, conn: Any, data: Any) -> None:
        self.identifies.append(data)
        await conn.ws.close(code=self.code, message=b"closed by the test")


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (4004, "Discord rejected DISCORD_TOKEN (gateway close code 4004, authentication failed); reset it"),
        (4014, "Discord refused a privileged intent this bot asked for (close code 4014)"),
        (4013, "Discord closed the connection: invalid intents (close code 4013)"),
    ],
)
async def test_a_session_closed_for_good_stops_the_bot_with_one_line(
    tmp_path: Path, code: int, said: str
) -> None:
    """Gateway close codes that cannot be reconnected after
    (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes)
    end `interviewer run --discord` with what to do, not "this is a bug"."""
    async with ClosingGateway(code) as fake:
        env = {
            **service_env(tmp_path),
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE": fake.base_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
        }
        bot = BotProcess(tmp_path, env, "--discord")
        await bot.start()
        assert await asyncio.wait_for(bot.wait_exit(), 40) == 2
    assert f"error: {said}" in bot.log
    assert "bug" not in bot.log and "Traceback" not in bot.log
    assert "voice" not in bot.log  # discord.py's warning about voice libraries a text bot does not need
