"""What the Claude analysis will cost, before it runs: tokens counted from characters, priced per model.

Tokens are characters divided by CHARS_PER_TOKEN, rounded up, per request, and a request whose prompt is
over a model's long-prompt threshold is priced at that model's long-prompt rate. Prices come from the capability
table (`bot.claude.models`). A request's instructions carry a cache mark, so they are priced as a cache
write (1.25 times input for the 5-minute cache, pricing page) on every request, the dearest case: a
request that reads the cache instead pays a tenth; the transcript is priced as plain input. Requests are priced at the batch discount (half price) when it goes through the Message Batches API. Coding
may think, so each coding request carries an allowance of CODING_THINKING output tokens. The estimate covers the whole Claude analysis of a study, not coding alone: the
facets, coding and profile requests of each interview, plus an allowance for naming themes (one request
per ten interviews, at least 5 and at most 60, at NAMING_IN and NAMING_OUT tokens each).
"""

from __future__ import annotations

import json
import math

from bot.analysis.claude import prompts
from bot.analysis.model import Code, Doc
from bot.analysis.stages import Estimate
from bot.claude.models import spec_for

CODING_THINKING = 1500  # tokens a coding request may think, on models that think at the analysis effort
# English prose and JSON average about 4 characters per token on the older tokenizer; the tokenizer of
# Claude 4.7 and later models counts about 30% more tokens for the same text (Claude Haiku 5.5 overview),
# so 3 keeps the estimate at or above the bill on every model; it also rounds up per request
CHARS_PER_TOKEN = 3
# Expected reply sizes in tokens, used by `estimate`; also the basis of each request's max_tokens.
FACETS_OUT = 400
CODING_OUT_BASE, CODING_OUT_PER_CODE = 40, 90
PROFILE_OUT = 250
NAMING_IN, NAMING_OUT = 2_000, 80


def price(model: str) -> tuple[float, float]:
    """Input and output USD per million tokens for `model`, from the capability table (`bot.claude.models`);
    an unknown model is priced as the dearest row so the estimate errs high."""
    prices = spec_for(model).prices
    return prices.input, prices.output


def tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def rules_tokens(codebook: list[Code]) -> tuple[int, int, int]:
    """The instructions (with the reply's schema) of the facets, coding and profile requests, in tokens:
    the part of each request that carries the cache mark."""
    coding = (
        prompts.CODING_RULES + prompts.codebook_text(codebook) + json.dumps(prompts.coding_tool(codebook))
    )
    return (
        tokens(prompts.FACETS_RULES + json.dumps(prompts.FACETS_TOOL)),
        tokens(coding),
        tokens(prompts.PROFILE_RULES + json.dumps(prompts.PROFILE_TOOL)),
    )


def estimate(
    docs: list[Doc], codebook: list[Code], model: str, batched: bool, *, coding_only: bool = False
) -> Estimate:
    """Requests, tokens and dollars for analysing `docs` with `codebook` on `model` (`coding_only`: the
    coding requests alone, as `python -m eval.evaluate --mode claude` sends). A request whose prompt is
    over the model's long-prompt threshold is priced at its long-prompt rate, input and output (Claude
    Haiku 5.5: prompts over 100,000 tokens cost five times as much; models pricing page)."""
    sendable = [doc for doc in docs if doc.segments]
    rules = rules_tokens(codebook)
    thinking = CODING_THINKING if spec_for(model).thinking else 0
    replies = (FACETS_OUT, CODING_OUT_BASE + CODING_OUT_PER_CODE * len(codebook) + thinking, PROFILE_OUT)
    kinds = (
        list(zip(rules, replies, strict=True))[1:2] if coding_only else list(zip(rules, replies, strict=True))
    )
    requests = [
        (transcript, fixed, out)
        for transcript in (tokens(prompts.transcript(doc)) for doc in sendable)
        for fixed, out in kinds
    ]
    naming = min(60, max(5, len(sendable) // 10)) if sendable and not coding_only else 0
    discount = spec_for(model).prices.batch_discount if batched else 1.0
    usd = sum(_usd(model, t, o, cached=f) for t, f, o in requests) * discount
    usd += naming * _usd(model, NAMING_IN, NAMING_OUT)
    return Estimate(
        requests=len(requests) + naming,
        input_tokens=sum(t + f for t, f, _ in requests) + naming * NAMING_IN,
        output_tokens=sum(o for _, _, o in requests) + naming * NAMING_OUT,
        usd=usd,
        batched=batched,
    )


def _usd(model: str, input_tokens: int, output_tokens: int, *, cached: int = 0) -> float:
    """One request's price: `input_tokens` of plain input, `cached` more written to the 5-minute cache,
    at the long-prompt rate when the whole prompt is over the model's threshold."""
    prices = spec_for(model).prices
    pin, pout = price(model)
    long = prices.long_prompt_tokens is not None and input_tokens + cached > prices.long_prompt_tokens
    spent = input_tokens * pin + cached * prices.cache_write_5m + output_tokens * pout
    return spent / 1e6 * (prices.long_factor if long else 1.0)
