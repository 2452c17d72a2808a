"""What the real Messages API rejects in a request's content whatever the model: empty text blocks, tool
definitions whose input schema is not an object, tool results that answer no tool use, unknown cache TTLs.
`problem(body)` returns the message of the 400 the API would answer, or "" (each rule cites its page).
"""

from __future__ import annotations

from typing import Any

TTLS = ("5m", "1h")


def problem(body: dict[str, Any]) -> str:
    return _system(body) or _messages_text(body) or _tools(body) or _tool_pairs(body) or _ttls(body)


def _blocks(content: Any) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return content if isinstance(content, list) else []


def _text_problem(block: Any, where: str) -> str:
    # https://platform.claude.com/docs/en/api/messages (a text block's `text` has a minimum length of 1; the
    # API answers "text content blocks must be non-empty", and "must contain non-whitespace text" for blanks)
    if not isinstance(block, dict) or block.get("type") != "text":
        return ""
    text = block.get("text")
    if not isinstance(text, str) or not text:
        return f"{where}.text: text content blocks must be non-empty"
    if not text.strip():
        return f"{where}.text: text content blocks must contain non-whitespace text"
    return ""


def _system(body: dict[str, Any]) -> str:
    # https://platform.claude.com/docs/en/api/messages (`system` as an array of text blocks: each non-empty;
    # a plain string is not a content block)
    system = body.get("system")
    for j, block in enumerate(system if isinstance(system, list) else []):
        found = _text_problem(block, f"system.{j}")
        if found:
            return found
    return ""


def _messages_text(body: dict[str, Any]) -> str:
    for i, message in enumerate(body.get("messages") or []):
        for j, block in enumerate(_blocks(message.get("content"))):
            found = _text_problem(block, f"messages.{i}.content.{j}")
            if found:
                return found
    return ""


def _tools(body: dict[str, Any]) -> str:
    # https://platform.claude.com/docs/en/api/messages (tools[].input_schema: a JSON schema whose `type` is
    # "object"; the SDK's InputSchema types it as Required[Literal["object"]]) and
    # https://platform.claude.com/docs/en/agents-and-tools/tool-use/define-tools
    for i, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or (tool.get("type") not in (None, "custom")):
            continue  # server and client-defined tools (web_search_…, bash_…) carry no input_schema
        schema = tool.get("input_schema")
        if not isinstance(schema, dict):
            return f"tools.{i}.custom.input_schema: Field required"
        if schema.get("type") != "object":
            return f"tools.{i}.custom.input_schema.type: Input should be 'object'"
    return ""


def _tool_pairs(body: dict[str, Any]) -> str:
    # https://platform.claude.com/docs/en/agents-and-tools/tool-use/handle-tool-calls (a tool_result answers
    # a tool_use of the assistant message just before it, by `tool_use_id`; each tool_use is answered in the
    # next user message). The messages are the API's own.
    messages = body.get("messages") or []
    return _orphan_results(messages) or _unanswered_uses(messages)


def _orphan_results(messages: list[Any]) -> str:
    for i, message in enumerate(messages):
        previous = messages[i - 1] if i else {}
        asked = _ids(previous, "tool_use") if previous.get("role") == "assistant" else set()
        for j, block in enumerate(_blocks(message.get("content"))):
            if isinstance(block, dict) and block.get("type") == "tool_result":
                answered = block.get("tool_use_id")
                if message.get("role") != "user" or answered not in asked:
                    return (
                        f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: "
                        f"{answered}. Each `tool_result` block must have a corresponding `tool_use` block in "
                        "the previous message."
                    )
    return ""


def _unanswered_uses(messages: list[Any]) -> str:
    for i, message in enumerate(messages[:-1]):  # a tool_use in the last message is the model's to answer
        if message.get("role") == "assistant":
            missing = sorted(_ids(message, "tool_use") - _ids(messages[i + 1], "tool_result"))
            if missing:
                return (
                    f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                    f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` "
                    "block in the next message."
                )
    return ""


def _ids(message: dict[str, Any], kind: str) -> set[str]:
    key = "id" if kind == "tool_use" else "tool_use_id"
    blocks = _blocks(message.get("content"))
    return {b.get(key) for b in blocks if isinstance(b, dict) and b.get("type") == kind}


def _ttls(body: dict[str, Any]) -> str:
    # https://platform.claude.com/docs/en/build-with-claude/prompt-caching (cache_control `ttl`: "5m", the
    # default, or "1h"; the Messages API reference types it Literal["5m", "1h"])
    for where, mark in _marks(body):
        if isinstance(mark, dict) and "ttl" in mark and mark["ttl"] not in TTLS:
            return f"{where}.cache_control.ephemeral.ttl: Input should be '5m' or '1h'"
    return ""


def _marks(body: dict[str, Any]) -> Any:
    for i, tool in enumerate(body.get("tools") or []):
        if isinstance(tool, dict) and "cache_control" in tool:
            yield f"tools.{i}", tool["cache_control"]
    system = body.get("system")
    for j, block in enumerate(system if isinstance(system, list) else []):
        if isinstance(block, dict) and "cache_control" in block:
            yield f"system.{j}", block["cache_control"]
    for i, message in enumerate(body.get("messages") or []):
        content = message.get("content")
        for j, block in enumerate(content if isinstance(content, list) else []):
            if isinstance(block, dict) and "cache_control" in block:
                yield f"messages.{i}.content.{j}", block["cache_control"]
