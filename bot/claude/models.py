"""The model capability table: what each current Claude model accepts and costs, from Anthropic's docs.

Every row was written from these pages (read them again before changing a row):
- Models overview and each model's page:  https://platform.claude.com/docs/en/models/overview
  (and .../models/<model>/overview, e.g. .../models/sonnet-5-5/overview)
- Each model's "What's new" page, e.g.    https://platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5
  (forced tool use, thinking types, sampling parameters, prefill, cache minimum)
- Troubleshooting thinking (per-model thinking types and defaults):
  https://platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting
- Effort:            https://platform.claude.com/docs/en/build-with-claude/effort
- Structured outputs and Strict tool use:
  https://platform.claude.com/docs/en/build-with-claude/structured-outputs
- Prompt caching (minimum cacheable length, TTLs, prices):
  https://platform.claude.com/docs/en/build-with-claude/prompt-caching
- Pricing and Batch processing (50% discount): https://platform.claude.com/docs/en/about-claude/pricing
- Model deprecations (retirement dates, replacements; requests to a retired model fail):
  https://platform.claude.com/docs/en/about-claude/model-deprecations

How to add a model: add one `ModelSpec` row to `TABLE` with every field taken from the pages above
(docs/design.md, "The capability table", walks through it), then run the Claude test matrix
(`pytest tests/claude/test_matrix.py`), which exercises every row against the fake Messages API.
An id that is not in the table gets `CONSERVATIVE` (no forced tool, no structured outputs, no effort,
thinking left at the model's default, no cache marks, the highest prices) and a warning naming this file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

log = logging.getLogger(__name__)

TABLE_FILE = "bot/claude/models.py"
EFFORTS = ("low", "medium", "high", "xhigh", "max")
ALL_EFFORTS = EFFORTS
NO_XHIGH = ("low", "medium", "high", "max")
THREE_EFFORTS = ("low", "medium", "high")


@dataclass(frozen=True)
class Prices:
    """USD per million tokens. Cache writes and reads are billed on the input side."""

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float
    batch_discount: float = 0.5  # Message Batches: half price on input and output (pricing page)
    long_prompt_tokens: int | None = None  # prompts above this many tokens are billed at long_factor
    long_factor: float = 1.0


@dataclass(frozen=True)
class ModelSpec:
    """What one model accepts. `thinking` lists the accepted `thinking.type` values."""

    id: str
    forced_tool_choice: bool  # tool_choice {"type": "tool"|"any"} accepted (else 400)
    structured_outputs: bool  # output_config.format (JSON schema) accepted
    strict_tools: bool  # tools[].strict accepted
    thinking: tuple[str, ...]  # accepted thinking.type values
    thinking_default_on: bool  # omitting `thinking` means adaptive thinking is on
    disabled_max_effort: str | None  # "disabled" only at this effort or below (None: any effort)
    between_tools_efforts: tuple[str, ...]  # efforts allowed with thinking "between_tools"
    efforts: tuple[str, ...]  # accepted output_config.effort values (empty: effort not supported)
    min_cache_tokens: int  # shorter cached prefixes are not cached (no error)
    prices: Prices
    sampling_params: bool = True  # non-default temperature/top_p/top_k accepted
    prefill: bool = True  # a final assistant message (prefill) accepted
    max_output: int = 128_000
    known: bool = True
    retires: date | None = None  # deprecated: the day Anthropic retires it (requests fail from then)
    replacement: str | None = None  # the model the deprecations page recommends instead

    def accepts_thinking(self, kind: str) -> bool:
        return kind in self.thinking


def _p(
    i: float,
    o: float,
    w5: float,
    w1: float,
    r: float,
    long_prompt_tokens: int | None = None,
    long_factor: float = 1.0,
) -> Prices:
    return Prices(i, o, w5, w1, r, long_prompt_tokens=long_prompt_tokens, long_factor=long_factor)


def _family(ids: tuple[str, ...], **fields: Any) -> dict[str, ModelSpec]:
    """One row per id; `fields` are ModelSpec's (the rows are read by tests/claude/test_matrix.py)."""
    return {model: ModelSpec(id=model, **fields) for model in ids}


# Fable 5.1/5.2, Mythos 5.1/5.2, Opus 5.5: adaptive thinking always on ("disabled" and "enabled" are
# 400s), forced tool use returns a 400, sampling parameters and prefill rejected, 512-token cache minimum.
_ALWAYS_ON = dict(
    forced_tool_choice=False,
    structured_outputs=True,
    strict_tools=True,
    thinking=("adaptive",),
    thinking_default_on=True,
    disabled_max_effort=None,
    between_tools_efforts=(),
    efforts=ALL_EFFORTS,
    min_cache_tokens=512,
    sampling_params=False,
    prefill=False,
)

TABLE: dict[str, ModelSpec] = {
    # whats-new-fable-5-2: same thinking and tool rules as Fable 5.1; $8/$40, cache $10/$16/$0.20.
    **_family(("claude-fable-5-2", "claude-mythos-5-2"), **_ALWAYS_ON, prices=_p(8, 40, 10, 16, 0.20)),
    # whats-new-fable-5-1 / fable-5-1 migration guide: forced tool use returns an error.
    **_family(("claude-fable-5-1", "claude-mythos-5-1"), **_ALWAYS_ON, prices=_p(10, 50, 12.5, 20, 0.25)),
    # whats-new-opus-5-5: thinking can't be disabled, forced tool use returns an error; default effort medium.
    **_family(("claude-opus-5-5",), **_ALWAYS_ON, prices=_p(4, 20, 5, 8, 0.20)),
    # whats-new-sonnet-5-5: "disabled" is a 400 (use "between_tools", only at low/medium/high effort);
    # forced tool use is a 400; cache minimum 512; cache reads $0.10 since 2026-10-07 (pricing page).
    **_family(
        ("claude-sonnet-5-5",),
        **(_ALWAYS_ON | dict(thinking=("adaptive", "between_tools"), between_tools_efforts=THREE_EFFORTS)),
        prices=_p(2, 10, 2.5, 4, 0.10),
    ),
    # whats-new-haiku-5-5: adaptive on by default, "disabled" at high effort or below, manual thinking,
    # sampling parameters and prefill are 400s; forced tool use is not among its breaking changes.
    # Prompts over 100k tokens are billed at 5x (pricing page, long-prompt tier).
    **_family(
        ("claude-haiku-5-5",),
        **(
            _ALWAYS_ON
            | dict(forced_tool_choice=True, thinking=("adaptive", "disabled"), disabled_max_effort="high")
        ),
        prices=_p(0.10, 0.50, 0.125, 0.20, 0.01, long_prompt_tokens=100_000, long_factor=5.0),
    ),
    # fable-5 migration guide: adaptive only ("disabled"/"enabled" are 400s); forced tools still accepted
    # (their rejection is listed as new in Fable 5.1). Cache minimum 512 (prompt caching page).
    **_family(
        ("claude-fable-5", "claude-mythos-5"),
        **(_ALWAYS_ON | dict(forced_tool_choice=True, prefill=True)),
        prices=_p(10, 50, 12.5, 20, 1.0),
    ),
    # whats-new-opus-5: adaptive on by default, "disabled" accepted at effort high or below.
    **_family(
        ("claude-opus-5",),
        **(
            _ALWAYS_ON
            | dict(forced_tool_choice=True, thinking=("adaptive", "disabled"), disabled_max_effort="high")
        ),
        prices=_p(5, 25, 6.25, 10, 0.50),
    ),
    # sonnet-5 overview: adaptive on by default, manual thinking and sampling parameters are 400s;
    # forced tool use accepted (its rejection is new in Sonnet 5.5); cache minimum 1,024.
    **_family(
        ("claude-sonnet-5",),
        **(
            _ALWAYS_ON
            | dict(
                forced_tool_choice=True,
                thinking=("adaptive", "disabled"),
                prefill=True,
                min_cache_tokens=1024,
            )
        ),
        prices=_p(2, 10, 2.5, 4, 0.20),
    ),
    # Opus 4.8 / 4.7: adaptive thinking only when asked for (off by default), manual thinking is a 400;
    # effort low..max with xhigh; cache minimum 1,024 (4.8) and 2,048 (4.7).
    **_family(
        ("claude-opus-4-8",),
        forced_tool_choice=True,
        structured_outputs=True,
        strict_tools=True,
        thinking=("adaptive", "disabled"),
        thinking_default_on=False,
        disabled_max_effort=None,
        between_tools_efforts=(),
        efforts=ALL_EFFORTS,
        min_cache_tokens=1024,
        sampling_params=False,
        prices=_p(5, 25, 6.25, 10, 0.50),
    ),
    **_family(
        ("claude-opus-4-7",),
        forced_tool_choice=True,
        structured_outputs=True,
        strict_tools=True,
        thinking=("adaptive", "disabled"),
        thinking_default_on=False,
        disabled_max_effort=None,
        between_tools_efforts=(),
        efforts=ALL_EFFORTS,
        min_cache_tokens=2048,
        sampling_params=False,
        prices=_p(5, 25, 6.25, 10, 0.50),
    ),
    # Opus 4.6 / Sonnet 4.6: adaptive recommended, manual "enabled" deprecated but accepted; effort
    # without xhigh; cache minimum 4,096 (Opus 4.6) and 1,024 (Sonnet 4.6).
    **_family(
        ("claude-opus-4-6",),
        forced_tool_choice=True,
        structured_outputs=True,
        strict_tools=True,
        thinking=("adaptive", "enabled", "disabled"),
        thinking_default_on=False,
        disabled_max_effort=None,
        between_tools_efforts=(),
        efforts=NO_XHIGH,
        min_cache_tokens=4096,
        prices=_p(5, 25, 6.25, 10, 0.50),
    ),
    **_family(
        ("claude-sonnet-4-6",),
        forced_tool_choice=True,
        structured_outputs=True,
        strict_tools=True,
        thinking=("adaptive", "enabled", "disabled"),
        thinking_default_on=False,
        disabled_max_effort=None,
        between_tools_efforts=(),
        efforts=NO_XHIGH,
        min_cache_tokens=1024,
        max_output=64_000,
        prices=_p(3, 15, 3.75, 6, 0.30),
    ),
    # Haiku 4.5 / Opus 4.5: extended thinking ("enabled" with budget_tokens) is the only thinking mode;
    # Haiku 4.5 has no effort, Opus 4.5 low/medium/high; cache minimum 4,096.
    **_family(
        ("claude-haiku-4-5", "claude-haiku-4-5-20251001"),
        forced_tool_choice=True,
        structured_outputs=True,
        strict_tools=True,
        thinking=("enabled", "disabled"),
        thinking_default_on=False,
        disabled_max_effort=None,
        between_tools_efforts=(),
        efforts=(),
        min_cache_tokens=4096,
        max_output=64_000,
        prices=_p(1, 5, 1.25, 2, 0.10),
    ),
    **_family(
        ("claude-opus-4-5", "claude-opus-4-5-20251101"),
        forced_tool_choice=True,
        structured_outputs=True,
        strict_tools=True,
        thinking=("enabled", "disabled"),
        thinking_default_on=False,
        disabled_max_effort=None,
        between_tools_efforts=(),
        efforts=THREE_EFFORTS,
        min_cache_tokens=4096,
        max_output=64_000,
        prices=_p(5, 25, 6.25, 10, 0.50),
        retires=date(2027, 1, 22),  # deprecated on 2026-11-23 (the deprecations page)
        replacement="claude-opus-5-5",
    ),
}

# Unknown ids: behave as the strictest row does, and price as the dearest one so estimates err high.
CONSERVATIVE = ModelSpec(
    id="(unknown)",
    forced_tool_choice=False,
    structured_outputs=False,
    strict_tools=False,
    thinking=(),
    thinking_default_on=True,
    disabled_max_effort=None,
    between_tools_efforts=(),
    efforts=(),
    min_cache_tokens=1 << 30,  # never mark a cache breakpoint
    sampling_params=False,
    prefill=False,
    max_output=64_000,
    prices=_p(10, 50, 12.5, 20, 1.0),
    known=False,
)
_warned: set[str] = set()


def spec_for(model: str) -> ModelSpec:
    """The row for `model`, or the conservative one (with one warning per id) when it is not in the table."""
    found = TABLE.get(model)
    if found is not None:
        if (retiring := retirement(model)) is not None and model not in _warned:
            _warned.add(model)  # a deprecated model: said once per process, as is an unknown one
            log.warning("%s", retiring.said)
        return found
    if model not in _warned:
        _warned.add(model)
        log.warning(
            "model %r is not in the capability table (%s); using the most conservative settings "
            "(no structured outputs, no forced tools, no effort, no prompt caching). Add a row from "
            "Anthropic's model pages to use it fully.",
            model,
            TABLE_FILE,
        )
    return replace(CONSERVATIVE, id=model)


def current_models() -> list[str]:
    """Every model id in the table, each alias once (dated snapshots share their alias's row)."""
    return [model for model in TABLE if not model[-8:].isdigit()]


@dataclass(frozen=True)
class Retirement:
    """A deprecated model: whether its retirement day has come, what to say, and what to set instead."""

    retired: bool
    said: str
    fix: str


def retirement(model: str, today: date | None = None, variable: str = "ANTHROPIC_MODEL") -> Retirement | None:
    """For a deprecated model (set in `variable`): its Retirement; None for any other model."""
    spec = TABLE.get(model)
    if spec is None or spec.retires is None:
        return None
    retired = (today or date.today()) >= spec.retires
    when = "was retired" if retired else "is deprecated: Anthropic retires it"
    fix = f"set {variable}={spec.replacement}" if spec.replacement else f"set {variable} to a current model"
    said = (
        f"{model} {when} on {spec.retires:%Y-%m-%d}, and requests to it fail from that day; {fix} "
        "(https://platform.claude.com/docs/en/about-claude/model-deprecations)"
    )
    return Retirement(retired, said, fix)
