"""Requests Slack did not send, or that never finish, refused by the real Bolt app in HTTP mode
(https://docs.slack.dev/authentication/verifying-requests-from-slack/); nothing of them is stored."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlmodel import select

from bot.storage.models import InboxRow
from tests.support.slack_world import ALICE, slack_world


async def test_invalid_signature_is_rejected_and_nothing_is_stored(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        body = w.slack.event_body(w.slack.message_event(ALICE, "hello"))
        assert (await w.slack.post(body, secret="not-the-secret"))[0] == 401
        stale = {"X-Slack-Request-Timestamp": str(int(time.time()) - 600)}
        assert (await w.slack.post(body, headers=stale))[0] == 401, "old timestamps are replays"
        await w.drain()
        async with w.runtime.store.session() as s:
            assert (await s.exec(select(InboxRow))).all() == []
        assert not w.fake.posted


async def test_a_body_that_trickles_in_is_cut_off_and_the_bot_keeps_answering(
    sqlite_url: str, study_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A peer that sends the headers and then holds the body back holds a connection: it is answered 408
    after BODY_SECONDS (shortened here) instead of being waited for for ever."""
    import adapters.slack.run

    monkeypatch.setattr(adapters.slack.run, "BODY_SECONDS", 0.5)
    async with slack_world(sqlite_url, study_dir) as w:
        port = w.runner.addresses[0][1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
        assert status.startswith(b"HTTP/1.1 408"), status
        body = w.slack.event_body(w.slack.message_event(ALICE, "hello"))
        assert (await w.slack.post(body))[0] == 200  # and the bot still answers Slack


async def test_headers_that_never_finish_are_cut_off(
    sqlite_url: str, study_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A peer that opens connections and sends its headers a byte now and then, never finishing them,
    is disconnected IDLE_SECONDS (shortened here) after it connected, so such peers cannot pile up
    connections until the bot runs out of file descriptors."""
    import adapters.slack.run

    monkeypatch.setattr(adapters.slack.run, "IDLE_SECONDS", 1.0)
    async with slack_world(sqlite_url, study_dir) as w:
        port = w.runner.addresses[0][1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
        closed = False
        for _ in range(40):  # a header line every quarter second, for up to ten seconds
            try:
                writer.write(b"X-Slow: 1\r\n")
                await writer.drain()
                if await asyncio.wait_for(reader.read(1), 0.25) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except ConnectionError:
                closed = True
                break
        writer.close()
        assert closed and time.monotonic() - started < 5
        body = w.slack.event_body(w.slack.message_event(ALICE, "hello"))
        assert (await w.slack.post(body))[0] == 200  # and the bot still answers Slack


async def test_a_long_rate_limit_while_reading_back_missed_messages_is_waited_out(
    sqlite_url: str, study_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alice wrote while the bot was down. Reading her DM history back, Slack answers 429 with a
    Retry-After of 20 s, longer than the client waits inside a call: the read-back waits it out
    (shortened here) and reads her message, instead of leaving it unanswered until the next start."""
    from adapters.slack.catchup import catch_up
    from bot.engine import catchup

    waits: list[float] = []

    async def short_wait(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(catchup, "wait", short_wait)
    async with slack_world(sqlite_url, study_dir) as w:
        await w.say("hi")
        before = len(w.posts())
        w.slack.message_event(ALICE, "1")  # kept in Slack's history, never delivered as an event
        w.fake.rate_limit_next("conversations.history", retry_after=20)
        assert await catch_up(w.runtime.engine, w.runtime.engine.dispatcher.senders["slack"]) == 1
        await w.drain()
        assert waits == [20] and len(w.posts()) > before
        assert [c.status for c in w.fake.calls_to("conversations.history")] == [429, 200]
