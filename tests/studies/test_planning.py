"""Planning: drafting a study, reviewing its plan, approving versions and refusing unapproved ones."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import anthropic
import pytest
import yaml
from sqlmodel import select

from bot.errors import InterviewerUnavailable
from bot.runtime import Runtime
from bot.storage.models import Interview
from bot.studies.planning import approval
from bot.studies.planning.claude import PlanningClaude
from bot.studies.planning.draft import Brief, draft_template, draft_with_claude, slug_for
from bot.studies.planning.review import review
from bot.studies.study import load_study, parse_study
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.helpers import Console, settings_for, small_study, start_runtime, write_study
from tests.support.paths import STUDIES

BRIEF = Brief(
    "marking",
    goal="Learn how secondary teachers use AI when marking students' work.",
    audience="Secondary school teachers",
    hypotheses=["Teachers who mark with AI feel uneasy telling colleagues about it."],
    minutes=12,
)


def drafted_study() -> dict[str, Any]:
    """What Claude would send through the write_study tool."""
    data = small_study()
    return {
        "title": "AI and marking",
        "audience": data["audience"],
        "research_goal": data["research_goal"],
        "hypotheses": data["hypotheses"],
        "consent": data["consent"],
        "screening": data["screening"],
        "plan": data["plan"],
        "extra_survey": [{"id": "usefulness", "question": "How useful is AI for marking?", "kind": "scale7"}],
        "support": data["support"],
        "invitation": "Would you talk with an AI interviewer about marking for ten minutes?",
    }


# ---- drafting ------------------------------------------------------------------------------------


async def test_claude_draft_through_the_messages_api_is_a_valid_study(tmp_path: Path) -> None:
    async with FakeAnthropic() as fake:
        fake.push_tool_use(drafted_study())
        client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.base_url, max_retries=0)
        claude = PlanningClaude(settings_for("sqlite:///x", tmp_path), client=client)
        study, text = await draft_with_claude(BRIEF, claude, "studies/marking.yaml")
        request = fake.message_requests[0].body
        await client.close()
    assert "tool_choice" not in request  # forcing a tool is a 400 on the default model
    assert "plan" in request["output_config"]["format"]["schema"]["properties"]
    assert request["thinking"] == {"type": "adaptive"}  # drafting may think
    assert "Secondary school teachers" in request["messages"][0]["content"]
    assert study.id == "marking"
    assert [i.id for i in study.survey] == ["satisfaction", "captured", "recommend", "usefulness"]
    path = tmp_path / "marking.yaml"
    path.write_text(text)
    assert load_study(path).plan_hash == study.plan_hash


async def test_an_invalid_claude_draft_is_sent_back_once_with_its_problems(tmp_path: Path) -> None:
    bad = drafted_study()
    bad["plan"] = copy.deepcopy(bad["plan"])
    bad["plan"]["topics"][0]["priority"] = "urgent"
    async with FakeAnthropic() as fake:
        fake.push_tool_use(bad)
        fake.push_tool_use(drafted_study())
        client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.base_url, max_retries=0)
        claude = PlanningClaude(settings_for("sqlite:///x", tmp_path), client=client)
        study, _ = await draft_with_claude(BRIEF, claude, "marking.yaml")
        retry = fake.message_requests[1].body["messages"][0]["content"]
        assert "plan.topics[0].priority: 'urgent' is not one of must, should, could" in retry
        assert study.plan.topics[0].priority == "must"

        fake.push_tool_use(bad)
        fake.push_tool_use(bad)
        with pytest.raises(InterviewerUnavailable, match="did not validate twice"):
            await draft_with_claude(BRIEF, claude, "marking.yaml")
        await client.close()


@pytest.mark.parametrize("hypotheses", [[], BRIEF.hypotheses, [f"Hypothesis number {i}." for i in range(6)]])
def test_template_draft_validates_and_carries_the_brief(hypotheses: list[str], tmp_path: Path) -> None:
    brief = Brief("marking", BRIEF.goal, BRIEF.audience, hypotheses, 10)
    study, text = draft_template(brief, "marking.yaml")
    path = tmp_path / "marking.yaml"
    path.write_text(text)
    assert load_study(path) == study
    assert study.research_goal == BRIEF.goal and study.hypotheses == hypotheses
    assert study.plan.budget.minutes == 10
    assert "# TODO" in text
    assert {h.split(": ", 1)[-1] for h in (t.goal for t in study.plan.topics)} >= set(hypotheses)
    # six hypotheses do not fit ten minutes, and the review says so rather than dropping some
    assert [f.where for f in review(study)] == (["plan.budget.minutes"] if len(hypotheses) > 2 else [])


def test_slug_for_file_names() -> None:
    assert slug_for("My New Study") == "my-new-study"
    assert slug_for("???") == "new-study"


# ---- review --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(STUDIES.glob("*.yaml")), ids=lambda p: p.stem)
def test_review_is_quiet_on_the_bundled_studies(path: Path) -> None:
    assert review(load_study(path)) == []


def good_study(**overrides: Any) -> dict[str, Any]:
    """The helpers' small study with a hypothesis its topics address."""
    return small_study(
        **{"hypotheses": ["People use tools for routine tasks but check the output."], **overrides}
    )


def _with_topic(study: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    study = copy.deepcopy(study)
    study["plan"]["topics"][index].update(changes)
    return study


BAD_PLANS = {
    "leading": (
        _with_topic(good_study(), 0, question="Don't you think the tools make work easier?"),
        "plan.topics[0] (tasks).question",
        "leading",
    ),
    "how much do you love": (
        _with_topic(good_study(), 1, probes=["How much do you love checking its output?"]),
        "plan.topics[1] (trust).probes[0]",
        "leading",
    ),
    "yes/no": (
        _with_topic(good_study(), 0, question="Do you use tools for drafting?"),
        "plan.topics[0] (tasks).question",
        "yes/no",
    ),
    "do you think": (
        _with_topic(good_study(), 2, question="Do you think your role will change?"),
        "plan.topics[2] (future).question",
        "yes/no",
    ),
    "two question marks": (
        _with_topic(good_study(), 0, question="Which tools do you use? Which do you avoid?"),
        "plan.topics[0] (tasks).question",
        "double-barrelled",
    ),
    "and joins two asks": (
        _with_topic(good_study(), 1, question="What do you check and how do you feel about it?"),
        "plan.topics[1] (trust).question",
        "double-barrelled",
    ),
    "jargon": (
        _with_topic(good_study(), 0, question="How do you leverage synergies across workflows?"),
        "plan.topics[0] (tasks).question",
        "jargon",
    ),
    "over budget": (
        {**good_study(), "plan": {**good_study()["plan"], "budget": {"minutes": 3, "max_questions": 8}}},
        "plan.budget.minutes",
        "more than the 3 min budget",
    ),
    "must topics exceed max questions": (
        _with_topic(good_study(), 0, max_followups=6),
        "plan.budget.max_questions",
        "more than max_questions",
    ),
    "hypothesis not addressed": (
        good_study(hypotheses=["Salary negotiations favour extroverts."]),
        "hypotheses[0]",
        "no topic addresses",
    ),
    "goal not addressed": (
        good_study(research_goal="Learn how people use software tools; pension savings behaviour"),
        "research_goal",
        "pension savings",
    ),
    "closing miscounts the survey": (
        {
            **good_study(),
            "plan": {**good_study()["plan"], "closing": "Thanks! Two quick rating questions follow."},
        },
        "plan.closing",
        "announces 'two quick rating questions' but the survey has 3",
    ),
    "consent promises far less time than the budget": (
        good_study(consent={"text": "It takes about 5 minutes. You may skip any question."}),
        "consent.text",
        "tells participants '5 minutes' while the plan's budget is 12 min",
    ),
    "intro promises far more time than the budget": (
        {**good_study(), "plan": {**good_study()["plan"], "intro": "This chat takes 20-30 minutes."}},
        "plan.intro",
        "'20-30 minutes'",
    ),
    "must after could": (
        {**good_study(), "plan": {**good_study()["plan"], "topics": good_study()["plan"]["topics"][::-1]}},
        "plan.topics[1] (trust).priority",
        "comes after could topic 'future'",
    ),
}


@pytest.mark.parametrize("name", list(BAD_PLANS))
def test_each_review_rule_fires_on_a_crafted_bad_plan(name: str) -> None:
    data, where, problem = BAD_PLANS[name]
    findings = review(parse_study(data, "bad.yaml"))
    assert any(f.where == where and problem in f.problem and f.suggestion for f in findings), findings


def test_review_is_quiet_on_a_good_plan() -> None:
    assert review(parse_study(good_study(), "good.yaml")) == []


def test_told_times_near_the_budget_and_other_languages_are_not_flagged() -> None:
    for text in (
        "It takes about 12 minutes.",
        "It takes 10-15 minutes.",
        "Allow 15 min or so.",
        "Ten minutes.",
    ):
        assert review(parse_study(good_study(consent={"text": text}), "ok.yaml")) == [], text
    plan = {**good_study()["plan"], "closing": "Thanks! Three quick rating questions follow."}
    assert review(parse_study({**good_study(), "plan": plan}, "ok.yaml")) == []
    german = good_study(language="de", consent={"text": "Es dauert etwa 5 minutes."})
    assert review(parse_study(german, "de.yaml")) == []


def test_polite_requests_are_not_yes_no_questions() -> None:
    data = _with_topic(good_study(), 0, question="Could you walk me through your last workday?")
    assert review(parse_study(data, "ok.yaml")) == []


# ---- approval and versions ------------------------------------------------------------------------


async def test_unapproved_plans_are_refused_and_edits_need_a_new_approval(
    database_url: str, study_dir: Path
) -> None:
    """With REQUIRE_APPROVAL, a participant of an unapproved study gets a polite refusal; pilots still run."""
    path = study_dir / "pilot-study.yaml"
    settings = settings_for(database_url, study_dir, require_approval=True)
    async with start_runtime(settings) as runtime:
        refused = Console(runtime, name="early")
        await refused.say("hello")
        assert refused.texts == [
            "Thank you for your interest! This study is not open yet; please try again later."
        ]
        async with runtime.store.session() as s:
            assert (await s.exec(select(Interview))).all() == []

        first = await approval.approve(runtime.store, path, "Dr Rivera")
        assert first.newly and first.version.version == 1 and first.version.approved_by == "Dr Rivera"
        again = await approval.approve(runtime.store, path, "Someone Else")
        assert not again.newly and again.version.approved_by == "Dr Rivera"

        welcome = Console(runtime, name="after")
        await welcome.say("hello")
        assert welcome.last is not None and welcome.last.prompt == "consent"

    # The researcher edits the approved file; on the next start the new version is not open yet.
    path.write_text(
        path.read_text().replace("Which tasks do you use tools for?", "Which tasks do you hand to tools?")
    )
    async with start_runtime(settings) as runtime:
        assert runtime.catalog.current("pilot-study").version == 2
        late = Console(runtime, name="late")
        await late.say("hello")
        assert "not open yet" in late.texts[0]
        rows = await approval.versions(runtime.store, "pilot-study")
        assert [(r.version, r.approved_by) for r in rows] == [(1, "Dr Rivera"), (2, None)]
        diff = approval.diff_versions(rows[0], rows[1])
        changed = [line for line in diff.splitlines() if line[:1] in "+-" and "question:" in line]
        assert [(c[0], c.split("question: ")[1]) for c in changed] == [
            ("-", "Which tasks do you use tools for?"),
            ("+", "Which tasks do you hand to tools?"),
        ]
        assert "pilot-study v1 (approved by Dr Rivera" in diff and "v2 (not approved)" in diff
        assert approval.diff_versions(rows[0], rows[0]) == ""

        await approval.approve(runtime.store, path, "Dr Rivera")
        now_open = Console(runtime, name="late2")
        await now_open.say("hello")
        assert now_open.last is not None and now_open.last.prompt == "consent"


async def test_without_require_approval_unapproved_studies_run(runtime: Runtime) -> None:
    console = Console(runtime)
    await console.say("hello")
    assert console.last is not None and console.last.prompt == "consent"


async def test_access_lists_do_not_make_a_new_version(sqlite_url: str, tmp_path: Path) -> None:
    directory = tmp_path / "s"
    directory.mkdir()
    path = write_study(directory)
    async with start_runtime(settings_for(sqlite_url, directory)) as runtime:
        await approval.approve(runtime.store, path, "lead")
        data = yaml.safe_load(path.read_text())
        data["researchers"].append("slack:UNEW")
        path.write_text(yaml.safe_dump(data))
        _, row = await approval.record(runtime.store, path)
        assert row.version == 1 and row.approved_by == "lead"


async def test_study_open_follows_approval_only_when_required(sqlite_url: str, study_dir: Path) -> None:
    """Invitation code asks `engine.study_open` before inviting anyone."""
    async with start_runtime(settings_for(sqlite_url, study_dir, require_approval=True)) as strict:
        assert not await strict.engine.study_open("pilot-study")
        await approval.approve(strict.store, study_dir / "pilot-study.yaml", "lead")
        assert await strict.engine.study_open("pilot-study")


async def test_claude_critique_comes_back_as_findings(tmp_path: Path) -> None:
    from bot.studies.planning.review import critique

    async with FakeAnthropic() as fake:
        fake.push_tool_use(
            {
                "findings": [
                    {
                        "where": "plan.topics[2].question",
                        "problem": "asks people to predict rather than recall",
                        "suggestion": "Ask what has already changed in the last year.",
                    },
                    {"where": "x"},  # no problem given: dropped
                ]
            }
        )
        client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.base_url, max_retries=0)
        claude = PlanningClaude(settings_for("sqlite:///x", tmp_path), client=client)
        findings = await critique(parse_study(good_study(), "good.yaml"), claude)
        body = fake.message_requests[0].body
        await client.close()
    assert "tool_choice" not in body and "findings" in body["output_config"]["format"]["schema"]["properties"]
    assert "Which tasks do you use tools for?" in body["messages"][0]["content"]
    assert "slack:URESEARCH" not in body["messages"][0]["content"]  # access lists stay home
    assert [(f.where, f.source) for f in findings] == [("plan.topics[2].question", "claude")]


def test_invitation_refusal_names_the_version_and_the_fix() -> None:
    text = approval.invitation_refusal("pilot-study", 3)
    assert "plan v3 is not approved" in text and "interviewer plan approve" in text
