"""What the Claude analysis will cost, before it runs: tokens counted from characters, priced per model.

Tokens are characters divided by CHARS_PER_TOKEN, rounded up, per request. Prices come from the capability
table (`bot.claude.models`). Every request is priced as uncached input (prompt caching can only make it
cheaper), and at the batch discount (half price) when it goes through the Message Batches API. Coding
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
CHARS_PER_TOKEN = 4  # English prose and JSON average about 4 characters per token; the estimate rounds up
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
    thinking = CODING_THINKING if spec_for(model).thinking else 0
    output_tokens = len(sendable) * (
        FACETS_OUT + CODING_OUT_BASE + CODING_OUT_PER_CODE * len(codebook) + PROFILE_OUT + thinking
    )
    naming = min(60, max(5, len(sendable) // 10)) if sendable else 0
    pin, pout = price(model)
    discount = spec_for(model).prices.batch_discount if batched else 1.0
    usd = (input_tokens * pin + output_tokens * pout) * discount / 1e6
    usd += naming * (NAMING_IN * pin + NAMING_OUT * pout) / 1e6
    return Estimate(
        requests=3 * len(sendable) + naming,
        input_tokens=input_tokens + naming * NAMING_IN,
        output_tokens=output_tokens + naming * NAMING_OUT,
        usd=usd,
        batched=batched,
    )
