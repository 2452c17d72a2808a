"""Reads a structured reply from a Messages API response, whichever way it arrived.

Thinking blocks are skipped (on newer models they come first, with an empty `thinking` field at the
default display: https://platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting).
The object is taken from a tool_use block named as asked, else from the text: structured outputs
put the JSON in a text block; a model answering without the tool may wrap it in prose or a code fence.
A reply that stopped at `max_tokens` or `model_context_window_exceeded` is truncated, even when what
arrived happens to parse (a tool_use block cut off mid-input, a message cut mid-sentence), so it is
never read (https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons).
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.claude.errors import ClaudeUnusable

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)
SKIPPED = ("thinking", "redacted_thinking")
TRUNCATED = ("max_tokens", "model_context_window_exceeded")


def blocks(message: Any) -> list[Any]:
    """The message's content without thinking blocks."""
    return [b for b in message.content or [] if getattr(b, "type", None) not in SKIPPED]


def text_of(message: Any) -> str:
    return "".join(getattr(b, "text", "") for b in blocks(message) if getattr(b, "type", None) == "text")


def read_object(message: Any, name: str) -> dict[str, Any]:
    """The reply's JSON object; raises ClaudeUnusable saying what was wrong."""
    if message.stop_reason in TRUNCATED:
        raise ClaudeUnusable(f"the {name} reply was cut off (stop_reason {message.stop_reason})")
    for block in blocks(message):
        if getattr(block, "type", None) == "tool_use" and block.name == name:
            if isinstance(block.input, dict):
                return block.input
            raise ClaudeUnusable(f"{name} input is not an object")
    text = text_of(message).strip()
    if not text:
        raise ClaudeUnusable(f"no {name} object in the reply (stop_reason {message.stop_reason})")
    found = parse_json_object(text)
    if found is None:
        raise ClaudeUnusable(f"the reply is not a JSON object (stop_reason {message.stop_reason})")
    return found


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text`: the whole text, a fenced block, or the outermost braces."""
    candidates = [text, *(m.group(1) for m in _FENCE.finditer(text))]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None
