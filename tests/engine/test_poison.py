"""One bad message must never stall anyone: failing events are retried alone and set aside after three
tries, every participant and every outbox row is its own failure boundary, replies go out in order and
a reply overtaken by the conversation is not delivered late."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.engine import dead_letters
from bot.engine.outbox import LEASE, queue
from bot.interview import transitions
from bot.interview.conversation import Message
from bot.interview.locales import ENGLISH
from bot.messages import ANSWERED, Address, Inbound, Outbound, utcnow
from bot.runtime import Runtime
from bot.storage.models import InboxRow, OutboxRow
from tests.support.helpers import Console, settings_for, start_runtime
from tests.support.paths import ROOT

BIN = Path(sys.executable).parent / "interviewer"
ANSWER = "I mostly use it to draft reports and then rewrite about half of each one."


@pytest.fixture
def poison(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A state machine that raises on one message text: stands for any bug a message may trigger."""
    real_step, seen = transitions.step, []

    def step(study, state, progress, event):  # type: ignore[no-untyped-def]
        if isinstance(event, Message) and "POISON" in event.text:
            seen.append(event.text)
            raise ValueError("a bug this message triggers")
        return real_step(study, state, progress, event)

    monkeypatch.setattr(transitions, "step", step)
    return seen


async def _at_first_question(runtime: Runtime, name: str) -> Console:
    c = Console(runtime, name=name)
    await c.session.open()
    for answer in ("1", "1", "2"):  # consent, release, role
        await c.say(answer)
    assert "Which tasks" in c.texts[-1]
    return c


async def _inbox(runtime: Runtime, who: Address) -> list[InboxRow]:
    async with runtime.store.session() as s:
        rows = await s.exec(
            select(InboxRow).where(InboxRow.participant_key == who.key).order_by(col(InboxRow.id))
        )
        return list(rows.all())


async def test_an_event_that_keeps_failing_is_set_aside_and_the_participant_is_told(
    database_url: str, study_dir: Path, poison: list[str]
) -> None:
    async with start_runtime(settings_for(database_url, study_dir)) as runtime:
        c = await _at_first_question(runtime, "ana")
        await c.say("POISON pill")
        assert len(poison) == 1 + dead_letters.MAX_ATTEMPTS, "the batch, then three tries on its own"
        assert c.texts[-1] == ENGLISH.dead_letter.format(what=ENGLISH.dead_letter_message)
        dead = [r for r in await _inbox(runtime, c.session.address) if r.dead_at is not None]
        assert len(dead) == 1 and dead[0].processed_at is not None
        assert dead[0].error and dead[0].error.startswith("ValueError: a bug this message triggers")
        await c.say(ANSWER)  # the next message is answered as usual
        assert "How do you check" in c.texts[-1] or "?" in c.texts[-1]
        letters = await dead_letters.dead_letters(runtime.store)
        assert [(d.kind, d.id) for d in letters] == [("in", dead[0].id)]
        assert "POISON" not in letters[0].line(show_text=False) and "POISON" in letters[0].line(
            show_text=True
        )


async def test_one_participants_failing_event_does_not_stop_the_tick_for_anyone_else(
    runtime: Runtime, poison: list[str]
) -> None:
    ana, ben = await _at_first_question(runtime, "ana"), await _at_first_question(runtime, "ben")
    # both write while the bot is "down": the tick finds both messages, ana's first
    await runtime.engine.receive(Inbound(ana.session.address, "a-1", text="POISON"), schedule=False)
    await runtime.engine.receive(Inbound(ben.session.address, "b-1", text=ANSWER), schedule=False)
    cara = Address("console", "local", "cara")
    async with runtime.store.session() as s:
        queue(s, "notice:cara", cara, "A message that was waiting to go out.", purpose="notice")
    before = len(ben.texts)
    await runtime.engine.tick()
    assert len(ben.texts) > before, "ben's message was answered in the same tick"
    assert any(m.to == cara for m in ben.session.sender.sent), "and cara's waiting message went out"
    to_ana = [m.text for m in ben.session.sender.sent if m.to == ana.session.address]  # one terminal
    assert to_ana[-1] == ENGLISH.dead_letter.format(what=ENGLISH.dead_letter_message)
    assert all(r.processed_at is not None for r in await _inbox(runtime, ben.session.address))


async def test_a_database_hiccup_is_retried_and_not_counted_against_the_message(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = await _at_first_question(runtime, "ana")
    real_step, failures = (
        transitions.step,
        [OperationalError("UPDATE", {}, Exception("database is locked"))],
    )

    def step(*args):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return real_step(*args)

    monkeypatch.setattr(transitions, "step", step)
    asked = len(c.texts)
    with pytest.raises(OperationalError):
        await c.say(ANSWER)
    [row] = [r for r in await _inbox(runtime, c.session.address) if r.processed_at is None]
    assert (row.attempts, row.dead_at) == (0, None)
    await runtime.engine.tick()
    assert len(c.texts) == asked + 1 and "?" in c.texts[-1]


class Fussy:
    """A platform adapter with a bug: it raises on one message text, unexpectedly (not a DeliveryError)."""

    def __init__(self) -> None:
        self.sent: list[Outbound] = []

    async def send(self, message: Outbound) -> str:
        if "cannot render" in message.text:
            raise KeyError("blocks")
        self.sent.append(message)
        return f"m{len(self.sent)}"

    async def mark_answered(
        self, message_id: str, message: Outbound, answer_label: str, note: str = ANSWERED
    ) -> None:
        """Nothing to mark: this sender keeps no buttons to disable."""


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


async def _queue(runtime: Runtime, key: str, to: Address, text: str, **kw: object) -> None:
    async with runtime.store.session() as s:
        queue(s, key, to, text, purpose="reply", **kw)  # type: ignore[arg-type]


async def _statuses(runtime: Runtime) -> dict[str, str]:
    async with runtime.store.session() as s:
        return {r.key: r.status for r in (await s.exec(select(OutboxRow))).all()}


async def test_an_outbox_row_that_keeps_failing_is_set_aside_and_the_rest_go_out_in_order(
    sqlite_url: str, study_dir: Path
) -> None:
    clock = Clock()
    async with start_runtime(settings_for(sqlite_url, study_dir), clock=clock) as runtime:
        fussy = Fussy()
        runtime.engine.register_sender("slack", fussy)
        ana, ben = Address("slack", "T1", "UANA"), Address("slack", "T1", "UBEN")
        await _queue(runtime, "a1", ana, "I cannot render this one")
        await _queue(runtime, "a2", ana, "Ana's next message")
        await _queue(runtime, "b1", ben, "Ben's message")
        for _ in range(6):
            await runtime.engine.dispatcher.send_due()
            clock.now += timedelta(minutes=10)
        assert [m.key for m in fussy.sent] == ["b1", "a2"], "ben is not held up; ana's next waits its turn"
        statuses = await _statuses(runtime)
        assert statuses == {"a1": "dead", "a2": "sent", "b1": "sent"}
        letters = await dead_letters.dead_letters(runtime.store)
        assert [(d.kind, d.attempts) for d in letters] == [("out", 3)] and "KeyError" in letters[0].error


async def test_a_reply_overtaken_by_the_conversation_is_dropped_not_sent_late(
    sqlite_url: str, study_dir: Path
) -> None:
    """Killed between sending and recording: the reply is sent again only if nothing later went out."""
    clock = Clock()
    async with start_runtime(settings_for(sqlite_url, study_dir), clock=clock) as runtime:
        fussy = Fussy()
        runtime.engine.register_sender("slack", fussy)
        ana, ben = Address("slack", "T1", "UANA"), Address("slack", "T1", "UBEN")
        async with runtime.store.session() as s:
            for key, who, status in (("a1", ana, "sending"), ("a2", ana, "sent"), ("b1", ben, "sending")):
                row = queue(s, key, who, f"message {key}")
                row.status, row.lease_until = status, clock.now
        clock.now += LEASE
        await runtime.engine.dispatcher.send_due()
        assert [m.key for m in fussy.sent] == ["b1"], "ben's last reply is sent again; ana's is stale"
        assert (await _statuses(runtime))["a1"] == "superseded"


async def test_a_persons_replies_wait_behind_an_earlier_rate_limited_one(
    sqlite_url: str, study_dir: Path
) -> None:
    clock = Clock()
    async with start_runtime(settings_for(sqlite_url, study_dir), clock=clock) as runtime:
        fussy = Fussy()
        runtime.engine.register_sender("slack", fussy)
        ana = Address("slack", "T1", "UANA")
        await _queue(runtime, "a1", ana, "first", not_before=clock.now + timedelta(seconds=30))
        await _queue(runtime, "a2", ana, "second")
        await runtime.engine.dispatcher.send_due()
        assert fussy.sent == [], "the second waits for the first"
        clock.now += timedelta(seconds=31)
        await runtime.engine.dispatcher.send_due()
        assert [m.key for m in fussy.sent] == ["a1", "a2"]


def _cli(args: list[str], tmp_path: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SLACK_", "DISCORD_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", STUDIES_DIR=str(ROOT / "studies"))
    env.update(PSEUDONYM_KEY="poison-test")
    return subprocess.run(
        [str(BIN), *args], input=stdin, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )


def test_chat_and_demo_start_on_a_database_holding_poison(tmp_path: Path) -> None:
    """The issue's stall: `snooze 99999999999d` left unprocessed, and an interview whose stored progress is
    corrupt. Both terminal commands start, answer, and the corrupt one is set aside."""
    first = _cli(["chat", "--study", "teachers", "--as", "sam"], tmp_path, "1\n")
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute('update interviews set data = \'{"topics": "corrupt"}\'')
        for n, text in enumerate(("snooze 99999999999d", "hello again")):
            db.execute(
                "insert into inbox (dedupe_key, participant_key, platform, workspace, user_id, text, "
                "attachments, received_at, attempts) values (?, 'console:local:sam', 'console', 'local', "
                "'sam', ?, 0, '2027-01-01 10:00:00', 0)",
                (f"left-{n}", text),
            )
    resumed = _cli(["chat", "--study", "teachers", "--as", "sam"], tmp_path, "")
    assert resumed.returncode == 0 and "Traceback" not in resumed.stderr, resumed.stderr
    assert "could not process your last message" in resumed.stdout
    demo = _cli(["demo", "--study", "teachers"], tmp_path, "")
    assert demo.returncode == 0 and "is completed" in demo.stdout, demo.stderr
    problems = _cli(["db", "problems"], tmp_path, "")
    assert problems.returncode == 0 and "dead letter(s)" in problems.stdout
    doctor = _cli(["doctor"], tmp_path, "")
    assert doctor.returncode == 1
    assert "PROBLEM set-aside messages: " in doctor.stdout and "received" in doctor.stdout, doctor.stdout
    assert "interviewer db problems --retry" in doctor.stdout
    first_id = re.search(r"\b(in:\d+)", problems.stdout)
    assert first_id, problems.stdout
    again = _cli(["db", "problems", "--retry", first_id.group(1)], tmp_path, "")
    assert again.returncode == 0 and "1 dead letter(s) put back" in again.stdout, again.stderr
