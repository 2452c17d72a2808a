"""Slack payloads as `Inbound`s, with the dedupe rules in one place: a DM event (live, retried, or read
back from the history after downtime), and a button click. Pure functions of the payload."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from adapters.slack import blocks
from bot.interview.texts import NOT_NOW
from bot.messages import Address, Inbound, utcnow

SLACK = "slack"
# Message subtypes that carry something a person wrote; edits, deletions, joins and bots are ignored.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "me_message"})
_TS = re.compile(r"^\d{9,11}\.\d{1,6}$")


def message_key(team: str, channel: str, ts: str) -> str:
    """One key per Slack message, whether it came as an event, a retry of it, or from the history read
    after downtime (a message's `ts` is unique in its channel)."""
    return f"slack:{team}:{channel}:{ts}"


def _text(value: object) -> str:
    """A field Slack sends as a string, or "" for anything else (a signed body of the wrong shape)."""
    return value if isinstance(value, str) else ""


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def message_inbound(body: dict[str, Any]) -> Inbound | None:
    """A person's DM as an `Inbound`; None for what we ignore on purpose (bots, edits, deletions...)."""
    event = _object(body.get("event"))
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    team = _text(body.get("team_id")) or _text(event.get("team"))
    return history_inbound(team, _text(event.get("channel")), event, live=True)


def history_inbound(
    team: str, channel: str, message: dict[str, Any], *, live: bool = False
) -> Inbound | None:
    """A message of a DM channel (an event's `event`, or an item of conversations.history) as an
    `Inbound`, keyed by channel and ts so that either way of receiving it is the same event. A message
    read from the history counts as received when it was sent: it has long been quiet."""
    subtype, user, text = message.get("subtype"), _text(message.get("user")), message.get("text")
    if message.get("bot_id") or not (subtype is None or isinstance(subtype, str)):
        return None
    if subtype not in PERSON_SUBTYPES or not user or not (text is None or isinstance(text, str)):
        return None  # also what no Slack message looks like: a user or text that is no string
    ts = message.get("ts")
    ts = ts if isinstance(ts, str) else str(ts) if isinstance(ts, int | float) and ts else ""
    if not ts:
        return None
    files = message.get("files")
    sent_at = datetime.fromtimestamp(float(ts), UTC) if _TS.match(ts) and not live else None
    return Inbound(
        sender=Address(SLACK, team, user),
        dedupe_key=message_key(team, channel, ts),
        text=blocks.plain_text(text or ""),
        attachments=len(files) if isinstance(files, list) else 0,
        received_at=min(sent_at, utcnow()) if sent_at else utcnow(),
    )


def action_inbound(body: dict[str, Any]) -> Inbound | None:
    """A button click as an `Inbound`. One key per (message, button, person): a double click is one event."""
    actions, user = body.get("actions"), _object(body.get("user"))
    user_id = _text(user.get("id"))
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict) or not user_id:
        return None
    action = actions[0]
    action_id, value = _text(action.get("action_id")), _text(action.get("value"))
    team = _text(_object(body.get("team")).get("id")) or _text(user.get("team_id"))
    container, message = _object(body.get("container")), _object(body.get("message"))
    ts = _text(container.get("message_ts")) or _text(message.get("ts"))
    who = Address(SLACK, team, user_id)
    key = f"slack:action:{ts or _text(action.get('action_ts'))}:{action_id}:{user_id}"
    if action_id == blocks.NOT_NOW_ACTION and value:
        return Inbound(who, key, prompt="start", choice=NOT_NOW + value, study_id=value)
    if blocks.TAKE_PART_ACTION_PATTERN.match(action_id):
        return Inbound(who, key, prompt="start", choice="start", study_id=value or None)
    clicked = blocks.decode_choice(value)
    if clicked is None:
        return None
    return Inbound(who, key, prompt=clicked.prompt, choice=clicked.value, interview_id=clicked.interview_id)


def command_text(wire: str) -> str:
    """The text after `/interviewer` as typed: Slack escapes `&`, `<` and `>` as entities; escaped channel
    references (`<#C123|general>`) stay as they are, for the invite command to read."""
    return wire.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
