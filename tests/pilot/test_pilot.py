"""Pilots: simulated participants through the real engine, from replayed transcripts or Claude personas."""

from __future__ import annotations

from pathlib import Path

import anthropic
from sqlmodel import select

from bot.commands.status import status_text
from bot.interviewer.claude import ClaudeInterviewer
from bot.pilot.report import markdown
from bot.pilot.run import PersonaAnswerer, ReplayAnswerer, load_transcripts, run_pilot
from bot.records.importer import parse_transcript
from bot.runtime import Runtime
from bot.storage.models import Interview
from bot.studies.planning.claude import PlanningClaude
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.claude_analyst import schema_of
from tests.support.helpers import settings_for, start_runtime
from tests.support.interviews import write_transcripts


def test_transcript_turns_follow_the_dataset_layout() -> None:
    turns = parse_transcript(
        "AI: First question?\nUser: An answer\nthat goes on.\nAssistant: Next?\nUser: Yes"
    )
    assert turns == [
        ("interviewer", "First question?"),
        ("participant", "An answer\nthat goes on."),
        ("interviewer", "Next?"),
        ("participant", "Yes"),
    ]


async def test_replay_pilot_reports_the_coverage_the_transcripts_hold(
    runtime: Runtime, tmp_path: Path
) -> None:
    """Four participants replay two transcripts; substantive answers per topic match what each transcript says."""
    data = tmp_path / "transcripts.csv"
    write_transcripts(data)
    study = runtime.catalog.get("pilot-study")
    assert study is not None
    report = await run_pilot(runtime.engine, study, ReplayAnswerer(load_transcripts(data)), 4)
    assert [r.source for r in report.interviews] == ["replay t1", "replay t2"] * 2
    assert all(r.state == "completed" for r in report.interviews)
    by_source = {r.source: r for r in report.interviews}
    assert by_source["replay t1"].answered == ["tasks", "trust"]
    assert by_source["replay t2"].answered == ["tasks"]
    assert by_source["replay t2"].followups > by_source["replay t1"].followups  # thin answers get probed
    assert report.topic_counts()["tasks"] == (4, 4)
    assert report.topic_counts()["trust"][1] == 2
    for r in report.interviews:
        assert r.questions >= 1 and r.minutes > 0
    text = markdown(report)
    assert "| trust | must |" in text and "## Flagged turns" in text
    async with runtime.store.session() as s:
        rows = (await s.exec(select(Interview))).all()
    assert len(rows) == 4 and all(r.pilot for r in rows)
    status = await status_text(runtime.engine, study)
    assert "0 interview(s)" in status  # pilots are not counted...
    assert "median time" not in status and "By role" not in status  # ...anywhere in the status


async def test_budget_cut_before_must_topics_is_reported(sqlite_url: str, tmp_path: Path) -> None:
    from tests.support.helpers import write_study

    directory = tmp_path / "tight"
    directory.mkdir()
    write_study(directory)
    path = directory / "pilot-study.yaml"
    path.write_text(path.read_text().replace("max_questions: 8", "max_questions: 2"))
    data = tmp_path / "transcripts.csv"
    write_transcripts(data)
    async with start_runtime(settings_for(sqlite_url, directory)) as runtime:
        study = runtime.catalog.get("pilot-study")
        assert study is not None
        report = await run_pilot(runtime.engine, study, ReplayAnswerer(load_transcripts(data)), 2)
        terse = next(r for r in report.interviews if r.source == "replay t2")
        assert "trust" in terse.missed_must
        assert "Budget ran out before the must topics" in markdown(report)
        assert f"interview {terse.number}: " in markdown(report)


async def test_claude_personas_answer_a_claude_interviewer(sqlite_url: str, study_dir: Path) -> None:
    """Both sides talk to the fake Messages API: the interviewer's tool and the persona's tool."""
    topics = ["tasks", "trust", "future"]
    asked: list[str] = []

    def respond(body: dict) -> dict:
        if "move" not in schema_of(body)["properties"]:  # the persona's reply, not the interviewer's move
            return {"message": "Last week I used it to draft a report, then fixed the numbers by hand."}
        if len(asked) < len(topics):
            asked.append(topics[len(asked)])
            return {
                "message": f"Tell me about {asked[-1]}.",
                "move": "ask" if len(asked) == 1 else "transition",
                "topic_id": asked[-1],
                "covered_topics": asked[:-1],
                "flags": [],
            }
        return {
            "message": "Thanks!",
            "move": "close",
            "topic_id": None,
            "covered_topics": topics,
            "flags": [],
        }

    async with FakeAnthropic() as fake:
        fake.responder = respond
        client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.base_url, max_retries=0)
        settings = settings_for(sqlite_url, study_dir)
        async with start_runtime(settings, ClaudeInterviewer(settings, client=client)) as runtime:
            study = runtime.catalog.get("pilot-study")
            assert study is not None
            personas = PersonaAnswerer(PlanningClaude(settings, client=client), study)
            report = await run_pilot(runtime.engine, study, personas, 1)
            assert report.interviews[0].source == "persona terse"
            assert report.interviews[0].covered == topics
            persona_calls = [
                r.body for r in fake.message_requests if "move" not in schema_of(r.body)["properties"]
            ]
            assert len(persona_calls) == 3 and "terse" in persona_calls[0]["system"][0]["text"]
            await client.close()


async def test_pilot_command_interviews_the_researcher_in_their_dm(
    database_url: str, study_dir: Path
) -> None:
    """Researchers only; the pilot interview is marked, runs under REQUIRE_APPROVAL, and is not counted."""
    import io

    from adapters.console import ConsoleSender
    from bot.commands.registry import execute
    from bot.messages import Address

    researcher, organizer = Address("slack", "T1", "URESEARCH"), Address("slack", "T1", "UORGANIZER")
    async with start_runtime(settings_for(database_url, study_dir, require_approval=True)) as runtime:
        sender = ConsoleSender(io.StringIO())
        runtime.engine.register_sender("slack", sender)
        refused = await execute(runtime.engine, organizer, "pilot pilot-study")
        assert "only its researchers can pilot it" in refused and "slack:UORGANIZER" in refused
        assert (await execute(runtime.engine, researcher, "pilot")) == "Usage: `/interviewer pilot <study>`"
        assert "no study `nope`" in await execute(runtime.engine, researcher, "pilot nope")
        reply = await execute(runtime.engine, researcher, "pilot pilot-study")
        await runtime.engine.drain()
        assert "Starting a pilot interview of *Tools at work* (plan v1)" in reply
        assert sender.last is not None and sender.last.prompt == "consent"
        assert sender.last.to == researcher
        async with runtime.store.session() as s:
            rows = (await s.exec(select(Interview))).all()
        assert [(r.pilot, r.state) for r in rows] == [(True, "awaiting_consent")]
        assert "0 interview(s)" in await execute(runtime.engine, researcher, "status pilot-study")
