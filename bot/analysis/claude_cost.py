"""What the Claude analysis will cost, before it runs: tokens counted from characters, priced per model.

Tokens are characters divided by CHARS_PER_TOKEN, rounded up, per request. Every request is priced as
uncached input (prompt caching can only make it cheaper), and at half price when it goes through the
Message Batches API. The estimate covers the whole Claude analysis of a study, not coding alone: the
facets, coding and profile requests of each interview, plus an allowance for naming themes (one request
per ten interviews, at least 5 and at most 60, at NAMING_IN and NAMING_OUT tokens each).
"""

from __future__ import annotations

import json
import math

from bot.analysis import claude_prompts as prompts
from bot.analysis.model import Code, Doc
from bot.analysis.stages import Estimate

# USD per million tokens (input, output) at standard rates; the Message Batches API charges half.
# Looked up by the longest key the model name starts with, then by family word; an unknown model is
# priced as the most expensive entry so the estimate errs high.
PRICES: dict[str, tuple[float, float]] = {
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-opus-4": (15.0, 75.0),
    "claude-sonnet-4": (3.0, 15.0),
    "claude-3-7-sonnet": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-3-5-haiku": (0.8, 4.0),
    "claude-3-haiku": (0.25, 1.25),
    "opus": (5.0, 25.0),
    "sonnet": (3.0, 15.0),
    "haiku": (1.0, 5.0),
}
BATCH_DISCOUNT = 0.5
CHARS_PER_TOKEN = 4  # English prose and JSON average about 4 characters per token; the estimate rounds up
# Expected reply sizes in tokens, used by `estimate`; also the basis of each request's max_tokens.
FACETS_OUT = 400
CODING_OUT_BASE, CODING_OUT_PER_CODE = 40, 90
PROFILE_OUT = 250
NAMING_IN, NAMING_OUT = 2_000, 80


def price(model: str) -> tuple[float, float]:
    """Input and output USD per million tokens for `model` (see PRICES)."""
    starts = [key for key in PRICES if model.startswith(key)]
    if starts:
        return PRICES[max(starts, key=len)]
    family = next((key for key in ("opus", "sonnet", "haiku") if key in model), None)
    return PRICES[family] if family else max(PRICES.values())


def tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate(docs: list[Doc], codebook: list[Code], model: str, batched: bool) -> Estimate:
    """Requests, tokens and dollars for analysing `docs` with `codebook` on `model`."""
    sendable = [doc for doc in docs if doc.segments]
    fixed = (
        tokens(prompts.FACETS_RULES + json.dumps(prompts.FACETS_TOOL))
        + tokens(
            prompts.CODING_RULES + prompts.codebook_text(codebook) + json.dumps(prompts.coding_tool(codebook))
        )
        + tokens(prompts.PROFILE_RULES + json.dumps(prompts.PROFILE_TOOL))
    )
    input_tokens = sum(3 * tokens(prompts.transcript(doc)) + fixed for doc in sendable)
    output_tokens = len(sendable) * (
        FACETS_OUT + CODING_OUT_BASE + CODING_OUT_PER_CODE * len(codebook) + PROFILE_OUT
    )
    naming = min(60, max(5, len(sendable) // 10)) if sendable else 0
    pin, pout = price(model)
    usd = (input_tokens * pin + output_tokens * pout) * (BATCH_DISCOUNT if batched else 1.0) / 1e6
    usd += naming * (NAMING_IN * pin + NAMING_OUT * pout) / 1e6
    return Estimate(
        requests=3 * len(sendable) + naming,
        input_tokens=input_tokens + naming * NAMING_IN,
        output_tokens=output_tokens + naming * NAMING_OUT,
        usd=usd,
        batched=batched,
    )
