"""The started bot (`interviewer demo` with the Claude interviewer) against the fake Messages API answering
in each documented way that is not a plain reply: account errors, long rate limits, replies cut off.

Each case rests on https://platform.claude.com/docs/en/api/errors (status codes, error shapes, spend
limits and caps, the request-id header), https://platform.claude.com/docs/en/api/rate-limits (429 with
retry-after) or https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons (max_tokens and
model_context_window_exceeded replies are truncated).
"""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.claude_interviewer import move
from tests.support.helpers import run_interviewer
from tests.support.paths import ROOT

DEMO = ("demo", "--study", "ai-at-work", "--interviewer", "claude")
KEY = "sk-ant-e2e-secret-key-0123456789"
STOPPED = "Claude did not answer"
HALF = "HALF-CUT so tell me, when did you last"  # a question cut off mid-sentence


def _env(fake: FakeAnthropic, tmp_path: Path, **settings: str) -> dict[str, str]:
    return {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": fake.base_url,
        "ANTHROPIC_MAX_RETRIES": "2",
        "CLAUDE_WAIT_NOTICE_SECONDS": "30",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "COALESCE_SECONDS": "0",
        "STUDIES_DIR": str(ROOT / "studies"),
        **settings,
    }


async def _demo(fake: FakeAnthropic, tmp_path: Path, **settings: str) -> tuple[int, str, str]:
    return await run_interviewer(tmp_path, *DEMO, env=_env(fake, tmp_path, **settings), seconds=90)


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("spend_cap", "monthly spend cap"),  # 429 without retry-after: not a rate limit
        ("spend_limit", "raise or remove it in the Console"),  # 400 spend limit, not a bad request
        ("billing", "payment details"),  # 402 billing_error
    ],
)
async def test_an_account_refusal_is_not_retried_and_says_what_to_fix(tmp_path, fault, said):
    """Retrying cannot lift a spend cap, a spend limit or a billing problem: one request, then the
    researcher reads what to change (with the request id support asks for), and the key is never shown."""
    async with FakeAnthropic() as fake:
        fake.responder = move
        fake.fail_next(fault)
        started = time.monotonic()
        code, out, err = await _demo(fake, tmp_path)
        took = time.monotonic() - started
        asked = len(fake.message_requests)
    assert code == 2 and STOPPED in err, err
    assert asked == 1, err  # neither the SDK nor the bot asked again
    assert said in err and "req_fake" in err, err
    assert "does not accept the request the bot sends" not in err, err
    assert "Nothing you said is lost" in out, out  # the participant is told, kindly
    assert KEY not in out + err
    assert took < 60


async def test_a_rate_limit_longer_than_a_minute_is_not_waited_out_inside_the_call(tmp_path):
    """The SDK would sleep the whole retry-after (here 10 minutes) inside one call; the bot hands the wait
    to the engine instead, which schedules the next try no sooner than the API asked."""
    async with FakeAnthropic() as fake:
        fake.responder = move
        fake.fail_next("rate_limit", retry_after=600)
        started = time.monotonic()
        code, _out, err = await _demo(fake, tmp_path)
        took = time.monotonic() - started
        asked = len(fake.message_requests)
    assert code == 2 and STOPPED in err, err
    assert asked == 1 and took < 60, err
    with sqlite3.connect(tmp_path / "demo.db") as db:
        due, at = db.execute(
            "SELECT i.move_due_at, c.created_at FROM interviews i JOIN claude_incidents c "
            "ON c.interview_id = i.id WHERE c.kind = 'outage'"
        ).fetchone()
    wait = (datetime.fromisoformat(due) - datetime.fromisoformat(at)).total_seconds()
    assert 599 <= wait <= 601, (due, at)


@pytest.mark.parametrize("fault", ["timeout", "overloaded", "api_error", "rate_limit"])
async def test_a_passing_server_error_is_retried_and_the_interview_goes_on(tmp_path, fault):
    """504 timeout_error, 529, 500 and a 429 with a short retry-after: the SDK asks again."""
    async with FakeAnthropic() as fake:
        fake.responder = move
        fake.fail_next(fault, retry_after=0.2)
        code, out, err = await _demo(fake, tmp_path)
    assert code == 0, err
    assert "completed" in out.lower(), out


async def test_a_reply_cut_off_at_max_tokens_is_never_shown_even_when_it_parses(tmp_path):
    """A max_tokens reply is truncated whatever it holds: asked again with twice the room."""
    async with FakeAnthropic() as fake:
        fake.responder = move
        fake.push_stop(
            "max_tokens",
            {"message": HALF, "move": "ask", "topic_id": None, "covered_topics": [], "flags": []},
        )
        code, out, err = await _demo(fake, tmp_path)
        first, second = (r.body["max_tokens"] for r in fake.message_requests[:2])
    assert code == 0, err
    assert "HALF-CUT" not in out, out
    assert "Could you tell me about" in out, out
    assert second == 2 * first


async def test_a_reply_that_filled_the_context_window_is_never_shown_nor_asked_again(tmp_path):
    """model_context_window_exceeded: truncated, and more room cannot help; the fix names the model."""
    async with FakeAnthropic() as fake:
        fake.responder = move
        fake.push_stop(
            "model_context_window_exceeded",
            {"message": HALF, "move": "ask", "topic_id": None, "covered_topics": [], "flags": []},
        )
        code, out, err = await _demo(fake, tmp_path)
        asked = len(fake.message_requests)
    assert code == 2 and STOPPED in err, err
    assert "HALF-CUT" not in out, out
    assert asked == 1, err
    assert "context window" in err and "ANTHROPIC_MODEL" in err, err
