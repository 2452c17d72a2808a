"""The terminal: resuming shows what was open and types nothing for the person, what a killed session
left is delivered, pasted lines are one turn, and bytes that are not UTF-8 do not crash the chat."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlmodel import col, select

from adapters.console import TerminalInput, chat
from bot.engine.outbox import LEASE
from bot.interview.locales import ENGLISH, texts_for
from bot.messages import Inbound
from bot.storage.models import InboxRow, OutboxRow, Turn
from tests.support.cli import cli_env
from tests.support.helpers import Console, settings_for, start_runtime, write_study

BIN = Path(sys.executable).parent / "interviewer"
RESHOWN = ENGLISH.reshown


def _chat(tmp_path: Path, stdin: bytes, name: str = "sam") -> subprocess.CompletedProcess[bytes]:
    env = cli_env(tmp_path, PSEUDONYM_KEY="console-test")
    return subprocess.run(
        [str(BIN), "chat", "--study", "teachers", "--as", name],
        input=stdin,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def test_resuming_reshows_the_open_question_and_sends_nothing_for_the_person(tmp_path: Path) -> None:
    first = _chat(tmp_path, b"1\n1\n")
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        inbox_before = db.execute("select count(*) from inbox").fetchone()[0]
        last_question = db.execute("select text from outbox order by id desc limit 1").fetchone()[0]
    resumed = _chat(tmp_path, b"")
    assert resumed.returncode == 0, resumed.stderr
    out = resumed.stdout.decode()
    assert RESHOWN in out and last_question.splitlines()[0] in out
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("select count(*) from inbox").fetchone()[0] == inbox_before, "nothing was sent"
        assert db.execute("select count(*) from turns where role = 'participant'").fetchone()[0] == 0


def test_resuming_after_help_or_mydata_shows_the_open_question_after_it(tmp_path: Path) -> None:
    first = _chat(tmp_path, b"1\n1\n")  # consents; the first screening question is open
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        question = db.execute("select text from outbox order by id desc limit 1").fetchone()[0]
    assert _chat(tmp_path, b"help\n").returncode == 0
    out = _chat(tmp_path, b"").stdout.decode()
    assert out.count(RESHOWN) == 2, out
    help_at, question_at = out.index("Commands"), out.rindex(question.splitlines()[0])
    assert help_at < question_at, "the last message, then the question it left open"
    assert "[1]" in out[question_at:], "its buttons can be answered by number again"
    paused = _chat(tmp_path, b"pause\n") and _chat(tmp_path, b"").stdout.decode()
    assert paused.count(RESHOWN) == 1 and "Paused." in paused, "a pause asks nothing"


def test_bytes_that_are_not_utf8_are_read_as_replacement_characters(tmp_path: Path) -> None:
    result = _chat(tmp_path, b"1\n1\n1\n\xff\xfe caf\xe9 \xc0\xaf\n")
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        texts = [
            r[0] for r in db.execute("select text from turns union all select value from screening_answers")
        ]
    assert any("\ufffd" in t and "caf" in t for t in texts)


async def test_a_reply_left_by_a_killed_session_is_shown_when_the_terminal_starts_again(
    sqlite_url: str, study_dir: Path
) -> None:
    """Killed during the quiet window (the message stored, not answered) and killed while printing (a
    reply claimed, not recorded): the next session answers the one and shows the other, once."""
    settings = settings_for(sqlite_url, study_dir)
    async with start_runtime(settings) as first:
        c = Console(first, name="kim")
        await c.session.open()
        await c.say("1")
        await c.say("1")
        await first.engine.receive(Inbound(c.session.address, "kim-late", text="2"), schedule=False)
    # the block's end was the kill: nothing processed the stored message
    async with start_runtime(settings) as second:
        again = Console(second, name="kim")
        await again.session.open()
        assert again.texts and "Which tasks" in again.texts[-1], "the stored answer was answered"
        async with second.store.session() as s:
            statuses = (await s.exec(select(OutboxRow.status))).all()
            rows = (await s.exec(select(InboxRow))).all()
        assert set(statuses) == {"sent"} and all(r.processed_at for r in rows)


async def test_a_reply_claimed_by_a_killed_session_is_delivered_at_once(
    sqlite_url: str, study_dir: Path
) -> None:
    settings = settings_for(sqlite_url, study_dir)
    async with start_runtime(settings) as first:
        c = Console(first, name="lee")
        await c.session.open()
        async with first.store.session() as s:  # the kill came between printing and recording
            row = (await s.exec(select(OutboxRow).order_by(col(OutboxRow.id).desc()))).first()
            assert row is not None
            row.status, row.lease_until = "sending", first.engine.clock() + LEASE
            s.add(row)
    async with start_runtime(settings) as second:
        again = Console(second, name="lee")
        await again.session.open()
        assert len(again.texts) == 1 and "Do you agree" in again.texts[0]
        assert RESHOWN not in again.out.getvalue(), "delivered, not re-shown"


async def test_pasted_lines_are_one_turn_and_typed_lines_are_answered_each(
    sqlite_url: str, study_dir: Path
) -> None:
    async with start_runtime(settings_for(sqlite_url, study_dir, coalesce_seconds=2)) as runtime:
        read, write = os.pipe()
        lines = TerminalInput(read, pasting=True)
        try:
            c = Console(runtime, name="pat")
            await c.session.open()
            for answer in ("1", "1", "2"):
                await c.say(answer)
            os.write(write, b"First I draft.\nThen I check.\nThen I send.\n")  # one paste
            batch = await lines.next_batch()
            assert batch == ["First I draft.", "Then I check.", "Then I send."]
            await c.session.say_lines(batch)

            def typed() -> None:  # two lines typed a while apart
                os.write(write, b"Sometimes I ask a colleague.\n")
                time.sleep(0.3)
                os.write(write, b"Not often.\n")

            threading.Thread(target=typed, daemon=True).start()
            assert await lines.next_batch() == ["Sometimes I ask a colleague."]
            assert await lines.next_batch() == ["Not often."]
            async with runtime.store.session() as s:
                turns = (await s.exec(select(Turn.text).where(Turn.role == "participant"))).all()
            assert turns[0] == "First I draft.\nThen I check.\nThen I send."
        finally:
            os.close(write)
            os.close(read)


async def test_typed_lines_are_answered_without_waiting_for_the_quiet_window(
    sqlite_url: str, study_dir: Path
) -> None:
    """COALESCE_SECONDS is for chat platforms, where a person sends several messages in a row."""
    async with start_runtime(settings_for(sqlite_url, study_dir, coalesce_seconds=3600)) as runtime:
        c = Console(runtime, name="quick")
        await c.session.open()
        await asyncio.wait_for(c.say("1"), timeout=120)  # an hour's quiet window would make this fail
        assert "anonymised transcript" in c.texts[-1]


async def test_arrow_and_function_keys_leave_nothing_in_the_answer() -> None:
    """A terminal without line editing passes the keys' escape sequences on; they are not words."""
    read, write = os.pipe()
    lines = TerminalInput(read, pasting=False)
    try:
        os.write(write, b"It does\x1b[D\x1b[D\x1b[AX help\x1bOP a lot\x1b[1;5C.\n")
        assert await lines.next_batch() == ["It doesX help a lot."]
    finally:
        os.close(write)
        os.close(read)


def test_a_line_cut_at_the_terminals_limit_is_pointed_out(tmp_path: Path) -> None:
    """In a real terminal (a pseudo-terminal here), a line of 5,000 characters keeps about 4,095 of them."""
    import pty

    env = cli_env(tmp_path)
    main, terminal = pty.openpty()
    with subprocess.Popen(
        [str(BIN), "chat", "--study", "teachers", "--as", "long"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    ) as chat:
        os.close(terminal)
        time.sleep(3)  # the consent question is on screen
        os.write(main, b"x" * 5000 + b"\n")
        time.sleep(2)
        os.write(main, b"\x04")  # Ctrl-D on an empty line: input ends
        out, err = chat.communicate(timeout=60)
    os.close(main)
    assert chat.returncode == 0, err
    assert b"reached the terminal's limit" in out, out[-600:]


async def test_the_terminals_own_words_are_the_session_studys_language(
    sqlite_url: str, study_dir: Path
) -> None:
    """A French study: the speakers' labels, the mark over what is shown again and the note when input
    ends are French; an English study's session keeps them English."""
    write_study(study_dir, id="outils", language="fr")
    french = texts_for("fr")
    async with start_runtime(settings_for(sqlite_url, study_dir)) as runtime:
        first = Console(runtime, "outils", name="lou")
        await first.session.open()
        assert first.out.getvalue().startswith(f"\n{french.data_interviewer}: "), first.out.getvalue()
        again = Console(runtime, "outils", name="lou")
        read, write = os.pipe()
        os.close(write)  # nothing typed: input ends at once
        try:
            await chat(again.session, TerminalInput(read, pasting=False))
        finally:
            os.close(read)
        shown = again.out.getvalue()
        assert shown.startswith(f"\n{french.reshown}\n{french.data_interviewer}: "), shown
        assert shown.endswith(f"{french.data_you}: \n{french.input_closed}\n"), shown
        english = Console(runtime, name="lou")  # pilot-study, English, for the same person
        assert english.session.sender.texts is ENGLISH


def test_options_wrap_between_options_never_between_a_number_and_its_label() -> None:
    from adapters.console import option_lines
    from bot.messages import Address, Choice, Outbound

    labels = ["Software and IT", "Marketing, sales or communications", "Finance, law or consulting"]
    labels += ["Health care", "Education or research", "Other", "x " * 60]
    message = Outbound(
        key="k",
        to=Address("console", "local", "ana"),
        text="Which?",
        choices=tuple(Choice(t, t) for t in labels),
    )
    lines = option_lines(message, 60)
    assert all(len(line) <= 60 for line in lines)
    assert lines[0] == "[1] Software and IT   [2] Marketing, sales or communications"
    assert "[5] Education or research" in lines[2]
    assert lines[3].startswith("[7] x x") and all(line.startswith("    x") for line in lines[4:])  # wraps
    joined = " ".join(lines)
    assert all(f"[{n}] {label.split()[0]}" in joined for n, label in enumerate(labels, 1))
