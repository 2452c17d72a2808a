"""Withdrawal leaves nothing behind: a unique marker written in every kind of participant input is
found nowhere afterwards, byte by byte: not in the database file, its write-ahead log, the analysis
cache or the logs (SQLite), not in any table (PostgreSQL), for every interview of the study."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from sqlmodel import col, select

from bot.analysis.cache import StageCache
from bot.engine import dead_letters
from bot.interview.locales import ENGLISH
from bot.storage.models import (
    AuditEntry,
    ConsentRecord,
    InboxRow,
    Interview,
    OutboxRow,
    ScreeningAnswer,
    SurveyAnswer,
    Turn,
)
from tests.support.helpers import Console, settings_for, small_study, start_runtime

TOKEN = "Qz7Xw"  # rare enough that any hit is a leak


def marker(kind: str) -> str:
    return f"{TOKEN}-{kind}-{TOKEN}"


def study_with_every_input(directory: Path) -> Path:
    """The small study plus a free-text screening question and a free-text survey item."""
    data = small_study()
    data["screening"].append({"id": "tools", "question": "Which tools do you use?", "kind": "text"})
    data["survey"] = [
        {"id": "satisfaction", "question": "How satisfied are you?", "kind": "scale7"},
        {"id": "recommend", "question": "Would you recommend it?", "kind": "yesno"},
        {"id": "comments", "question": "Anything else to tell us?", "kind": "text"},
    ]
    path = directory / "pilot-study.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def answer(kind: str) -> str:
    """A long, specific answer, so the offline interviewer moves on instead of probing."""
    return f"I mostly use it for drafting long reports and checking the numbers twice {marker(kind)}."


# One complete interview: first DM, consent and release buttons, a choice and a typed screening
# answer, three interview answers, mydata, survey buttons and a typed survey answer.
FIRST_INTERVIEW = [
    f"hello {marker('first-dm')}",
    "1",
    "1",
    "1",
    marker("screening-text"),
    answer("answer-1"),
    answer("answer-2"),
    answer("answer-3"),
    "1",
    "1",
    marker("survey-text"),
]
# A second interview in the same study, withdrawn half-way.
SECOND_INTERVIEW = [
    "start",
    "1",
    "1",
    "2",
    marker("screening-again"),
    answer("second-answer"),
    "mydata",
    "withdraw",
    "1",
]


def hits(data: bytes) -> int:
    return data.count(TOKEN.encode())


def files_under(root: Path) -> Iterator[Path]:
    return (p for p in root.rglob("*") if p.is_file())


def leaks_in_files(paths: list[Path]) -> dict[str, int]:
    return {str(p): hits(p.read_bytes()) for p in paths if p.exists() and hits(p.read_bytes())}


async def leaks_in_tables(runtime) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Every row of every table, as text: any column that still holds a marker is a leak."""
    found = {}
    async with runtime.store.connection() as conn:
        tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        for table in tables:
            rows = (await conn.execute(sa.text(f'SELECT * FROM "{table}"'))).all()
            count = sum(TOKEN in repr(tuple(row)) for row in rows)
            if count:
                found[table] = count
    return found


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Everything logged at DEBUG and above, to a file the test can grep."""
    path = tmp_path / "bot.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        handler.close()


async def test_withdrawal_erases_every_input_of_every_interview_in_the_study(
    database_url: str, tmp_path: Path, debug_log: Path
) -> None:
    studies = tmp_path / "studies"
    studies.mkdir()
    study_with_every_input(studies)
    cache_root = tmp_path / "cache"
    settings = settings_for(database_url, studies, analysis_cache_dir=cache_root)
    async with start_runtime(settings) as runtime:
        c = Console(runtime, name="marker-person")
        for line in FIRST_INTERVIEW:
            await c.say(line)
        assert c.texts[-1].startswith("Thank you, that's everything")
        async with runtime.store.session() as s:
            code = (await s.exec(select(Interview.participant_code))).one()
        # an analysis of the study cached a stage result quoting the participant, and vectors
        cache = StageCache(cache_root / "pilot-study", [code, "P-SOMEONEELSE"])
        cache.put("emotions", "k" * 24, {"value": [{"quote": marker("cached-quote")}], "notes": []})
        (cache_root / "pilot-study" / "vectors").mkdir()
        (cache_root / "pilot-study" / "vectors" / "shard.npz").write_bytes(b"derived vectors")
        other = StageCache(cache_root / "other-study", ["P-NOTTHEM"])
        other.put("emotions", "o" * 24, {"value": [], "notes": []})

        for line in SECOND_INTERVIEW[:-2]:
            await c.say(line)
        copy = "\n".join(c.texts[-3:])
        assert marker("second-answer") in copy and marker("answer-1") in copy, "mydata lists both"
        assert marker("survey-text") in copy and "consent to take part: yes" in copy
        await c.say("withdraw")
        assert "any earlier interview" in c.texts[-1]
        await c.say("1")
        assert "everything you told us in this study has been deleted" in c.texts[-1]
        await c.say("mydata")
        assert c.texts[-1] == ENGLISH.data_nothing_held

        assert await leaks_in_tables(runtime) == {}
        async with runtime.store.session() as s:
            interviews = (await s.exec(select(Interview))).all()
            assert [i.state for i in interviews] == ["withdrawn", "withdrawn"]
            assert all(i.erased_at is not None for i in interviews)
            assert all(set(i.data) >= {"out_seq"} and not i.data.get("screening") for i in interviews)
            for model in (Turn, ScreeningAnswer, SurveyAnswer, ConsentRecord):
                assert (await s.exec(select(model))).all() == []
            inbox = (await s.exec(select(InboxRow))).all()
            assert inbox and all(r.choice is None and r.prompt is None for r in inbox)
            assert [r.text for r in inbox if r.text] == [], "an applied event's text is never kept"
            labels = (await s.exec(select(OutboxRow.answered_label).where(col(OutboxRow.text) != ""))).all()
            assert set(labels) == {None}
            audit = (await s.exec(select(AuditEntry))).all()
            assert [(a.action, a.detail["interviews"]) for a in audit] == [("withdrawal", 2)]
            assert audit[0].detail["platform_messages"] == 0, "a terminal keeps nothing to delete"
        assert not (cache_root / "pilot-study" / "vectors").exists()
        assert [p.name for p in files_under(cache_root / "pilot-study")] == [], "derived files deleted"
        assert any(files_under(cache_root / "other-study")), "another study's cache is untouched"
        assert leaks_in_files(list(files_under(cache_root)) + [debug_log]) == {}
        if runtime.store.is_sqlite:
            db = Path(database_url.split("///", 1)[1])
            wal = db.with_name(db.name + "-wal")
            assert leaks_in_files([db, wal, db.with_name(db.name + "-shm")]) == {}


def test_withdrawal_through_the_chat_command_leaves_nothing_in_the_files(tmp_path: Path) -> None:
    """The terminal chat as a user starts it: two runs (one complete interview, then a second one that
    is withdrawn), answers typed on standard input; then the database, its log and the logs are read."""
    studies = tmp_path / "studies"
    studies.mkdir()
    study_file = study_with_every_input(studies)
    db = tmp_path / "chat.db"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "ANALYSIS_CACHE_DIR": str(tmp_path / "cache"),
        "COALESCE_SECONDS": "0",
        "PSEUDONYM_KEY": "chat-test",
        "LOG_LEVEL": "DEBUG",
    }
    env.pop("ANTHROPIC_API_KEY", None)
    command = [str(Path(sys.executable).parent / "interviewer"), "chat", "--study", str(study_file)]
    runs = []
    # the chat opens with "hello" itself: the first typed line (a marker) answers the consent question
    for typed in ([f"about me {marker('first-dm')}", *FIRST_INTERVIEW[1:]], SECOND_INTERVIEW):
        runs.append(
            subprocess.run(
                [*command, "--as", "dana"],
                input="\n".join(typed) + "\n",
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp_path,
                timeout=120,
            )
        )
        assert runs[-1].returncode == 0, runs[-1].stderr
    assert "that's everything" in runs[0].stdout
    shown = runs[1].stdout.replace("\n", "")  # the terminal wraps long lines at hyphens
    assert marker("answer-2") in shown, "mydata showed the earlier interview before"
    assert "has been deleted" in runs[1].stdout
    logs = tmp_path / "stderr.log"
    logs.write_text(runs[0].stderr + runs[1].stderr, encoding="utf-8")
    wal = db.with_name(db.name + "-wal")
    assert leaks_in_files([db, wal, logs, *files_under(tmp_path / "cache")]) == {}


async def test_a_failed_try_recorded_on_an_inbound_message_goes_with_the_withdrawal(
    database_url: str, tmp_path: Path
) -> None:
    """A failure's message can quote what failed (a validation error quotes its input): the error kept
    on the participant's inbound rows, a dead letter's included, is erased with them."""
    studies = tmp_path / "studies"
    studies.mkdir()
    study_with_every_input(studies)
    async with start_runtime(settings_for(database_url, studies)) as runtime:
        c = Console(runtime, name="failing-person")
        for line in FIRST_INTERVIEW[:6]:
            await c.say(line)
        async with runtime.store.session() as s:
            ids = [r.id or 0 for r in (await s.exec(select(InboxRow))).all()]
        await dead_letters.note_failure(runtime.store, ids, ValueError(f"bad input {marker('error')}"))
        assert (await leaks_in_tables(runtime))["inbox"] == len(ids), "the errors quote the marker"
        await c.say("withdraw")
        await c.say("1")
        assert "has been deleted" in c.texts[-1]
        assert await leaks_in_tables(runtime) == {}
