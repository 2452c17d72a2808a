"""`interviewer import`: the dataset layout read back, malformed rows reported by line, huge fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.records.importer import import_csv, parse_transcript
from bot.runtime import Runtime
from bot.storage.models import Interview, Turn
from tests.support.helpers import import_target

GOOD = (
    "transcript_id,text\n"
    'work_0001,"Assistant: Hello, thanks for joining.\n\nDoes that sound good?\n\nUser: Yes.\n\n'
    'AI: What do you use it for?\n\nUser: Drafting, mostly.\n\nAI: Thank you."\n'
)


def test_parse_keeps_paragraphs_inside_a_turn() -> None:
    turns = parse_transcript("Assistant: Hi.\n\nSecond paragraph.\n\nUser: Yes\nAI: Next?")
    assert turns == [
        ("interviewer", "Hi.\n\nSecond paragraph."),
        ("participant", "Yes"),
        ("interviewer", "Next?"),
    ]
    with pytest.raises(ValueError, match="before the first"):
        parse_transcript("Preamble\nUser: hi")
    with pytest.raises(ValueError, match="no turn"):
        parse_transcript("just words")


async def test_import_reports_bad_rows_by_line_and_keeps_the_good_ones(
    runtime: Runtime, tmp_path: Path
) -> None:
    huge = "word " * 60_000  # larger than csv's default field limit of 131072 characters
    path = tmp_path / "in.csv"
    path.write_text(
        GOOD
        + 'bad_0002,"no markers here"\n'
        + "bad_0003\n"
        + ',"User: no id"\n'
        + f'big_0004,"Assistant: Tell me more.\n\nUser: {huge}"\n'
        + 'pre_0005,"Intro line\nUser: hi"\n',
        encoding="utf-8",
    )
    report = await import_csv(runtime.store, path, import_target(runtime))
    assert report.imported == 2
    assert [p.split(":")[0] for p in report.problems] == [
        "line 13 (bad_0002)",
        "line 14",
        "line 15",
        "line 19 (pre_0005)",
    ]
    assert "no turn starts" in report.problems[0] and "expected 2 columns" in report.problems[1]
    async with runtime.store.session() as s:
        interviews = (await s.exec(select(Interview).order_by(col(Interview.id)))).all()
        turns = (
            await s.exec(select(Turn).where(Turn.interview_id == interviews[0].id).order_by(col(Turn.seq)))
        ).all()
    target = import_target(runtime)
    assert [i.participant_code for i in interviews] == [target.code("work_0001"), target.code("big_0004")]
    assert all(i.participant_code.startswith("P-") for i in interviews), "ids are pseudonymised"
    assert all(i.state == "completed" for i in interviews)
    assert [t.role for t in turns] == [
        "interviewer",
        "participant",
        "interviewer",
        "participant",
        "interviewer",
    ]
    assert turns[0].text == "Hello, thanks for joining.\n\nDoes that sound good?"


async def test_a_file_without_the_header_is_refused(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,body\n1,User: hi\n", encoding="utf-8")
    report = await import_csv(runtime.store, path, import_target(runtime))
    assert report.imported == 0 and report.problems[0].startswith("line 1: header must name")


async def test_imported_turns_get_the_normal_form_platform_messages_get(
    runtime: Runtime, tmp_path: Path
) -> None:
    """A terminal escape, a bidi override or a zero-width space in a file is no part of what was said:
    they go, as from a Slack or Discord message; paragraphs, accents and emoji stay."""
    path = tmp_path / "odd.csv"
    text = (
        "AI: Hi\u200b there?\n\nUser: I use \x1b[31mit\x1b[0m daily.\n\nSecond \u202eline\u202c, café 👩‍🔬."
    )
    path.write_text(f'transcript_id,text\nodd_1,"{text}"\n', encoding="utf-8")
    report = await import_csv(runtime.store, path, import_target(runtime))
    assert report.imported == 1, report.problems
    async with runtime.store.session() as s:
        turns = (await s.exec(select(Turn).order_by(col(Turn.seq)))).all()
    assert [t.text for t in turns] == ["Hi there?", "I use [31mit[0m daily.\n\nSecond line, café 👩‍🔬."]
