"""A participant is not left in silence while Claude is slow: `interviewer demo` with the Claude
interviewer against the fake Messages API, one answer delayed and one rate-limited with a retry-after
(which the SDK waits out however long it is)."""

from __future__ import annotations

from pathlib import Path

from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.claude_interviewer import move
from tests.support.helpers import run_interviewer
from tests.support.paths import ROOT

WAIT = "Give me a moment"
DEMO = ("demo", "--study", "ai-at-work", "--interviewer", "claude")


def _env(fake: FakeAnthropic, tmp_path: Path, **settings: str) -> dict[str, str]:
    """A demo with the Claude interviewer against `fake`, told to wait after 1 s."""
    return {
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": fake.base_url,
        "CLAUDE_WAIT_NOTICE_SECONDS": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "COALESCE_SECONDS": "0",
        "STUDIES_DIR": str(ROOT / "studies"),
        **settings,
    }


async def test_a_slow_or_rate_limited_question_is_announced_once_then_asked(tmp_path: Path) -> None:
    async with FakeAnthropic() as fake:
        fake.responder = move
        fake.fail_next("slow", delay=4.0)  # the first question: an answer that takes 4 s
        fake.fail_next("rate_limit", retry_after=3)  # the second: a 429 asking to come back in 3 s
        env = _env(fake, tmp_path, ANTHROPIC_MAX_RETRIES="2")
        code, out, err = await run_interviewer(tmp_path, *DEMO, env=env, seconds=120)
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.strip()]
    waits = [i for i, line in enumerate(lines) if WAIT in line]
    assert len(waits) == 2, out  # once per slow question, never twice for one
    for i in waits:  # each notice is followed by the question it announced, not by another notice
        assert "Could you tell me about" in lines[i + 1] or "What about" in lines[i + 1], out
    assert "completed" in out.lower(), out
    assert len(fake.message_requests) >= 4  # the 429 was asked again, after its retry-after


async def test_a_question_that_times_out_after_its_notice_is_not_announced_again(tmp_path: Path) -> None:
    async with FakeAnthropic() as fake:
        fake.responder = move
        fake.fail_next("slow", delay=5.0, times=2)  # the first question times out, and so does its retry
        env = _env(fake, tmp_path, ANTHROPIC_MAX_RETRIES="1", ANTHROPIC_TIMEOUT_SECONDS="2")
        code, out, err = await run_interviewer(tmp_path, *DEMO, env=env, seconds=120)
    assert code == 2 and "Claude did not answer" in err, err  # the demo stops at an outage
    assert out.count(WAIT) == 1, out  # told at 1 s; the outage that followed found it already sent


async def test_a_plan_draft_that_thinks_longer_than_the_interviews_time_limit_is_waited_for(
    tmp_path: Path,
) -> None:
    """ANTHROPIC_TIMEOUT_SECONDS bounds an interview move; a request that may think and write a whole study
    file gets the time its max_tokens needs (the SDK's hour per 128,000 tokens, at most 10 minutes), so a
    draft that takes longer than the setting is not cut off and asked again."""
    from tests.studies.test_planning import drafted_study

    async with FakeAnthropic() as fake:
        fake.push_tool_use(drafted_study())
        fake.fail_next("slow", delay=2.5)
        env = _env(fake, tmp_path, ANTHROPIC_MAX_RETRIES="0", ANTHROPIC_TIMEOUT_SECONDS="1")
        args = ("plan", "draft", "--goal", "Learn how teachers mark with AI.", "--audience", "teachers")
        code, out, err = await run_interviewer(tmp_path, *args, "--out", "marking.yaml", env=env, seconds=60)
    assert code == 0, err
    assert "wrote Claude's draft to marking.yaml" in out and (tmp_path / "marking.yaml").exists()
    assert len(fake.message_requests) == 1  # answered after 2.5 s, not timed out at 1 s
