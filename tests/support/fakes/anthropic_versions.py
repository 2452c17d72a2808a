"""The fake's API versions: the `anthropic-version` header every request must carry, and what the body
may hold under each version.

https://platform.claude.com/docs/en/api/versioning: every request sends an `anthropic-version` header; the
version history lists 2023-01-01, 2023-06-01 and 2026-10-21, and under 2026-10-21 the Messages API (and
token counting, and every request of a Message Batch created with it) returns a 400 for
- `temperature`, `top_p` or `top_k` in the request, whatever their value;
- a `document` block directly in an `assistant` message;
- a `text` block with a non-empty `citations` array in a `user` message, directly or inside a
  `search_result` block.
https://platform.claude.com/docs/en/api/migration-2026-10-21: the same three changes (sampling parameters
refused "even at default values"), and the SDK majors that send 2026-10-21 (Python 2.0.0 on), which send
the key as `Authorization: Bearer` instead of `x-api-key`; the API still takes `x-api-key`, and uses it
when both are sent. The messages are the API's own wording as its answers show them (the pages give the
rules, not the strings): "temperature: Extra inputs are not permitted", "anthropic-version: header is
required", 'anthropic-version: "…" is not a valid version'.
"""

from __future__ import annotations

from typing import Any

V2023 = "2023-06-01"
V2026 = "2026-10-21"
VERSIONS = ("2023-01-01", V2023, V2026)  # the versioning page's version history
REMOVED_2026 = ("temperature", "top_p", "top_k")


def header_problem(value: str | None) -> str:
    """The 400 message for a request's `anthropic-version` header, or "" when the version exists."""
    if value is None or not value.strip():
        return "anthropic-version: header is required"
    if value.strip() not in VERSIONS:
        return f'anthropic-version: "{value}" is not a valid version'
    return ""


def version_problem(body: dict[str, Any], version: str) -> str:
    """The 400 message for what `version` no longer accepts in a Messages request body, or ""."""
    if version != V2026:
        return ""
    # https://platform.claude.com/docs/en/api/migration-2026-10-21 (sampling parameters removed: a 400
    # "even at their default values"; the API answers "temperature: Extra inputs are not permitted")
    for name in REMOVED_2026:
        if name in body:
            return f"{name}: Extra inputs are not permitted"
    for i, message in enumerate(body.get("messages") or []):
        content = message.get("content")
        for j, block in enumerate(content if isinstance(content, list) else []):
            problem = _block_problem(message.get("role"), block, f"messages.{i}.content.{j}")
            if problem:
                return problem
    return ""


def _block_problem(role: Any, block: Any, where: str) -> str:
    if not isinstance(block, dict):
        return ""
    # https://platform.claude.com/docs/en/api/versioning (2026-10-21: a `document` block directly in an
    # `assistant` message returns a 400)
    if role == "assistant" and block.get("type") == "document":
        return f"{where}: document blocks are not permitted in assistant messages"
    if role != "user":
        return ""
    # https://platform.claude.com/docs/en/api/versioning (2026-10-21: a `text` block with a non-empty
    # `citations` array in a `user` message, directly or inside a `search_result` block, returns a 400)
    if block.get("type") == "text" and block.get("citations"):
        return f"{where}.citations: citations are not permitted on text blocks in user messages"
    if block.get("type") == "search_result":
        for k, inner in enumerate(block.get("content") or []):
            if isinstance(inner, dict) and inner.get("type") == "text" and inner.get("citations"):
                return f"{where}.content.{k}.citations: citations are not permitted on text blocks in user messages"
    return ""
