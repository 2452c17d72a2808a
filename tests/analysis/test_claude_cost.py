"""The cost estimate shown before a paid Claude analysis: tokens counted from characters, priced per
model from the capability table, at the long-prompt rate where a model has one, with each request's
instructions (which carry the cache mark) priced as a 5-minute cache write, 1.25 times input."""

from __future__ import annotations

import pytest

from bot.analysis.claude.cost import price, rules_tokens
from bot.analysis.claude.toolkit import toolkit
from bot.analysis.model import Doc, Segment
from tests.support.claude_analysis import CODEBOOK, docs, settings


async def test_estimate_counts_characters_as_tokens_and_prices_by_model(fake):
    kit = toolkit(settings(fake, anthropic_model="claude-sonnet-4-6"))
    corpus = docs() + [Doc(code=f"x-{n}", segments=[Segment(f"x-{n}", 0, "Q?", "fine")]) for n in range(4)]
    estimate = kit.coder.estimate(corpus, CODEBOOK)
    # 10 interviews x (facets, coding, profile) + naming allowance of 5 themes; coding may think (1,500)
    assert estimate.requests == 35 and not estimate.batched
    assert estimate.output_tokens == 10 * (400 + 40 + 90 * 3 + 250 + 1500) + 5 * 80
    per_interview_in = estimate.input_tokens - 5 * 2000
    cached = 10 * sum(rules_tokens(CODEBOOK))  # written to the cache: $3.75 a million on Sonnet 4.6
    out = 10 * (400 + 40 + 90 * 3 + 250 + 1500)
    requests_usd = (per_interview_in - cached) * 3 + cached * 3.75 + out * 15
    assert estimate.usd == pytest.approx((requests_usd + 5 * (2000 * 3 + 80 * 15)) / 1e6)
    longer = corpus[0].segments[0]
    corpus[0].segments[0] = Segment("w-01", 0, longer.question, longer.answer + "x" * 600)  # +200 tokens x 3
    assert kit.coder.estimate(corpus, CODEBOOK).input_tokens == estimate.input_tokens + 600
    batched = toolkit(settings(fake, anthropic_model="claude-sonnet-4-6", analysis_batch_threshold=10))
    half = batched.coder.estimate(corpus[:10], CODEBOOK)
    assert half.batched and "Message Batches" in half.text()
    assert not fake.requests  # estimating spends nothing


async def test_a_prompt_over_the_long_prompt_threshold_is_estimated_at_the_long_rate(fake):
    """Claude Haiku 5.5 bills a prompt over 100,000 tokens at five times its rate, output included."""
    kit = toolkit(settings(fake, anthropic_model="claude-haiku-5-5"))
    long_one = [Doc(code="w-long", segments=[Segment("w-long", 0, "Q?", "word " * 66_000)])]  # 110k tokens
    estimate = kit.coder.estimate(long_one, CODEBOOK)
    assert estimate.requests == 3 + 5  # facets, coding, profile; naming allowance of 5
    requests_in, requests_out = estimate.input_tokens - 5 * 2000, estimate.output_tokens - 5 * 80
    assert requests_in > 3 * 100_000
    naming = 5 * (2000 * 0.10 + 80 * 0.50) / 1e6
    cached = sum(rules_tokens(CODEBOOK))
    spent = (requests_in - cached) * 0.10 + cached * 0.125 + requests_out * 0.50
    assert estimate.usd == pytest.approx(5 * spent / 1e6 + naming)
    short = kit.coder.estimate(docs(), CODEBOOK)  # well under the threshold: the base rate
    short_in, short_out = short.input_tokens - 5 * 2000, short.output_tokens - 5 * 80
    cached *= len([d for d in docs() if d.segments])
    short_spent = (short_in - cached) * 0.10 + cached * 0.125 + short_out * 0.50
    assert short.usd == pytest.approx(short_spent / 1e6 + naming)


def test_prices_come_from_one_table_by_model_name():
    assert price("claude-opus-4-5-20251101") == (5.0, 25.0)
    assert price("claude-sonnet-5-5") == (2.0, 10.0)
    assert price("claude-opus-5-5") == (4.0, 20.0)
    assert price("mystery-model") == (10.0, 50.0)  # unknown: the dearest, so the estimate errs high


def test_the_coding_requests_alone_are_priced_for_the_evaluation():
    from bot.analysis.claude.cost import estimate
    from bot.analysis.claude.prompts import transcript

    corpus = docs()
    coding = estimate(corpus, CODEBOOK, "claude-sonnet-4-6", False, coding_only=True)
    whole = estimate(corpus, CODEBOOK, "claude-sonnet-4-6", False)
    sendable = [d for d in corpus if d.segments]
    assert coding.requests == len(sendable) and whole.requests == 3 * len(sendable) + 5
    rules = rules_tokens(CODEBOOK)[1]
    text = sum(-(-len(transcript(d)) // 3) for d in sendable)  # characters / 3, rounded up per request
    assert coding.input_tokens == text + len(sendable) * rules
    assert coding.output_tokens == len(sendable) * (40 + 90 * 3 + 1500)
    out = coding.output_tokens
    assert coding.usd == pytest.approx((text * 3 + len(sendable) * rules * 3.75 + out * 15) / 1e6)
