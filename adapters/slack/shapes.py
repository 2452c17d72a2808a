"""Whether a request from Slack has the shape Slack's documentation gives it, before Bolt reads it.

Slack signs what it sends (HTTP mode) or sends it over the app's own socket (Socket Mode), so a request
of the wrong shape is no real event; but Bolt's own middleware indexes into it unguarded, and a wrong
type there (`actions` a string, `event` a list) failed the request with an ERROR line and a 500, which
Slack answers by sending it again. Requests that fail these checks are answered (HTTP 400, or an
acknowledgement in Socket Mode) and dropped.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

# Interaction fields that are objects, and the one that is a list of objects
# (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload)
_OBJECTS = ("user", "team", "channel", "container", "message", "view")


def readable(data: Any) -> bool:
    """An Events API envelope (a `type`; an `event_callback` carries its `event` object,
    https://docs.slack.dev/apis/events-api/) or an interaction payload whose objects are objects."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return False
    if data["type"] == "event_callback" and not _event_readable(data.get("event")):
        return False
    if any(name in data and not isinstance(data[name], dict | None) for name in _OBJECTS):
        return False
    actions = data.get("actions")
    return actions is None or (isinstance(actions, list) and all(isinstance(a, dict) for a in actions))


def _event_readable(event: Any) -> bool:
    """An event object; a message's fields with their documented types
    (https://docs.slack.dev/reference/events/message: text, user, channel and subtype are strings,
    files a list)."""
    if not isinstance(event, dict):
        return False
    if event.get("type") != "message":
        return True
    strings = all(isinstance(event.get(name), str | None) for name in ("text", "user", "channel", "subtype"))
    return strings and isinstance(event.get("files"), list | None)


def slack_shaped(body: bytes) -> bool:
    """Whether a signed HTTP body is one of Slack's requests: JSON that is `readable`, or a form with an
    interaction `payload` that is, a slash `command`, or the commands' `ssl_check` probe
    (https://docs.slack.dev/interactivity/handling-user-interaction)."""
    text = body.decode("utf-8", "replace")
    if text.lstrip().startswith("{"):
        return readable(_json(text))
    form = parse_qs(text)
    if "payload" in form:
        return readable(_json(form["payload"][0]))
    return "command" in form or "ssl_check" in form


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python reads
        return None
