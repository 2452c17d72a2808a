"""Discord's documented rules that the fake REST API enforces, with the page each comes from, and the
wire helpers it shares (JSON answers as discord.py expects them, multipart message bodies)."""

from __future__ import annotations

import email.parser
import email.policy
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

NONCE_WINDOW = 300.0  # enforce_nonce: a nonce repeated within a few minutes returns the earlier message
# "you must send an initial response within 3 seconds of receiving the event" (then the token is
# invalidated): https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction
INTERACTION_DEADLINE = 3.0
UNKNOWN_INTERACTION = {"message": "Unknown interaction", "code": 10062}


def now() -> str:
    return datetime.now(UTC).isoformat()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # exactly "application/json", no charset: discord.py parses a body as JSON only then
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def invalid(message: str, code: int = 50035) -> web.Response:
    return json_response({"message": message, "code": code}, status=400)


FILES = "__files__"  # where _multipart puts the uploaded files, as (filename, bytes) pairs


def multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart/form-data message create: `payload_json` plus `files[n]` parts, as Discord reads it."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    body: dict[str, Any] = {}
    files: list[tuple[str, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if name == "payload_json":
            body.update(json.loads(data))
        elif isinstance(name, str) and name.startswith("files["):
            files.append((part.get_filename() or name, data))
    body[FILES] = files
    return body


def check_message(body: dict[str, Any]) -> str | None:
    """What Discord refuses in a message the bot creates or edits (400, code 50035), or None.

    Content at most 2,000 characters and a nonce at most 25
    (https://discord.com/developers/docs/resources/message#create-message); at most 5 action rows of at
    most 5 buttons, a button's label at most 80 characters, its custom_id 1 to 100 characters and
    unique among the message's components
    (https://discord.com/developers/docs/components/reference#action-row,
    https://discord.com/developers/docs/components/reference#button,
    https://discord.com/developers/docs/components/reference#anatomy-of-a-component-custom-id).
    """
    if len(body.get("content") or "") > 2000:
        return "content: Must be 2000 or fewer in length."
    if body.get("nonce") is not None and len(str(body["nonce"])) > 25:
        return "nonce: Must be 25 or fewer in length."
    rows = body.get("components") or []
    if len(rows) > 5:
        return "components: Must be 5 or fewer in length."
    seen: set[str] = set()
    for row in rows:
        buttons = row.get("components", [])
        if row.get("type") != 1 or not 1 <= len(buttons) <= 5:
            return "components: an action row holds 1 to 5 components"
        for button in buttons:
            problem = _button_problem(button, seen)
            if problem:
                return problem
    return None


def _button_problem(button: dict[str, Any], seen: set[str]) -> str | None:
    custom_id = button.get("custom_id")
    if button.get("style") != 5:  # every button but a link button carries a custom_id
        if not custom_id or len(custom_id) > 100:
            return "custom_id: Must be between 1 and 100 in length."
        if custom_id in seen:
            return "components: Component custom id cannot be duplicated"
        seen.add(custom_id)
    if len(button.get("label", "")) > 80:
        return "label: Must be 80 or fewer in length."
    return None


@dataclass
class Bucket:
    """A per-route rate limit with Discord's headers (https://discord.com/developers/docs/topics/rate-limits):
    X-RateLimit-Limit, -Remaining, -Reset, -Reset-After and -Bucket on every answer, and 429 with
    `retry_after` (body and Retry-After header) once the bucket is empty."""

    name: str
    limit: int
    per: float
    _window_start: float = 0.0
    _used: int = 0
    refused: int = field(default=0)

    def take(self) -> tuple[bool, dict[str, str]]:
        now = time.monotonic()
        if now - self._window_start >= self.per:
            self._window_start, self._used = now, 0
        allowed = self._used < self.limit
        if allowed:
            self._used += 1
        else:
            self.refused += 1
        reset_after = max(self.per - (now - self._window_start), 0.001)
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.limit - self._used),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self.name,
        }
        if not allowed:
            headers.update(
                {"Retry-After": f"{reset_after:.3f}", "X-RateLimit-Scope": "user", "Via": "1.1 google"}
            )
        return allowed, headers
