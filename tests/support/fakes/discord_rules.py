"""Discord's documented rules that the fake REST API enforces, with the page each comes from, and the
wire helpers it shares (JSON answers as discord.py expects them, multipart message bodies)."""

from __future__ import annotations

import email.parser
import email.policy
import json
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

NONCE_WINDOW = 300.0  # enforce_nonce: a nonce repeated within a few minutes returns the earlier message
# "you must send an initial response within 3 seconds of receiving the event" (then the token is
# invalidated): https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction
INTERACTION_DEADLINE = 3.0
UNKNOWN_INTERACTION = {"message": "Unknown interaction", "code": 10062}
# "Interaction tokens are valid for 15 minutes, meaning you can respond to an interaction within that amount
# of time": https://discord.com/developers/docs/interactions/receiving-and-responding#followup-messages.
# After it Discord answers 401 code 50027 (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json,
# "Invalid webhook token provided"; the 401 is what it sends, e.g. discord/discord-api-docs#6851).
INTERACTION_TOKEN_LIFETIME = 900.0
INVALID_WEBHOOK_TOKEN = {"message": "Invalid Webhook Token", "code": 50027}
UNKNOWN_WEBHOOK = {"message": "Unknown Webhook", "code": 10015}
UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}
# Delete Message (https://discord.com/developers/docs/resources/message#delete-message): 204 on success;
# "If operating on a guild channel and trying to delete a message that was not sent by the current user,
# this endpoint requires the MANAGE_MESSAGES permission", which a DM does not have: another user's message
# there is refused with 50003 "Cannot execute action on a DM channel", in a server without the permission
# with 50013 "Missing Permissions" (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
# A message that no longer exists answers 404 code 10008 Unknown Message. Rate limits are per route, told by
# the headers (https://discord.com/developers/docs/topics/rate-limits); the fake's bucket is 5 a second,
# the figure the page's earlier versions gave for this route.
CANNOT_IN_DM = {"message": "Cannot execute action on a DM channel", "code": 50003}
MISSING_PERMISSIONS = {"message": "Missing Permissions", "code": 50013}
# "The file upload size limit applies to each file in a request. The default limit is 10 MiB"
# (https://discord.com/developers/docs/reference#uploading-files), and "The maximum request size when
# sending a message is 25 MiB" (https://discord.com/developers/docs/resources/message#create-message-limitations).
# Over either, code 40005 "Request entity too large" (opcodes-and-status-codes#json) with status 413.
FILE_LIMIT = 10 * 1024 * 1024
REQUEST_LIMIT = 25 * 1024 * 1024
TOO_LARGE = {"message": "Request entity too large", "code": 40005}
# "At least one of content, embeds, sticker_ids, components, files[n], poll, or shared_client_theme is
# required. When forwarding a message, only message_reference is required"
# (https://discord.com/developers/docs/resources/message#create-message-json/form-params); Execute Webhook,
# and so a follow-up: "at least one of content, embeds, components, file, or poll"
# (https://discord.com/developers/docs/resources/webhook#execute-webhook). Code 50006 (opcodes-and-status-codes#json).
EMPTY_MESSAGE = {"message": "Cannot send an empty message", "code": 50006}
_MESSAGE_PARTS = ("content", "embeds", "sticker_ids", "components", "poll", "shared_client_theme")


# "Global rate limits apply to the total number of requests a bot or user makes, independent of any per-route
# limits", but "Interaction endpoints are not bound to the bot's Global Rate Limit"
# (https://discord.com/developers/docs/topics/rate-limits#global-rate-limit). Its 429 has `"global": true` in
# the body and the headers X-RateLimit-Global: true and X-RateLimit-Scope: global (#header-format,
# #exceeding-a-rate-limit-example-exceeded-global-rate-limit-response); "Your application should rely on the
# Retry-After header or retry_after field to determine when to retry the request" (#exceeding-a-rate-limit).
INTERACTION_ROUTES = ("/interactions/", "/webhooks/")


def global_limit(retry_after: float) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and headers of a 429 for the global rate limit, `retry_after` seconds from its end."""
    body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": True}
    headers = {
        "Retry-After": str(max(1, round(retry_after))),  # whole seconds, as in the page's example
        "X-RateLimit-Global": "true",
        "X-RateLimit-Scope": "global",
        "Via": "1.1 google",  # Discord's answers come through Google's load balancer; Cloudflare's have none
    }
    return body, headers


def now() -> str:
    return datetime.now(UTC).isoformat()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # exactly "application/json", no charset: discord.py parses a body as JSON only then
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def invalid(message: str, code: int = 50035, errors: dict[str, Any] | None = None) -> web.Response:
    """400 with Discord's error body; `errors` is the per-field form error object
    (https://discord.com/developers/docs/reference#error-messages)."""
    body: dict[str, Any] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status=400)


def is_empty(body: dict[str, Any]) -> bool:
    """A message with none of the parts a message needs (see EMPTY_MESSAGE)."""
    if any(body.get(key) for key in _MESSAGE_PARTS) or body.get(FILES):
        return False
    reference = body.get("message_reference") or {}
    return reference.get("type") != 1  # FORWARD (resources/message#message-reference-types)


def too_large(body: Any) -> bool:
    """A file of the request over the per-file upload limit (see FILE_LIMIT)."""
    files = body.get(FILES, []) if isinstance(body, dict) else []
    return any(len(data) > FILE_LIMIT for _, data in files)


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


def callback_problem(interaction_type: int, kind: Any, data: dict[str, Any]) -> web.Response | None:
    """What Discord refuses in an interaction response, or None.

    DEFERRED_UPDATE_MESSAGE (6) and UPDATE_MESSAGE (7) are "Only valid for component-based interactions"
    (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type):
    MESSAGE_COMPONENT (3) here, as the fake delivers no modal submits; the docs name no code, so it is the
    form error on `type`. The message of CHANNEL_MESSAGE_WITH_SOURCE (4) and UPDATE_MESSAGE (7) follows the
    message rules (`check_message`).
    """
    if kind in (6, 7) and interaction_type != 3:
        message = f"Interaction callback type {kind} is only valid for component-based interactions."
        return invalid("Invalid Form Body", errors={"type": _error("BASE_TYPE_CHOICES", message)})
    if kind in (4, 7):
        problem = check_message(data)
        if problem:
            return invalid(problem)
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


# ---- application commands: https://discord.com/developers/docs/interactions/application-commands -------
# - #application-command-object-application-command-naming: a name is 1-32 characters; CHAT_INPUT command
#   and option names "must match the following regex ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ ... If
#   there is a lowercase variant of any letters used, you must use those".
# - #application-command-object-application-command-structure: description "1-100 characters" for
#   CHAT_INPUT commands; "options? ... max of 25".
# - #application-command-object-application-command-option-structure: option description "1-100
#   character"; "choices? ... max 25"; subcommand "options ... up to 25".
# - #application-command-object-application-command-option-choice-structure: choice name "1-100
#   character", value "up to 100 characters if string".
# - #slash-commands: "a maximum of 8000 characters for combined name, description, and value properties for
#   each command, its options (including subcommands and groups), and choices ... only the longest
#   localization for each field (including the default value) is counted".
# Refused with 400 code 50035 "Invalid Form Body" and the `errors` object of
# https://discord.com/developers/docs/reference#error-messages (its example is APPLICATION_COMMAND_TOO_LARGE;
# the other field codes are the ones Discord sends, e.g. BASE_TYPE_BAD_LENGTH).
COMMAND_SIZE_LIMIT = 8000
MAX_ITEMS = 25


def command_errors(commands: Any) -> dict[str, Any]:
    """The form errors of a Bulk Overwrite Application Commands body, keyed by command index; {} if valid."""
    if not isinstance(commands, list):
        return _error("BASE_TYPE_ARRAY", "Must be an array.")
    errors: dict[str, Any] = {}
    for index, command in enumerate(commands):
        chat = command.get("type", 1) == 1  # CHAT_INPUT
        found = _item_errors(command, chat, description=chat)
        if chat and _size(command) > COMMAND_SIZE_LIMIT:
            found.update(
                _error(
                    "APPLICATION_COMMAND_TOO_LARGE", f"Command exceeds maximum size ({COMMAND_SIZE_LIMIT})"
                )
            )
        if found:
            errors[str(index)] = found
    return errors


def _item_errors(item: dict[str, Any], chat: bool, *, description: bool) -> dict[str, Any]:
    """A command's or option's own errors, and those of its options and choices."""
    errors: dict[str, Any] = {}
    name = item.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        errors["name"] = _error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    elif chat and (name != name.lower() or not all(map(_name_char, name))):
        errors["name"] = _error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if description and not 1 <= len(item.get("description") or "") <= 100:
        errors["description"] = _error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    for key in ("options", "choices"):
        children = item.get(key) or []
        if len(children) > MAX_ITEMS:
            errors[key] = _error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ITEMS} or fewer in length.")
            continue
        nested = {
            str(i): found
            for i, child in enumerate(children)
            if (
                found := _item_errors(child, chat, description=True)
                if key == "options"
                else _choice_errors(child)
            )
        }
        if nested:
            errors[key] = nested
    return errors


def _choice_errors(choice: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if not 1 <= len(str(choice.get("name") or "")) <= 100:
        errors["name"] = _error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if isinstance(choice.get("value"), str) and len(choice["value"]) > 100:
        errors["value"] = _error("BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    return errors


def _name_char(char: str) -> bool:
    """Python's `re` has no \\p{..} classes: letters and digits (\\p{L}, \\p{N}) are approximated by
    str.isalnum(), and Devanagari and Thai (\\p{sc=Deva}, \\p{sc=Thai}, whose vowel signs are not alnum) by
    the character's Unicode name."""
    return char.isalnum() or char in "-_'" or unicodedata.name(char, "").startswith(("DEVANAGARI ", "THAI "))


def _size(item: dict[str, Any]) -> int:
    """The characters of name, description and value of an item and everything under it, counting the longest
    localization of each field."""
    total = len(str(item.get("value", "")))
    for key in ("name", "description"):
        values = [str(item.get(key) or ""), *map(str, (item.get(f"{key}_localizations") or {}).values())]
        total += max(map(len, values))
    return total + sum(_size(child) for key in ("options", "choices") for child in item.get(key) or [])


def _error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


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
