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
