"""What a participant writes is kept only where the study needs it: an applied message's delivery record
keeps no copy of its text, so a greeting before consent, a "No, thanks" and a message after a purge leave
nothing of what was written, and `mydata` shows all that is held. Run as a user runs it (a subprocess)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.cli import run

MARK = "Zq7Greeting"


def _everything(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return "\n".join(conn.iterdump())


def test_saying_no_keeps_the_answer_and_nothing_written(tmp_path: Path) -> None:
    chat = run(["chat", "--study", "ai-at-work", "--as", "jack"], tmp_path, stdin=f"hello {MARK}\n2\n")
    assert chat.returncode == 0, chat.stderr
    assert "We keep only your answer (no), nothing you wrote" in " ".join(chat.stdout.split())
    held = _everything(tmp_path / "cli.db")
    assert MARK not in held
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        assert conn.execute("select kind, granted from consent_records").fetchall() == [("participation", 0)]
        assert conn.execute("select count(*) from turns").fetchone() == (0,)

    mine = run(["chat", "--study", "ai-at-work", "--as", "jack"], tmp_path, stdin="mydata\n")
    assert "Your consent to take part: no" in " ".join(mine.stdout.split())
    run(["chat", "--study", "ai-at-work", "--as", "jack"], tmp_path, stdin="withdraw\n1\n")
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        assert conn.execute("select count(*) from consent_records").fetchone() == (0,)
