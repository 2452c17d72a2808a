"""How the fake Messages API answers: the reply's shape, thinking, token counts and the prompt cache.

Each behaviour follows a documented rule of the real API:
- thinking blocks come first with an empty `thinking` field and a signature at the default display
  (https://platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting), and thinking tokens
  count toward `max_tokens`; when they leave no room, the reply stops with `max_tokens`
  (https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons);
- structured outputs put the JSON in a text block; tool use answers in a tool_use block
  (https://platform.claude.com/docs/en/build-with-claude/structured-outputs);
- the cache reads prefixes up to a breakpoint (or 20 blocks before one), writes only prefixes at least as
  long as the model's minimum, keeps entries for their TTL from the last use, and reports the 5m/1h split
  (https://platform.claude.com/docs/en/build-with-claude/prompt-caching).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable
from typing import Any

from tests.support.fakes.anthropic_rules import spec, thinking_active

LOOKBACK_BLOCKS = 20
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}
# Tokens the fake "thinks" per request, by effort (the real amount varies; these make the budget real).
THINKING_TOKENS = {"low": 200, "medium": 1200, "high": 3000, "xhigh": 6000, "max": 9000}
_ids = itertools.count(1)


def next_id(prefix: str) -> str:
    return f"{prefix}_fake_{next(_ids):06d}"


def strip_cache_control(value: Any) -> Any:
    """A copy of a request fragment without any `cache_control` keys (for comparing cached prefixes)."""
    if isinstance(value, dict):
        return {k: strip_cache_control(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [strip_cache_control(v) for v in value]
    return value


def prompt_blocks(body: dict[str, Any]) -> tuple[list[str], list[tuple[int, str]]]:
    """The request as the cache sees it: canonical blocks in order (tools, output format, system,
    messages), and (index, ttl) of each block carrying a cache_control breakpoint."""
    blocks: list[str] = []
    marks: list[tuple[int, str]] = []

    def add(where: str, block: Any, opens_message: bool = False) -> None:
        if isinstance(block, dict) and "cache_control" in block:
            marks.append((len(blocks), (block["cache_control"] or {}).get("ttl", "5m")))
        item = {"at": where, "opens": opens_message, "block": strip_cache_control(block)}
        blocks.append(json.dumps(item, sort_keys=True, ensure_ascii=False))

    for tool in body.get("tools") or []:
        add("tools", tool)
    form = (body.get("output_config") or {}).get("format")
    if form:
        add("format", form)
    system = body.get("system") or []
    for block in [{"type": "text", "text": system}] if isinstance(system, str) else system:
        add("system", block)
    for message in body.get("messages") or []:
        content = message.get("content")
        content = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        for j, block in enumerate(content):
            add(str(message.get("role")), block, j == 0)
    return blocks, marks


def tokens(text: str) -> int:
    return max(1, len(text) // 4)


def answer_name(body: dict[str, Any]) -> str:
    """The tool the answer goes to: the forced one, else the first offered."""
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool":
        return str(choice.get("name"))
    tools = body.get("tools") or []
    return str(tools[0].get("name")) if tools else "tool"


def thinking_tokens(body: dict[str, Any]) -> int:
    model = spec(str(body.get("model")))
    if not thinking_active(body, model):
        return 0
    thinking = body.get("thinking") or {}
    if thinking.get("type") == "enabled":
        return min(int(thinking.get("budget_tokens", 1024)), 1500)
    effort = (body.get("output_config") or {}).get("effort") or "high"
    return THINKING_TOKENS.get(effort, THINKING_TOKENS["high"])


def render(body: dict[str, Any], data: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """The model's structured answer `data` as content and stop reason, the way the request asked."""
    thought = thinking_tokens(body)
    content: list[dict[str, Any]] = []
    if thought:
        content.append({"type": "thinking", "thinking": "", "signature": "sig_" + next_id("think")})
    room = body["max_tokens"] - thought
    text = json.dumps(data, ensure_ascii=False)
    if body.get("tools") and not (body.get("output_config") or {}).get("format"):
        answer: dict[str, Any] = {
            "type": "tool_use",
            "id": next_id("toolu"),
            "name": name or answer_name(body),
        }
        answer["input"] = data
        stop = "tool_use"
        size = tokens(text)
    else:
        answer, stop, size = {"type": "text", "text": text}, "end_turn", tokens(text)
    if size > room:  # thinking plus answer do not fit: the answer is cut off
        answer = {"type": "text", "text": text[: max(room, 0) * 4]}
        stop = "max_tokens"
        size = max(room, 0)
    if answer.get("type") != "text" or answer["text"]:
        content.append(answer)
    return {"content": content, "stop_reason": stop, "thinking_tokens": thought, "answer_tokens": size}


class PromptCache:
    """Cache entries by prefix hash: expiry time and TTL. `clock` gives seconds."""

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self.entries: dict[str, tuple[float, str]] = {}

    def usage(self, body: dict[str, Any], *, cache: bool) -> dict[str, Any]:
        blocks, marks = prompt_blocks(body)
        digest = hashlib.sha256(str(body.get("model")).encode())
        hashes, totals, length = [], [], 0
        for block in blocks:
            digest.update(block.encode())
            hashes.append(digest.copy().hexdigest())
            length += len(block)
            totals.append(length // 4)
        total = totals[-1] if totals else 1
        read = written_5m = written_1h = 0
        if cache and marks:
            now, minimum = self.clock(), spec(str(body.get("model"))).min_cache_tokens
            live = {h for h, (expires, _) in self.entries.items() if expires > now}
            candidates = {i for m, _ in marks for i in range(max(0, m - LOOKBACK_BLOCKS + 1), m + 1)}
            hits = [i for i in candidates if hashes[i] in live]
            if hits:
                best = max(hits)
                read = totals[best]
                ttl = self.entries[hashes[best]][1]
                self.entries[hashes[best]] = (now + TTL_SECONDS[ttl], ttl)  # a read refreshes the entry
            done = read
            for m, ttl in marks:
                if totals[m] < minimum or totals[m] <= done:
                    continue
                if hashes[m] not in live:
                    if ttl == "1h":
                        written_1h += totals[m] - done
                    else:
                        written_5m += totals[m] - done
                self.entries[hashes[m]] = (now + TTL_SECONDS[ttl], ttl)
                done = totals[m]
        written = written_5m + written_1h
        return {
            "input_tokens": max(total - read - written, 1),
            "cache_creation_input_tokens": written,
            "cache_read_input_tokens": read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": written_5m,
                "ephemeral_1h_input_tokens": written_1h,
            },
        }
