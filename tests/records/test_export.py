"""Exports: each format round-trips what matters; consent, withdrawal, pilot and filters hold."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlmodel import select

from bot.messages import utcnow
from bot.records.export import ExportFilter, export
from bot.records.formats import CSV_META, QDA_NAMESPACE
from bot.records.importer import import_csv, parse_transcript
from bot.runtime import Runtime
from bot.storage.models import InboxRow, Interview, Participant, Turn
from tests.support.helpers import Console, import_target, settings_for, start_runtime
from tests.support.interviews import ANSWERS, complete


async def populate(runtime: Runtime) -> None:
    """Five people: two completed (one private), one withdrawn, one declined, one stopped half-way."""
    for name, role, release in (("ann", "1", "1"), ("bob", "2", "2"), ("cat", "2", "1")):
        c = Console(runtime, name=name)
        await complete(c, role, release)
    cat = Console(runtime, name="cat")
    await cat.say("withdraw")
    await cat.say("1")
    dan = Console(runtime, name="dan")
    await dan.say("hi")
    await dan.say("2")  # declines
    eve = Console(runtime, name="eve")
    await eve.say("hi")
    await eve.say("1")
    await eve.say("1")
    await eve.say("1")
    await eve.say(ANSWERS[0])
    await eve.say("stop")


async def _by_state(runtime: Runtime) -> dict[str, list[Interview]]:
    async with runtime.store.session() as s:
        rows = (await s.exec(select(Interview))).all()
    out: dict[str, list[Interview]] = {}
    for r in rows:
        out.setdefault(r.state, []).append(r)
    return out


async def test_jsonl_has_only_consented_completed_interviews_and_parses_back(
    database_url: str, study_dir: Path, tmp_path: Path
) -> None:
    async with start_runtime(settings_for(database_url, study_dir)) as runtime:
        await populate(runtime)
        states = await _by_state(runtime)
        assert {k: len(v) for k, v in states.items()} == {
            "completed": 2,
            "withdrawn": 1,
            "declined": 1,
            "stopped": 1,
        }
        out = tmp_path / "x.jsonl"
        result = await export(runtime.store, ExportFilter("pilot-study", group_question="role"), "jsonl", out)
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        assert result.interviews == len(lines) == 2
        completed = {i.participant_code: i for i in states["completed"]}
        assert {r["participant"] for r in lines} == set(completed)
        async with runtime.store.session() as s:
            for r in lines:
                interview = completed[r["participant"]]
                turns = (await s.exec(select(Turn).where(Turn.interview_id == interview.id))).all()
                assert [t["seq"] for t in r["turns"]] == sorted(t.seq for t in turns)
                assert r["plan_hash"] == interview.plan_hash and r["study_version"] == 1
                assert r["consent"]["participation"] is True and r["survey"]["recommend"] == "yes"
                assert r["group"] in ("Engineer", "Designer") and r["screening"]["role"] == r["group"]
                assert all(t["at"] and "move" in t for t in r["turns"])
                interviewer = [t for t in r["turns"] if t["role"] == "interviewer"]
                assert interviewer[0]["topic_id"] == "tasks" and interviewer[-1]["move"] == "close"
        text = out.read_text()
        assert "jo.smith@example.com" not in text and "[EMAIL]" in text and "[PHONE]" in text
        assert "ann" not in {r["participant"] for r in lines}, "platform ids never appear"

        raw = tmp_path / "raw.jsonl"
        await export(runtime.store, ExportFilter("pilot-study"), "jsonl", raw, redacted=False)
        assert "jo.smith@example.com" in raw.read_text()

        every = tmp_path / "all.jsonl"
        await export(runtime.store, ExportFilter("pilot-study", include_incomplete=True), "jsonl", every)
        states_out = sorted(json.loads(line)["state"] for line in every.read_text().splitlines())
        assert states_out == ["completed", "completed", "stopped"], "withdrawn and declined never leave"


async def test_filters_public_group_since_and_pilot(runtime: Runtime, tmp_path: Path) -> None:
    await populate(runtime)

    async def count(**kw: object) -> int:
        out = tmp_path / "f.jsonl"
        flt = ExportFilter("pilot-study", group_question="role", **kw)  # type: ignore[arg-type]
        return (await export(runtime.store, flt, "jsonl", out)).interviews

    assert await count() == 2
    assert await count(public_only=True) == 1  # bob said no to public release
    assert await count(group="Engineer") == 1 and await count(group="Other") == 0
    assert await count(since=utcnow() + timedelta(hours=1)) == 0
    assert await count(since=utcnow() - timedelta(hours=1)) == 2
    async with runtime.store.session() as s:
        for i in (await s.exec(select(Interview))).all():
            i.pilot = True
            s.add(i)
    assert await count() == 0 and await count(include_pilot=True) == 2


async def test_dataset_csv_alternates_turns_and_reimports_to_the_same_text(
    sqlite_url: str, study_dir: Path, tmp_path: Path
) -> None:
    async with start_runtime(settings_for(sqlite_url, study_dir)) as runtime:
        await populate(runtime)
        out = tmp_path / "x.csv"
        await export(runtime.store, ExportFilter("pilot-study"), "csv", out)
        with out.open(newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0][:2] == ["transcript_id", "text"] and len(rows) == 3
        assert rows[0][2:] == [*CSV_META, "consent_participation", "consent_release", "role"] + [
            f"survey:{item}" for item in ("captured", "recommend", "satisfaction")
        ]
        for transcript_id, text, *_ in rows[1:]:
            assert transcript_id.startswith("P-") and text.startswith("Assistant: ")
            assert "\n\nUser: " in text and "\n\nAI: " in text and text.count("Assistant:") == 1
            roles = [role for role, _ in parse_transcript(text)]
            assert all(a != b for a, b in zip(roles, roles[1:], strict=False)), "turns alternate"

    other = tmp_path / "other"
    other.mkdir()
    async with start_runtime(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}", study_dir)) as runtime:
        report = await import_csv(runtime.store, out, import_target(runtime))
        assert (report.imported, report.problems) == (2, [])
        again = await import_csv(runtime.store, out, import_target(runtime))
        assert (again.imported, again.skipped) == (0, 2)
        back = tmp_path / "back.csv"
        await export(runtime.store, ExportFilter("pilot-study"), "csv", back, redacted=False)
        with back.open(newline="") as f:
            again_rows = list(csv.reader(f))
        assert [r[1] for r in again_rows[1:]] == [r[1] for r in rows[1:]], "the same transcripts"
        target = import_target(runtime)
        assert [r[0] for r in again_rows[1:]] == [target.code(r[0]) for r in rows[1:]], "ids pseudonymised"


async def test_markdown_zip_has_one_file_per_interview(runtime: Runtime, tmp_path: Path) -> None:
    await populate(runtime)
    out = tmp_path / "x.zip"
    result = await export(runtime.store, ExportFilter("pilot-study", group_question="role"), "markdown", out)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        texts = [z.read(n).decode() for n in names]
    assert result.interviews == len(names) == 2 and all(
        n.startswith("P-") and n.endswith(".md") for n in names
    )
    for text in texts:
        assert text.startswith("# Interview P-") and "**Interviewer:** Which tasks" in text
        assert "**Participant:** " + ANSWERS[0] in text and "## Survey" in text and "[EMAIL]" in text


async def test_qdpx_is_a_zip_whose_project_declares_every_source(runtime: Runtime, tmp_path: Path) -> None:
    await populate(runtime)
    out = tmp_path / "x.qdpx"
    await export(runtime.store, ExportFilter("pilot-study"), "qdpx", out)
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        root = ElementTree.fromstring(z.read("project.qde"))
        ns = {"q": QDA_NAMESPACE}
        assert root.tag == f"{{{QDA_NAMESPACE}}}Project" and root.get("name") == "pilot-study"
        assert root.get("origin") and root.get("creationDateTime", "").endswith("Z")
        sources = root.findall("q:Sources/q:TextSource", ns)
        assert len(sources) == 2
        for source in sources:
            guid = source.get("guid", "")
            assert len(guid) == 36 and guid.count("-") == 4
            assert source.get("plainTextPath") == f"internal://{guid}.txt"
            assert f"sources/{guid}.txt" in names and source.get("name", "").startswith("P-")
            assert z.read(f"sources/{guid}.txt").decode().startswith("Assistant: ")
        assert names == {"project.qde"} | {f"sources/{s.get('guid')}.txt" for s in sources}


async def test_mydata_sends_the_participant_their_own_words_at_any_point(runtime: Runtime) -> None:
    c = Console(runtime, name="ann")
    await c.say("hi")
    await c.say("1")
    await c.say("1")
    await c.say("1")
    await c.say(ANSWERS[0])
    before = len(c.texts)
    await c.say("mydata")
    copy = "\n".join(c.texts[before:])
    assert "You: " + ANSWERS[0] in copy and "Interviewer: Which tasks" in copy
    assert "Your answer to `role`: Engineer" in copy and "`withdraw`" in copy
    await c.say(ANSWERS[2])  # the interview carries on where it was
    await c.say("mydata")
    assert "jo.smith@example.com" in "\n".join(c.texts), "their own copy is not redacted"
    async with runtime.store.session() as s:
        interview = (await s.exec(select(Interview))).one()
        assert interview.state == "interviewing"
        s.add(Turn(interview_id=interview.id or 0, seq=99, role="participant", text="long words " * 1000))
    await c.say("mydata")
    pieces = [t for t in c.texts[-6:] if "long words" in t]
    assert len(pieces) >= 3 and all(len(t) <= 3500 for t in c.texts)
    await c.say("withdraw")
    await c.say("1")
    await c.say("mydata")
    assert c.texts[-1] == "We hold nothing you told us in this study."


async def test_mydata_includes_a_set_aside_message_and_the_time_zone_kept_for_every_study(
    runtime: Runtime,
) -> None:
    """Everything held: a message set aside after failed tries keeps its text until retried or erased, and
    the time zone a participant chose outlives a withdrawal (it times messages in any study)."""
    c = Console(runtime, name="bea")
    for text in ("hi", "1", "1", "1"):
        await c.say(text)
    who = c.session.address
    async with runtime.store.session() as s:
        participant = (await s.exec(select(Participant).where(Participant.user_id == who.user_id))).one()
        participant.timezone, participant.timezone_chosen = "Europe/Berlin", True
        s.add(participant)
        s.add(
            InboxRow(
                dedupe_key="stuck-1",
                participant_key=who.key,
                platform=who.platform,
                workspace=who.workspace,
                user_id=who.user_id,
                text="a message that kept failing",
                study_id="pilot-study",
                processed_at=utcnow(),
                dead_at=utcnow(),
            )
        )
    before = len(c.texts)
    await c.say("mydata")
    copy = "\n".join(c.texts[before:])
    assert "A message of yours we could not process yet: a message that kept failing" in copy
    assert "your time zone, Europe/Berlin (you chose it)" in copy
    await c.say("withdraw")
    await c.say("1")
    await c.say("mydata")
    assert c.texts[-1].startswith("We hold nothing you told us in this study.")
    assert "Europe/Berlin" in c.texts[-1] and "kept failing" not in c.texts[-1]


@pytest.mark.parametrize("word", ["mydata", "withdraw", "stop"])
async def test_data_commands_before_any_interview_start_nothing(runtime: Runtime, word: str) -> None:
    c = Console(runtime, name="newcomer")
    await c.say(word)
    assert "I hold no answers of yours" in c.texts[-1] and "`help`" in c.texts[-1]
    async with runtime.store.session() as s:
        assert (await s.exec(select(Interview))).all() == []
    await c.say("hi")  # a greeting afterwards starts the study as usual
    assert "consent" in (c.last.prompt or "") if c.last else False
