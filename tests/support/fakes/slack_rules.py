"""Slack's documented rules that the fake Web API enforces: each method's scopes (checked against what the
app's manifest grants), Block Kit limits, cursor pagination, and how a slash command's text is escaped.

Every rule names the page it comes from. The fake answers a broken rule the way Slack does.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from typing import Any

import yaml

from tests.support.paths import ROOT

MANIFEST = ROOT / "adapters" / "slack" / "manifest.yaml"
DOCS = "https://docs.slack.dev/reference/methods/"


@lru_cache(maxsize=1)
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def manifest_scopes() -> frozenset[str]:
    """The bot scopes the app asks for when installed (oauth_config.scopes.bot)."""
    return frozenset(manifest()["oauth_config"]["scopes"]["bot"])


def subscribed(event: dict[str, Any]) -> bool:
    """Whether Slack sends this event to the app: only event types its manifest subscribes to under
    settings.event_subscriptions.bot_events (https://docs.slack.dev/reference/app-manifest;
    "sent via subscription", e.g. https://docs.slack.dev/reference/events/app_uninstalled). A
    `message.*` subscription stands for the `message` type in that kind of conversation."""
    kinds = {name.split(".")[0] for name in manifest()["settings"]["event_subscriptions"]["bot_events"]}
    return str(event.get("type")) in kinds


def manifest_escapes_commands() -> bool:
    """`should_escape` of /interviewer: https://docs.slack.dev/reference/app-manifest (slash_commands)."""
    command = next(c for c in manifest()["features"]["slash_commands"] if c["command"] == "/interviewer")
    return bool(command.get("should_escape", False))


# ---- scopes ---------------------------------------------------------------------------------------
# Bot token scopes each method needs, from its page under https://docs.slack.dev/reference/methods/.
# For conversation methods the scope depends on the kind of conversation: public channel, private
# channel, DM (im) or group DM (mpim).
_BY_KIND = {
    # conversations.members: channels:read, groups:read, im:read, mpim:read
    "conversations.members": {
        "public": "channels:read",
        "private": "groups:read",
        "im": "im:read",
        "mpim": "mpim:read",
    },
    # conversations.history: channels:history, groups:history, im:history, mpim:history
    "conversations.history": {
        "public": "channels:history",
        "private": "groups:history",
        "im": "im:history",
        "mpim": "mpim:history",
    },
}
_FIXED = {
    "chat.postMessage": "chat:write",  # DOCS + chat.postMessage
    "chat.update": "chat:write",  # DOCS + chat.update
    "chat.delete": "chat:write",  # DOCS + chat.delete (Tier 3: 50+ a minute, enforced: slack_limits.TIERS)
    "chat.postEphemeral": "chat:write",  # DOCS + chat.postEphemeral
    "conversations.open": "im:write",  # DOCS + conversations.open (a 1:1 DM; mpim:write for a group DM)
    "users.info": "users:read",  # DOCS + users.info
    "users.list": "users:read",  # DOCS + users.list
    "files.getUploadURLExternal": "files:write",  # DOCS + files.getUploadURLExternal
    "files.completeUploadExternal": "files:write",  # DOCS + files.completeUploadExternal
}
# conversations.list needs the read scope of every type it is asked for (DOCS + conversations.list)
_LIST_TYPES = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}
NO_SCOPE = frozenset({"auth.test", "views.publish"})  # "No scope required" on their pages


def needed_scopes(method: str, args: dict[str, Any], kind: str | None) -> list[str]:
    """The scopes a call needs; `kind` is the kind of the conversation it names, if any."""
    if method in _FIXED:
        return [_FIXED[method]]
    if method in _BY_KIND and kind is not None:
        return [_BY_KIND[method][kind]]
    if method == "conversations.list":
        types = str(args.get("types") or "public_channel").split(",")
        return [_LIST_TYPES[t] for t in types if t in _LIST_TYPES]
    return []


def missing_scope(needed: list[str], granted: frozenset[str]) -> dict[str, Any] | None:
    """Slack's answer when a token lacks a scope: `needed` and `provided` next to the error
    (https://docs.slack.dev/authentication/tokens, and every method page's `missing_scope` error)."""
    lacking = [scope for scope in needed if scope not in granted]
    if not lacking:
        return None
    return {
        "ok": False,
        "error": "missing_scope",
        "needed": ",".join(lacking),
        "provided": ",".join(sorted(granted)),
    }


# ---- pagination -----------------------------------------------------------------------------------
# https://docs.slack.dev/apis/web-api/pagination: `limit` (the method's maximum, 1000 for
# conversations.members, conversations.list and users.list), an opaque `cursor`,
# `response_metadata.next_cursor` empty on the last page; a cursor Slack did not issue is `invalid_cursor`.


def page(
    items: list[Any], args: dict[str, Any], *, default: int = 100, most: int = 1000
) -> tuple[list[Any], str] | str:
    """One page of `items` and the next cursor ("" at the end), or the error to answer."""
    try:
        limit = int(args.get("limit") or default)
    except ValueError:
        return "invalid_limit"
    limit = max(1, min(limit, most))
    start = 0
    if args.get("cursor"):
        try:
            start = int(base64.b64decode(str(args["cursor"])).decode().removeprefix("offset:"))
        except ValueError:
            return "invalid_cursor"
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return chunk, base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""


# ---- Block Kit --------------------------------------------------------------------------------------
# Limits from https://docs.slack.dev/reference/block-kit/blocks and .../block-elements (button) and
# https://docs.slack.dev/reference/methods/chat.postMessage (50 blocks) / views.publish (100 blocks).
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
HEADER_TEXT = 150
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BLOCK_ID = 255
# https://docs.slack.dev/reference/block-kit/blocks/markdown-block: "The cumulative limit for all markdown
# blocks in a single payload is 12,000 characters." The page does not name the error; chat.postMessage
# lists `msg_blocks_too_long` ("Blocks submitted with this message are too long"), the error
# https://github.com/slackapi/bolt-js/issues/2509 reports for markdown blocks past about that size.
MARKDOWN_TEXT = 12_000

# ---- message text -----------------------------------------------------------------------------------
# chat.postMessage, "Truncating content" (https://docs.slack.dev/reference/methods/chat.postMessage#truncating):
# "Slack will truncate messages containing more than 40,000 characters"; such a message is still posted,
# with a `message_truncated` warning in `response_metadata`
# (https://api.slack.com/changelog/2018-04-truncating-really-long-messages, which applies it to
# chat.postEphemeral and response URLs too), and as `warning` beside `"ok": true`
# (https://api.slack.com/web#slack-web-api__evaluating-responses).
# chat.postMessage's errors no longer list `msg_too_long`; chat.update's page gives it for text over
# 4,000 characters: "Message text is too long. The `text` field cannot exceed 4,000 characters."
TEXT = 40_000
UPDATE_TEXT = 4_000
TRUNCATED = (
    "[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters."
)


def truncated(text: str) -> tuple[str, dict[str, Any]]:
    """The text Slack keeps of a posted message, and the warning fields of its answer (none if it fits)."""
    if len(text) <= TEXT:
        return text, {}
    warning = {
        "warning": "message_truncated",
        "response_metadata": {"messages": [TRUNCATED], "warnings": ["message_truncated"]},
    }
    return text[:TEXT], warning


def check_blocks(blocks: Any, most: int = MESSAGE_BLOCKS) -> str | None:
    """None when Slack would accept the blocks, else the error it answers (`invalid_blocks`, or
    `msg_blocks_too_long` for markdown blocks over their cumulative limit)."""
    if not isinstance(blocks, list) or len(blocks) > most:
        return "invalid_blocks"
    block_ids: set[str] = set()
    for block in blocks:
        if not isinstance(block, dict) or _block_problem(block, block_ids):
            return "invalid_blocks"
    markdown = sum(len(b["text"]) for b in blocks if b.get("type") == "markdown")
    return "msg_blocks_too_long" if markdown > MARKDOWN_TEXT else None


def _block_problem(block: dict[str, Any], block_ids: set[str]) -> bool:
    block_id = block.get("block_id")
    if block_id is not None:  # unique in the message, at most 255 characters
        if len(str(block_id)) > BLOCK_ID or block_id in block_ids:
            return True
        block_ids.add(block_id)
    kind = block.get("type")
    if kind == "section":
        return len((block.get("text") or {}).get("text", "")) > SECTION_TEXT
    if kind == "header":
        return len((block.get("text") or {}).get("text", "")) > HEADER_TEXT
    if kind == "context":
        return not 1 <= len(block.get("elements") or []) <= CONTEXT_ELEMENTS
    if kind == "actions":
        elements = block.get("elements") or []
        action_ids = [e.get("action_id") for e in elements if e.get("action_id") is not None]
        if not 1 <= len(elements) <= ACTIONS_ELEMENTS or len(action_ids) != len(set(action_ids)):
            return True  # action_id: "should be unique among all other action_ids in the containing block"
        return any(_button_problem(e) for e in elements)
    if kind == "markdown":  # markdown-block page: `text`, a string of standard markdown
        return not isinstance(block.get("text"), str)
    return kind not in ("divider", "image", "rich_text", "input", "file")


def _button_problem(element: dict[str, Any]) -> bool:
    if element.get("type") != "button":
        return False
    label = element.get("text") or {}
    text = label.get("text", "")
    return (
        label.get("type") != "plain_text"  # button-element page: text "Can only be of `type: plain_text`"
        or not text
        or len(text) > BUTTON_TEXT
        or len(str(element.get("value", ""))) > BUTTON_VALUE
        or len(str(element.get("action_id", ""))) > ACTION_ID
    )


# ---- slash command text -----------------------------------------------------------------------------
# https://docs.slack.dev/interactivity/implementing-slash-commands: with "Escape channels, users, and
# links" on, a channel picked while typing arrives as <#C123|name> and a user as <@U123|name>; off, the
# text arrives as typed ("#general"). `&`, `<` and `>` are always sent as entities.
_TYPED_CHANNEL = re.compile(r"(?<![\w<])#([a-z0-9][a-z0-9_-]*)")


def command_wire_text(typed: str, channel_ids: dict[str, str], escape: bool) -> str:
    """What Slack sends as a slash command's `text` for what the person typed."""
    wire = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not escape:
        return wire
    return _TYPED_CHANNEL.sub(
        lambda m: f"<#{channel_ids[m[1]]}|{m[1]}>" if m[1] in channel_ids else m[0], wire
    )
