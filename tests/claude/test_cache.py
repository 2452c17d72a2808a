"""The prompt cache's TTL follows the participant's pace, read from the interview and, before its first
answer, from how fast they answered the consent and screening prompts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from bot.claude.cache import choose_ttl, reply_gaps
from bot.interviewer.claude import ClaudeInterviewer
from bot.storage.models import ConsentRecord
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.claude_interviewer import move
from tests.support.helpers import Console, settings_for, start_runtime

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def marks(body: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = list(body["system"]) + [b for m in body["messages"] for b in m["content"]]
    return [b["cache_control"] for b in blocks if "cache_control" in b]


def test_consent_and_screening_answers_count_as_replies_before_the_interview_ones():
    answered = (at(0), at(180), at(300))  # consent, release, screening: one reply each 2-3 hours apart
    turns = [("interviewer", at(300.1)), ("participant", at(301.1))]
    assert reply_gaps([], answered) == [180 * 60, 120 * 60]
    assert reply_gaps(turns, answered) == [180 * 60, 120 * 60, 60]


def test_first_move_ttl_comes_from_the_pace_of_the_screening_answers():
    hours = reply_gaps([], (at(0), at(150), at(400)))
    assert choose_ttl("auto", hours) is None  # a write nobody reads would cost more than no caching
    assert choose_ttl("auto", reply_gaps([], (at(0), at(20), at(45)))) == "1h"
    assert choose_ttl("auto", reply_gaps([], (at(0), at(0.5), at(1)))) == "5m"
    assert choose_ttl("auto", reply_gaps([], (at(0),))) == "5m"  # consent only: it was just answered
    assert choose_ttl("5m", hours) == "5m" and choose_ttl("off", []) is None


def test_latest_three_replies_outweigh_the_screening_pace():
    slow_screening = reply_gaps([], (at(0), at(200), at(400)))
    fast_interview = slow_screening + [30.0, 45.0, 20.0]
    assert choose_ttl("auto", fast_interview) == "5m"
    assert choose_ttl("auto", slow_screening + [30.0]) is None  # median of 200 min, 200 min, 30 s


async def _first_request(url: str, study_dir: Path, hours_between_answers: float) -> dict[str, Any]:
    async with FakeAnthropic() as fake:
        fake.responder = move
        settings = settings_for(
            url,
            study_dir,
            anthropic_api_key="k",
            anthropic_base_url=fake.base_url,
            anthropic_max_retries=0,
        )
        async with start_runtime(settings, ClaudeInterviewer(settings)) as runtime:
            c = Console(runtime)
            for text in ("hi", "1", "1"):  # consent prompt, consent, release
                await c.say(text)
            if hours_between_answers:  # as if consent and release had been answered hours apart
                earlier = datetime.now(UTC) - timedelta(hours=hours_between_answers)
                async with runtime.store.session() as s:
                    for kind, when in (
                        ("participation", earlier - timedelta(hours=hours_between_answers)),
                        ("release", earlier),
                    ):
                        moved = update(ConsentRecord).where(col(ConsentRecord.kind) == kind)
                        await s.exec(moved.values(created_at=when))  # type: ignore[call-overload]
                    await s.commit()
            await c.say("1")  # the screening answer: the interview's first move is asked for now
            assert c.texts[-1] == "Could you tell me about tasks?"
            return fake.message_requests[0].body


async def test_a_participant_answering_hours_apart_gets_no_cache_mark_on_the_first_move(
    database_url, study_dir
):
    body = await _first_request(database_url, study_dir, hours_between_answers=3)
    assert marks(body) == []


async def test_a_participant_answering_quickly_gets_five_minute_marks_on_the_first_move(
    sqlite_url, study_dir
):
    body = await _first_request(sqlite_url, study_dir, hours_between_answers=0)
    assert marks(body) and all(m == {"type": "ephemeral", "ttl": "5m"} for m in marks(body))
