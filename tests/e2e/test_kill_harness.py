"""Kill-at-random, a few times per test run (`make bench` does it 200 times): `interviewer chat` is
SIGKILLed at random moments, restarted and answered until every interview is finished."""

from __future__ import annotations

from pathlib import Path

from bench.kill_harness import run_harness


def test_random_kills_lose_nothing_and_never_deliver_late_or_out_of_order(tmp_path: Path) -> None:
    figures = run_harness(10, tmp_path, seed=1616, per_participant=5)
    assert figures.kills == 10 and figures.completed == figures.participants == 2, figures.text()
    assert figures.problems == [], figures.problems
    assert (figures.lost, figures.out_of_order, figures.set_aside, figures.unsent) == (0, 0, 0, 0)
    # duplicates are allowed only in the window no platform closes, and then as the first thing the next
    # session shows (the checker counts nothing else as a duplicate)
    assert figures.duplicates <= figures.kills
