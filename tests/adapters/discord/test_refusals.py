"""Discord refusing the bot: a long rate limit while reading back missed DMs, a token rejected while
sending, and a gateway that closes the session for good (the process a user starts)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.engine import catchup
from bot.engine.outbox import queue
from bot.messages import Address
from bot.storage.models import OutboxRow, Participant
from tests.support.discord_world import Bot, Member
from tests.support.fakes.bot_process import BotProcess, service_env
from tests.support.fakes.discord_api import FakeDiscord


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


async def test_a_rejected_token_while_sending_keeps_the_message_waiting(bot: Bot, fake: FakeDiscord) -> None:
    """A 401 is about the token, not the message: the reply waits and goes out once Discord takes the
    token again, instead of being marked failed and lost."""
    who = Address("discord", "dm", "778")
    async with bot.runtime.store.session() as s:
        s.add(Participant(platform="discord", workspace="dm", user_id="778"))
        queue(s, "reply:778", who, "Your next question.", purpose="reply")
    fake.fail_next("POST", r"/channels/\d+/messages", 401, message="401: Unauthorized")
    await bot.runtime.engine.dispatcher.send_due()
    async with bot.runtime.store.session() as s:
        row = (await s.exec(select(OutboxRow))).one()
    assert row.status == "pending" and row.error is not None and "DISCORD_TOKEN was rejected" in row.error
    assert fake.bot_messages("778") == []
    async with bot.runtime.store.session() as s:  # the retry is due (its backoff passed)
        row.not_before = row.created_at
        s.add(row)
    await bot.runtime.engine.dispatcher.send_due()
    assert [m["content"] for m in fake.bot_messages("778")] == ["Your next question."]


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
