"""Reading back, at start, what participants wrote while the bot was down, under the limit Slack puts on
conversations.history for a commercially distributed app not approved for the Slack Marketplace: 1 call
a minute and 15 messages a page (https://api.slack.com/changelog/2025-05-terms-rate-limit-update-and-faq),
scaled down here to one call per WINDOW seconds. WINDOW is above the 10 s the Web API client waits out
inside a call, so each later page goes through the catch-up's own wait, as a minute would in production.
The bot is `interviewer run --slack --http` in its own process (`tests.support.fakes.bot_process`)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.support.fakes.bot_process import BotProcess, free_port
from tests.support.fakes.slack_api import FakeSlack, dm_channel
from tests.support.fakes.slack_service import SECRET, SlackPerson, consent_and_screen, long_plan, slack_env
from tests.support.slack_signing import SlackPoster

WINDOW = 11.0
MISSED = 16  # one more than a page


@asynccontextmanager
async def service(tmp_path: Path) -> AsyncIterator[tuple[FakeSlack, BotProcess, SlackPoster, int]]:
    async with FakeSlack() as fake:
        fake.limit_like_non_marketplace(window=WINDOW)
        port = free_port()
        env = slack_env(tmp_path, fake, {"plan": long_plan()})
        bot = BotProcess(tmp_path, env, "--slack", "--http", "--host", "127.0.0.1", "--port", str(port))
        async with SlackPoster(f"http://127.0.0.1:{port}/slack/events", SECRET, fake=fake) as poster:
            await bot.start()
            await bot.wait_http(port)
            try:
                yield fake, bot, poster, port
            finally:
                await bot.stop()


def said(tmp_path: Path, user: str) -> list[str]:
    """The lines `user` said in their interviews, as the bot stored them (one turn may hold several)."""
    with sqlite3.connect(f"file:{tmp_path / 'bot.db'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT t.text FROM turns t JOIN interviews i ON i.id = t.interview_id "
            "JOIN participants p ON p.id = i.participant_id "
            "WHERE t.role = 'participant' AND p.user_id = ? ORDER BY t.interview_id, t.seq",
            (user,),
        ).fetchall()
    return [line for (text,) in rows for line in text.splitlines()]


def history_calls(fake: FakeSlack, user: str) -> list[tuple[int, bool]]:
    """(HTTP status, whether it asked for a later page) of each conversations.history call on a DM."""
    calls = fake.calls_to("conversations.history")
    return [
        (c.status, bool(c.args.get("cursor"))) for c in calls if c.args.get("channel") == dm_channel(user)
    ]


@pytest.mark.long
async def test_messages_written_while_the_bot_was_down_are_all_answered_once_under_the_tier_1_limit(
    tmp_path: Path,
) -> None:
    """Alice writes 16 lines (two pages) and Bob 3 while the bot is down. After the restart each later
    page meets a 429 whose Retry-After is waited out, and reading goes on from the page it reached
    instead of starting over: every line is answered, once, in order, and Bob's too."""
    async with service(tmp_path) as (fake, bot, poster, port):
        alice, bob = SlackPerson(fake, poster, "UALICE"), SlackPerson(fake, poster, "UBOB")
        for person in (alice, bob):
            await consent_and_screen(person)
        await bot.stop()
        before = {p.user: len(p.posts) for p in (alice, bob)}
        lines = {"UALICE": [f"missed line {n}" for n in range(MISSED)], "UBOB": ["bob 1", "bob 2", "bob 3"]}
        for user, texts in lines.items():
            for text in texts:
                fake.user_message(user, text)
        await bot.start()
        await bot.wait_http(port)
        await fake.wait_until(
            lambda: all(len(p.posts) > before[p.user] for p in (alice, bob)), 3 * WINDOW + 20
        )
        await asyncio.sleep(2)  # a second answer would come within this
        for person in (alice, bob):
            assert len(person.posts) == before[person.user] + 1, person.posts[before[person.user] :]
            assert person.last["text"].endswith("?"), person.last["text"]
            assert said(tmp_path, person.user)[-len(lines[person.user]) :] == lines[person.user]
        ok = [cursor for status, cursor in history_calls(fake, "UALICE") if status == 200]
        assert ok == [False, True], history_calls(fake, "UALICE")  # page 1, then page 2: no restart
        assert 429 in [status for status, _ in history_calls(fake, "UALICE") + history_calls(fake, "UBOB")]
        assert "stayed rate limited" not in bot.log


@pytest.mark.long
async def test_a_live_message_while_history_is_unread_does_not_make_the_next_start_skip_it(
    tmp_path: Path,
) -> None:
    """The bot restarts after Alice wrote 16 lines; it has read the first page and waits out the 429 of
    the second when Alice writes again, live, and the bot is stopped before it read on. Her live message
    is stored, not answered out of order; the next start reads from where the unfinished catch-up
    started: none of the 16 lines is skipped or taken twice, and the live one is answered after them."""
    async with service(tmp_path) as (fake, bot, poster, port):
        alice = SlackPerson(fake, poster, "UALICE")
        await consent_and_screen(alice)
        await bot.stop()
        missed = [f"missed line {n}" for n in range(MISSED)]
        for text in missed:
            fake.user_message("UALICE", text)
        await bot.start()
        await bot.wait_http(port)
        await fake.wait_for("conversations.history", 1, 20)  # page 1 read; page 2 waits for the window
        before = len(alice.posts)
        await alice.say("are you still there?", expect_reply=False)
        await asyncio.sleep(2)
        assert len(alice.posts) == before, "not answered before the history it follows"
        assert [status for status, _ in history_calls(fake, "UALICE")][-1] == 429
        stopping = asyncio.get_running_loop().time()
        assert await bot.stop() == 130  # Ctrl-C; at once, though the catch-up waits out a rate limit
        assert asyncio.get_running_loop().time() - stopping < WINDOW / 2
        assert not any(line in said(tmp_path, "UALICE") for line in missed)
        await bot.start()
        await bot.wait_http(port)
        await fake.wait_until(lambda: len(alice.posts) > before, 3 * WINDOW + 20)
        await asyncio.sleep(2)
        assert said(tmp_path, "UALICE")[-MISSED - 1 :] == [*missed, "are you still there?"]
        assert len(alice.posts) == before + 1


@pytest.mark.long
async def test_a_live_message_during_the_read_back_is_answered_after_the_history_and_read_first(
    tmp_path: Path,
) -> None:
    """Alice (16 lines), Bob and Carol (3 each) wrote while the bot was down; histories are read in the
    order the three first wrote. While Alice's second page waits out its minute, Carol writes live:
    she is not answered at once, her history is read before Bob's, and her one answer follows all four
    of her lines in the order she wrote them."""
    async with service(tmp_path) as (fake, bot, poster, port):
        people = [SlackPerson(fake, poster, user) for user in ("UALICE", "UBOB", "UCAROL")]
        for person in people:
            await consent_and_screen(person)
        alice, bob, carol = people
        await bot.stop()
        lines = {"UALICE": MISSED, "UBOB": 3, "UCAROL": 3}
        for user, count in lines.items():
            for n in range(count):
                fake.user_message(user, f"{user} missed {n}")
        before = {p.user: len(p.posts) for p in people}
        await bot.start()
        await bot.wait_http(port)
        await fake.wait_for("conversations.history", 1, 20)
        await carol.say("sorry, I'm back", expect_reply=False)
        await asyncio.sleep(2)
        assert len(carol.posts) == before["UCAROL"], "held until her history is read"
        await fake.wait_until(lambda: all(len(p.posts) > before[p.user] for p in people), 5 * WINDOW + 20)
        await asyncio.sleep(2)
        read = [c.args.get("channel") for c in fake.calls_to("conversations.history") if c.status == 200]
        assert read == [dm_channel(u) for u in ("UALICE", "UALICE", "UCAROL", "UBOB")]
        for person in people:
            assert len(person.posts) == before[person.user] + 1, person.posts[before[person.user] :]
        assert said(tmp_path, "UCAROL")[-4:] == [*(f"UCAROL missed {n}" for n in range(3)), "sorry, I'm back"]
        assert said(tmp_path, "UALICE")[-MISSED:] == [f"UALICE missed {n}" for n in range(MISSED)]
