"""Hostile input, table-driven, through every way a message comes in: the engine, the terminal, Slack's and
Discord's translation. For each case: no exception and no error logged, the message is stored and
processed (not lost, not set aside), the participant gets an answer, and their next message is answered
too (no stall). The CLI's share of the table is in tests/cli/test_hostile.py."""

from __future__ import annotations

import json
import logging
import os
import threading
import zlib
from collections.abc import AsyncIterator, Callable

import discord
import pytest
import pytest_asyncio
from sqlmodel import col, select

from adapters.console import ConsoleSession, TerminalInput
from adapters.discord import receive as discord_adapter
from adapters.slack import receive as slack_adapter
from bot.interview.command_words import parse_command
from bot.messages import ANSWERED, Address, Inbound, Outbound
from bot.runtime import Runtime
from bot.storage.models import InboxRow, OutboxRow
from tests.support.fakes.discord_api import FakeDiscord
from tests.support.helpers import settings_for, small_study, start_runtime, write_study
from tests.support.hostile_corpus import BYTES, SLACK_BODIES, TEXTS
from tests.support.slack_signing import SlackPoster

pytestmark = pytest.mark.asyncio(loop_scope="module")
STUDY = "pilot-study"
FOLLOW_UP = "I mostly use it to draft reports and then rewrite them."


class Recording:
    """A platform that accepts every message (the adapters' senders are tested on their own)."""

    def __init__(self) -> None:
        self.sent: list[Outbound] = []

    async def send(self, message: Outbound) -> str:
        self.sent.append(message)
        return f"m{len(self.sent)}"

    async def mark_answered(
        self, message_id: str, message: Outbound, answer_label: str, note: str = ANSWERED
    ) -> None:
        pass


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def runtime(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Runtime]:
    root = tmp_path_factory.mktemp("hostile")
    studies = root / "studies"
    studies.mkdir()
    consent = {"text": "A short research interview. You may skip any question."}
    write_study(studies, screening=[], consent=consent)
    assert small_study()["id"] == STUDY
    settings = settings_for(f"sqlite+aiosqlite:///{root / 'hostile.db'}", studies, max_message_chars=4000)
    async with start_runtime(settings) as started:
        for platform in ("slack", "discord"):
            started.engine.register_sender(platform, Recording())
        yield started


async def _rows(runtime: Runtime, who: Address) -> tuple[list[InboxRow], list[OutboxRow]]:
    async with runtime.store.session() as s:
        inbox = (
            await s.exec(
                select(InboxRow).where(InboxRow.participant_key == who.key).order_by(col(InboxRow.id))
            )
        ).all()
        outbox = (
            await s.exec(
                select(OutboxRow)
                .where(OutboxRow.platform == who.platform, OutboxRow.user_id == who.user_id)
                .order_by(col(OutboxRow.id))
            )
        ).all()
    return list(inbox), list(outbox)


async def _deliver(runtime: Runtime, inbound: Inbound) -> None:
    await runtime.engine.receive(inbound, schedule=False)
    await runtime.engine.process(inbound.sender)
    await runtime.engine.drain()


async def _to_first_question(runtime: Runtime, who: Address, case: str) -> None:
    await _deliver(runtime, Inbound(who, f"{case}:start", prompt="start", choice=STUDY, study_id=STUDY))
    _, outbox = await _rows(runtime, who)
    await _deliver(
        runtime,
        Inbound(who, f"{case}:consent", prompt="consent", choice="yes", interview_id=outbox[-1].interview_id),
    )


async def _check(
    runtime: Runtime, who: Address, send: Callable[[], object], caplog: pytest.LogCaptureFixture
) -> None:
    """Reach the interview's first question, send the hostile message, then an ordinary one."""
    caplog.set_level(logging.WARNING)
    await _to_first_question(runtime, who, who.user_id)
    _, before = await _rows(runtime, who)
    assert before and before[-1].status == "sent", "the first question went out"
    await send()  # type: ignore[misc]
    _, after_hostile = await _rows(runtime, who)
    await _deliver(runtime, Inbound(who, f"{who.user_id}:follow-up", text=FOLLOW_UP))
    inbox, outbox = await _rows(runtime, who)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"errors logged: {[r.getMessage() for r in errors]}"
    assert all(r.processed_at is not None for r in inbox), "every message was processed (none lost)"
    assert all(r.dead_at is None for r in inbox), "no message had to be set aside"
    assert all(r.status == "sent" for r in outbox), "every reply went out"
    assert len(after_hostile) > len(before), "the hostile message got an answer"
    assert len(outbox) > len(after_hostile), "the next message got an answer too (no stall)"
    stored = [r.text for r in inbox]
    assert all(len(t) <= runtime.settings.max_message_chars for t in stored), "the length cap is enforced"
    assert all("\x00" not in t and t == t.strip() for t in stored)


@pytest.mark.parametrize("case,text", TEXTS, ids=[c for c, _ in TEXTS])
async def test_engine_receive_survives(
    runtime: Runtime, caplog: pytest.LogCaptureFixture, case: str, text: str
) -> None:
    who = Address("slack", "T-ENGINE", f"e-{case}")
    await _check(runtime, who, lambda: _deliver(runtime, Inbound(who, f"{case}:hostile", text=text)), caplog)


@pytest.mark.parametrize("case,text", TEXTS, ids=[c for c, _ in TEXTS])
async def test_engine_receive_survives_at_a_button_question(
    runtime: Runtime, caplog: pytest.LogCaptureFixture, case: str, text: str
) -> None:
    """The typed-answer path (numbers, labels, yes/no) of a question asked with buttons."""
    caplog.set_level(logging.WARNING)
    who = Address("slack", "T-BUTTON", f"k-{case}")
    await _deliver(runtime, Inbound(who, f"{case}:k-start", prompt="start", choice=STUDY, study_id=STUDY))
    _, asked = await _rows(runtime, who)
    await _deliver(runtime, Inbound(who, f"{case}:k-hostile", text=text))
    _, answered = await _rows(runtime, who)
    await _deliver(runtime, Inbound(who, f"{case}:k-yes", text="yes"))
    inbox, outbox = await _rows(runtime, who)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert all(r.processed_at is not None and r.dead_at is None for r in inbox)
    assert len(answered) > len(asked) and len(outbox) > len(answered)
    declined = any(
        "We keep only your answer (no)" in r.text for r in answered[len(asked) :]
    )  # "²" is 2: "No"
    if parse_command(text) is None and not declined:  # a command (`ｓｔｏｐ`) does what it says
        assert "Which tasks" in outbox[-1].text, "after the hostile message, `yes` still consents"


@pytest.mark.parametrize("case,text", TEXTS, ids=[c for c, _ in TEXTS])
async def test_console_say_survives(
    runtime: Runtime, caplog: pytest.LogCaptureFixture, case: str, text: str
) -> None:
    import io

    session = ConsoleSession(runtime.engine, STUDY, f"c-{case}", out=io.StringIO())
    await _check(runtime, session.address, lambda: session.say(text), caplog)


@pytest.mark.parametrize("case,text", TEXTS, ids=[c for c, _ in TEXTS])
async def test_slack_message_translation_survives(
    runtime: Runtime, caplog: pytest.LogCaptureFixture, case: str, text: str
) -> None:
    poster = SlackPoster("http://127.0.0.1:9/unused", "secret")
    user = f"U{abs(hash(case)) % 10**9:09d}"
    body = json.loads(poster.event_body(poster.message_event(user, text)))  # what Bolt hands the listener
    inbound = slack_adapter.message_inbound(body)
    assert inbound is not None and inbound.sender.user_id == user
    await _check(runtime, inbound.sender, lambda: _deliver(runtime, inbound), caplog)


@pytest.mark.parametrize("case,text", TEXTS, ids=[c for c, _ in TEXTS])
async def test_discord_message_translation_survives(
    runtime: Runtime, caplog: pytest.LogCaptureFixture, case: str, text: str
) -> None:
    fake = FakeDiscord()
    user = str(10**17 + abs(hash(case)) % 10**17)
    state = discord.Client(intents=discord.Intents(guilds=True, dm_messages=True))._connection
    state.user = discord.ClientUser(state=state, data=fake.bot)
    payload = fake.message_create(user, text)
    payload["id"] = str(
        10**18 + abs(hash(case)) % 10**17
    )  # a fresh fake starts its ids over: keep them unique
    channel, _ = state._get_guild_channel(payload)
    inbound = discord_adapter.message_inbound(discord.Message(state=state, channel=channel, data=payload))
    assert inbound is not None
    await _check(runtime, inbound.sender, lambda: _deliver(runtime, inbound), caplog)


@pytest.mark.parametrize("case,data", BYTES, ids=[c for c, _ in BYTES])
async def test_terminal_bytes_survive(
    runtime: Runtime, caplog: pytest.LogCaptureFixture, case: str, data: bytes
) -> None:
    """Bytes as typed or piped into `interviewer chat`: whatever is not UTF-8 is read as U+FFFD."""
    import io

    read, write = os.pipe()

    def type_in() -> None:  # in a thread: a long line fills the pipe before anyone reads it
        os.write(write, data + b"\n")
        os.close(write)

    threading.Thread(target=type_in, daemon=True).start()
    lines = TerminalInput(read, pasting=False)
    session = ConsoleSession(runtime.engine, STUDY, f"b-{case}", out=io.StringIO())

    async def send() -> None:
        batch = await lines.next_batch()
        assert batch is not None and len(batch) == 1
        await session.say_lines(batch)
        assert await lines.next_batch() is None

    try:
        await _check(runtime, session.address, send, caplog)
    finally:
        os.close(read)


@pytest.mark.parametrize("case,body", SLACK_BODIES, ids=[c for c, _ in SLACK_BODIES])
async def test_odd_slack_payloads_are_ignored_or_stored(
    runtime: Runtime, case: str, body: dict[str, object]
) -> None:
    """An event the adapter cannot use is ignored; one it can is stored, whatever its values."""
    event = body.get("event")
    if isinstance(event, dict):  # each case its own message: Slack's ts is unique per channel
        body = {**body, "event": {"ts": f"{zlib.crc32(case.encode())}.000100", **event}}
    for translate in (slack_adapter.message_inbound, slack_adapter.action_inbound):
        try:
            inbound = translate(body)  # type: ignore[arg-type]
        except (AttributeError, TypeError, KeyError) as exc:  # pragma: no cover - reported with its case
            pytest.fail(f"{translate.__name__} raised {type(exc).__name__} on {case}")
        if inbound is not None:
            stored = await runtime.engine.receive(inbound, schedule=False)
            await runtime.engine.process(inbound.sender)
            assert stored or len(inbound.sender.user_id) > 64
