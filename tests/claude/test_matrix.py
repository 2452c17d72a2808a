"""Every Claude use, against every model of the capability table, through the fake Messages API in strict
mode: a whole interview through `interviewer demo`, plan draft and critique, a Claude-persona pilot, and
the Claude analysis (facets, theme naming, coding, profiles), individually and through Message Batches.

On the default model these would fail with forced tool choice (a 400 on Claude Sonnet 5.5); the fake
rejects whatever the model's row and the API docs say the model rejects, and every test checks that it
rejected nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest

from bot.analysis.claude.toolkit import toolkit
from bot.analysis.model import Code, Doc, Segment, Theme
from bot.claude.models import current_models, spec_for
from bot.interviewer.claude import ClaudeInterviewer
from bot.pilot.run import PersonaAnswerer, run_pilot
from bot.settings import Settings
from bot.studies.planning.claude import PlanningClaude
from bot.studies.planning.draft import Brief, draft_with_claude
from bot.studies.planning.review import critique
from bot.studies.study import parse_study
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.claude_analyst import analyst, schema_of
from tests.support.fakes.claude_interviewer import move
from tests.support.helpers import run_interviewer, settings_for, small_study, start_runtime
from tests.support.paths import ROOT

README_DEFAULT = Settings.model_fields["anthropic_model"].default
MODELS = sorted({*current_models(), README_DEFAULT})


def test_the_readme_default_is_in_the_table_and_the_readme_says_so():
    assert README_DEFAULT in current_models()
    assert f"`{README_DEFAULT}`" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic(batch_polls=1) as server:
        yield server
        assert server.rejections == [], server.rejections  # strict: nothing the model would refuse


def client_for(fake: FakeAnthropic) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(api_key="k", base_url=fake.base_url, max_retries=0)


EFFORT_LIMITED = sorted(
    m for m in MODELS if "disabled" in spec_for(m).thinking and spec_for(m).disabled_max_effort
)


def test_the_models_that_refuse_thinking_disabled_above_an_effort():
    """whats-new-opus-5 and whats-new-haiku-5-5: "disabled" is accepted at effort high or below only."""
    limits = {m: spec_for(m).disabled_max_effort for m in EFFORT_LIMITED}
    assert limits == {"claude-haiku-5-5": "high", "claude-opus-5": "high"}


@pytest.mark.parametrize(
    ("model", "effort"),
    [(m, "low") for m in MODELS] + [(m, "max") for m in EFFORT_LIMITED],
)
async def test_a_whole_interview_through_the_started_demo(fake, model, effort, tmp_path):
    """At the default effort (low), and at the highest, where some models refuse thinking "disabled"."""
    fake.responder = move
    env = {
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": fake.base_url,
        "ANTHROPIC_MODEL": model,
        "ANTHROPIC_EFFORT": effort,
        "ANTHROPIC_MAX_RETRIES": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "COALESCE_SECONDS": "0",
        "STUDIES_DIR": str(ROOT / "studies"),
    }
    args = ("demo", "--study", "ai-at-work", "--interviewer", "claude")
    code, out, err = await run_interviewer(tmp_path, *args, env=env, seconds=120)
    assert code == 0, err
    asked = [line for line in out.splitlines() if "Could you tell me about" in line or "What about" in line]
    assert len(asked) >= 3, out  # Claude's questions reached the transcript
    assert "state: completed" in out.lower() or "completed" in out.lower(), out
    bodies = [r.body for r in fake.message_requests]
    assert bodies and all(b["model"] == model and "tool_choice" not in b for b in bodies)


@pytest.mark.parametrize("model", MODELS)
async def test_plan_draft_and_critique(fake, model, tmp_path):
    data = small_study()
    drafted = {key: data[key] for key in ("audience", "research_goal", "hypotheses", "consent", "screening")}
    drafted |= {"title": "AI at work", "plan": data["plan"], "support": data["support"], "invitation": "Hi!"}
    fake.push_tool_use(drafted)
    fake.push_tool_use({"findings": [{"where": "plan.intro", "problem": "long", "suggestion": "shorten"}]})
    client = client_for(fake)
    claude = PlanningClaude(settings_for("sqlite:///x", tmp_path, anthropic_model=model), client=client)
    try:
        brief = Brief("drafted", goal="Learn how people use tools.", audience="office workers")
        study, _ = await draft_with_claude(brief, claude, "drafted.yaml")
        findings = await critique(parse_study(small_study(), "s.yaml"), claude)
    finally:
        await client.close()
    assert study.id == "drafted" and [f.where for f in findings] == ["plan.intro"]


@pytest.mark.parametrize("model", MODELS)
async def test_a_claude_persona_pilot(fake, model, sqlite_url, study_dir):
    def respond(body: dict[str, Any]) -> dict[str, Any]:
        if "move" in schema_of(body)["properties"]:
            return move(body)
        return {"message": "Last week I used it to draft a report, then fixed the numbers by hand."}

    fake.responder = respond
    client = client_for(fake)
    settings = settings_for(sqlite_url, study_dir, anthropic_model=model)
    async with start_runtime(settings, ClaudeInterviewer(settings, client=client)) as runtime:
        study = runtime.catalog.get("pilot-study")
        assert study is not None
        report = await run_pilot(
            runtime.engine, study, PersonaAnswerer(PlanningClaude(settings, client=client), study), 1
        )
        await client.close()
    [result] = report.interviews
    assert result.state in ("surveying", "completed") and result.covered


CODEBOOK = [Code("stigma", "Stigma", "Hides AI use.", examples=["hide my use of AI"])]
DOCS = [
    Doc(
        code=f"d-{n}",
        group={},
        segments=[Segment(f"d-{n}", 0, "How do you use AI?", "I hide my use of AI from my manager.")],
    )
    for n in range(3)
]


@pytest.mark.parametrize("batched", [False, True], ids=["individual", "batches"])
@pytest.mark.parametrize("model", MODELS)
async def test_the_claude_analysis(fake, model, batched):
    fake.responder = fake.batch_responder = analyst
    values = {
        "anthropic_api_key": "k",
        "anthropic_base_url": fake.base_url,
        "anthropic_model": model,
        "anthropic_max_retries": 0,
        "analysis_batch_threshold": 1 if batched else 50,
        "analysis_batch_poll_seconds": 0.01,
    }
    kit = toolkit(Settings(_env_file=None, **values))  # type: ignore[call-arg]
    facets = await kit.facets.facets(DOCS)
    coded = await kit.coder.code(DOCS, CODEBOOK)
    emotions = await kit.emotions.rate(DOCS)
    theme = Theme("t1", "keywords", "", 3, 3)
    [named] = await kit.namer.name([theme], {"t1": facets}, {"t1": []})
    assert len(facets) == 3 and all(a.present for a in coded) and len(emotions) == 12
    assert named.name.endswith("concerns")
    assert bool(fake.batch_requests) is batched
