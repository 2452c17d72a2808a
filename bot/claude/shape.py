"""Builds request parameters for one use of Claude from the model's row in the capability table.

Three choices are made here, per model and per use:
- How a structured reply is asked for: `output_config.format` (structured outputs) where the model
  supports it, else a tool with `tool_choice` auto (forced tool choice is a 400 on the newest models:
  https://platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5#forced-tool-use-is-not-supported).
- Thinking and effort: a use that must feel like chat (`fast`) gets the lowest thinking the model
  accepts; a use that may think gets adaptive thinking at the configured effort
  (https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking,
  https://platform.claude.com/docs/en/build-with-claude/effort).
- `max_tokens`: the answer's room plus room for thinking, because thinking tokens count toward
  `max_tokens` (https://platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.claude.models import EFFORTS, ModelSpec
from bot.claude.schema import strict_schema

# Room for thinking by effort level, on top of the answer's own room.
THINKING_ROOM = {"low": 2048, "medium": 6000, "high": 16000, "xhigh": 24000, "max": 32000}
EXTENDED_BUDGET = 2048  # budget_tokens for models whose only thinking mode is manual ("enabled")


@dataclass(frozen=True)
class Use:
    """One kind of request: its name (for logs and counts), its answer's size, and whether it may think."""

    name: str
    answer_tokens: int
    think: bool = False


@dataclass(frozen=True)
class Reply:
    """The structured reply the request asks for: a name (the tool's, when a tool is used) and a schema."""

    name: str
    description: str
    schema: dict[str, Any]


def effort_for(spec: ModelSpec, wanted: str) -> str | None:
    """`wanted`, or the nearest lower level the model accepts; None when the model has no effort."""
    if not spec.efforts:
        return None
    rank = EFFORTS.index(wanted) if wanted in EFFORTS else 0
    for level in reversed(EFFORTS[: rank + 1]):
        if level in spec.efforts:
            return level
    return spec.efforts[0]


def _fast(spec: ModelSpec, effort: str | None) -> tuple[dict[str, Any] | None, int]:
    """The lowest thinking the model accepts, and the room it may still need."""
    if not spec.known:
        return None, THINKING_ROOM["high"]  # unknown: thinking stays at its default (high) effort
    if not spec.thinking_default_on:
        return None, 0  # off unless asked for: omit `thinking`
    if "disabled" in spec.thinking and _at_most(effort, spec.disabled_max_effort):
        return {"type": "disabled"}, 0
    if "between_tools" in spec.thinking and (effort in spec.between_tools_efforts or effort is None):
        return {"type": "between_tools"}, 0
    return None, THINKING_ROOM.get(effort or "low", THINKING_ROOM["low"])  # always on: low effort


def _at_most(effort: str | None, limit: str | None) -> bool:
    if limit is None or effort is None:
        return True
    return EFFORTS.index(effort) <= EFFORTS.index(limit)


def _thinking(spec: ModelSpec, effort: str | None) -> tuple[dict[str, Any] | None, int]:
    room = THINKING_ROOM.get(effort or "medium", THINKING_ROOM["medium"])
    if "adaptive" in spec.thinking:
        return {"type": "adaptive"}, room
    if "enabled" in spec.thinking:
        return {"type": "enabled", "budget_tokens": EXTENDED_BUDGET}, EXTENDED_BUDGET
    return None, room if spec.thinking_default_on else 0


def build(
    spec: ModelSpec,
    use: Use,
    reply: Reply,
    *,
    system: list[dict[str, Any]],
    messages: list[dict[str, Any]],
    effort: str,
    extra_room: int = 0,
) -> dict[str, Any]:
    """Keyword arguments for `messages.create` (also the `params` of a batch request)."""
    level = effort_for(spec, effort)
    thinking, room = _thinking(spec, level) if use.think else _fast(spec, level)
    max_tokens = min(use.answer_tokens + room + extra_room, spec.max_output)
    params: dict[str, Any] = {
        "model": spec.id,
        "max_tokens": max_tokens,
        "system": system,
        "messages": messages,
    }
    output_config: dict[str, Any] = {}
    if level is not None:
        output_config["effort"] = level
    if thinking is not None:
        params["thinking"] = thinking
    if spec.structured_outputs:
        output_config["format"] = {"type": "json_schema", "schema": strict_schema(reply.schema)}
    else:
        tool: dict[str, Any] = {
            "name": reply.name,
            "description": reply.description,
            "input_schema": strict_schema(reply.schema) if spec.strict_tools else reply.schema,
        }
        if spec.strict_tools:
            tool["strict"] = True
        params["tools"] = [tool]
        params["tool_choice"] = {"type": "auto"}  # forcing is a 400 on the newest models
    if output_config:
        params["output_config"] = output_config
    return params


# Replies are not streamed, so a reply arrives only once it is whole: the time allowed must cover the
# longest generation max_tokens permits. The SDK's own rule for a non-streamed request is an hour per
# 128,000 output tokens, and at most 10 minutes (beyond that it requires streaming): anthropic-sdk-python
# `_calculate_nonstreaming_timeout`, and "Long requests" in its README
# (https://platform.claude.com/docs/en/api/sdks/python#long-requests).
SECONDS_PER_TOKEN, LONGEST_WAIT = 3600 / 128_000, 600.0


def reply_timeout(floor: float, max_tokens: int) -> float:
    """Seconds to wait for a reply that may think and write up to `max_tokens`: at least `floor`
    (ANTHROPIC_TIMEOUT_SECONDS), more as the room grows, never over the SDK's 10 minutes."""
    return max(floor, min(LONGEST_WAIT, SECONDS_PER_TOKEN * max_tokens))


def retry_room(spec: ModelSpec, max_tokens: int) -> int:
    """`max_tokens` for asking again after a reply was cut off at `max_tokens`: twice the room, up to the
    model's own maximum output (`spec.max_output`), never less than the request that was cut off
    (https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons: retry with a higher
    max_tokens). Thinking counts toward max_tokens, so at effort max the first request is already large."""
    return max(max_tokens, min(2 * max_tokens, spec.max_output))


def reply_instruction(spec: ModelSpec, reply: Reply) -> str:
    """One sentence for the system prompt on how to answer, matching the mechanism `build` uses."""
    if spec.structured_outputs:
        return "Answer with one JSON object in the required format and nothing else."
    return (
        f"Answer by calling the tool `{reply.name}` exactly once; if you cannot call it, write only the "
        "JSON object it takes."
    )
