"""Billed input cost of one Claude-led interview of the bundled ai-at-work study, at three paces.

The participant answers every prompt at the pace, the consent and screening ones included (they
are what the first move's cache TTL is chosen from). The real `ClaudeInterviewer` talks to the fake Messages API, whose prompt cache follows the documented
rules (minimum cacheable length, 5-minute and 1-hour TTLs from the last use) on a simulated clock, so
hours can pass in a second. For each pace the interview is replayed turn by turn and three input costs
are priced with the default model's row of the capability table:
- billed: what the API's usage says (uncached input, 5m/1h cache writes, cache reads);
- lower bound: every new token sent once at the base input price (a request's tokens minus the prefix
  it shares with the request before it);
- no caching: every token of every request at the base price.
Targets: billed <= 1.6x the lower bound at the fast pace, and never above no caching.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.claude.models import spec_for
from bot.claude.usage import Spent, input_cost
from bot.interview.moves import Guidance, TopicState
from bot.interviewer.base import InterviewContext, Turn
from bot.interviewer.claude import ClaudeInterviewer
from bot.pilot.demo import ANSWERS
from bot.settings import Settings
from bot.studies.study import Study, load_study
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.anthropic_model import prompt_blocks, tokens
from tests.support.fakes.claude_interviewer import move

ROOT = Path(__file__).resolve().parent.parent
PACES = {  # seconds between a question and the participant's answer
    "within 1 minute": (10, 60),
    "5-60 minutes apart": (5 * 60, 60 * 60),
    "hours apart": (2 * 3600, 8 * 3600),
}
MODEL = Settings.model_fields["anthropic_model"].default


def _shared_tokens(before: dict, after: dict) -> int:
    old, _ = prompt_blocks(before)
    new, _ = prompt_blocks(after)
    shared = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        shared += tokens(a)
    return shared


def _answers_before(
    study: Study, rng: random.Random, pace: tuple[int, int], start: datetime
) -> tuple[datetime, ...]:
    """When the consent, release and screening prompts were answered, at the participant's pace, the
    last one at `start` (it is what makes the first move due)."""
    prompts = 1 + bool(study.consent.release_question) + len(study.screening)
    times = [start]
    for _ in range(prompts - 1):
        times.insert(0, times[0] - timedelta(seconds=rng.uniform(*pace)))
    return tuple(times)


async def interview(pace: tuple[int, int], seed: int = 7) -> tuple[float, float, float, int]:
    """(billed, lower bound, no caching) input USD for one interview at `pace`, and its request count."""
    study = load_study(ROOT / "studies" / "ai-at-work.yaml")
    rng, clock = random.Random(seed), [0.0]
    topics = [t.id for t in study.plan.topics]
    budget = study.plan.budget.max_questions
    async with FakeAnthropic() as fake:
        fake.responder = move
        fake.clock = lambda: clock[0]
        claude = ClaudeInterviewer(api_key="bench", base_url=fake.base_url, model=MODEL, max_retries=0)
        start, turns = datetime(2026, 1, 1, tzinfo=UTC), []
        answered = _answers_before(study, rng, pace, start)
        try:
            for n in range(budget):
                current = topics[min(n - 1, len(topics) - 1)] if n else None
                following = topics[min(n, len(topics) - 1)]
                guidance = Guidance(current, False, following, n == budget - 1, budget - n, 15.0 - n)
                states = tuple(TopicState(t, asked=i < n, covered=i < n - 1) for i, t in enumerate(topics))
                context = InterviewContext(
                    study, tuple(turns), states, guidance, {"occupation": "Writer"}, answered_before=answered
                )
                result = await claude.next_move(context)
                asked_at = start + timedelta(seconds=clock[0])
                gap = rng.uniform(*pace)
                clock[0] += gap
                answer_at = asked_at + timedelta(seconds=gap)
                turns += [
                    Turn("interviewer", result.text, asked_at),
                    Turn("participant", ANSWERS[n % len(ANSWERS)], answer_at),
                ]
        finally:
            await claude.aclose()
        bodies = [r.body for r in fake.message_requests]
        usages = list(fake.usages)
    spec = spec_for(MODEL)
    billed = Spent()
    for usage in usages:
        billed.add(usage)
    totals = [
        u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"] for u in usages
    ]
    shared = [0] + [_shared_tokens(a, b) for a, b in zip(bodies, bodies[1:], strict=False)]
    base = spec.prices.input / 1e6
    lower = sum(max(t - s, 0) for t, s in zip(totals, shared, strict=True)) * base
    return input_cost(billed, spec), lower, sum(totals) * base, len(bodies)


async def main() -> None:
    print(f"Claude prompt caching: billed input cost of one ai-at-work interview ({MODEL}, cache TTL auto)")
    for name, pace in PACES.items():
        billed, lower, uncached, requests = await interview(pace)
        print(
            f"  replies {name:<20} {requests:>2} requests  billed ${billed:.4f}  "
            f"{billed / lower:.2f}x the lower bound (${lower:.4f})  {billed / uncached:.2f}x no caching (${uncached:.4f})"
        )


if __name__ == "__main__":
    import asyncio

    asyncio.run(main())
