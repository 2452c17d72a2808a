"""A rule-based stand-in for Claude choosing interview moves, reading nothing but the request.

Set it as the fake server's `responder`. It follows the bot's `<interview_state>` note the way the
prompt tells the model to: it opens with the topic the note names, transitions when the note names the
next topic and closes when the note says so. The topic ids come from the reply schema's enum. So an
interview that completes proves the request carried a usable note and schema, not that the test
scripted the answers.
"""

from __future__ import annotations

import re
from typing import Any

from tests.support.fakes.claude_analyst import schema_of


def state_note(body: dict[str, Any]) -> str:
    content = body["messages"][-1]["content"]
    texts = [content] if isinstance(content, str) else [b.get("text", "") for b in content]
    return next((t for t in reversed(texts) if "<interview_state>" in t), "")


def move(body: dict[str, Any]) -> dict[str, Any]:
    """The next move the note asks for."""
    note = state_note(body)
    schema = schema_of(body)["properties"]
    topics = next(option["enum"] for option in schema["topic_id"]["anyOf"] if option.get("enum"))
    covered = [t for t in topics if re.search(rf"`{re.escape(t)}`: covered", note)]
    opening = re.search(r"core question of topic `([^`]+)`", note)
    onward = re.search(r"transition (?:now )?to `([^`]+)`", note)
    current = re.search(r"Current topic: `([^`]+)`", note)
    if opening:
        return _move(f"Could you tell me about {opening.group(1)}?", "ask", opening.group(1), covered)
    if onward:
        done = sorted({*covered, current.group(1)} if current else set(covered))
        return _move(f"Thanks. What about {onward.group(1)}?", "transition", onward.group(1), done)
    return _move("Thank you, that is very helpful.", "close", None, list(topics))


def _move(message: str, kind: str, topic: str | None, covered: list[str]) -> dict[str, Any]:
    return {"message": message, "move": kind, "topic_id": topic, "covered_topics": covered, "flags": []}
