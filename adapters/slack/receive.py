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


def message_inbound(body: dict[str, Any]) -> Inbound | None:
    """A person's DM as an `Inbound`; None for what we ignore on purpose (bots, edits, deletions...)."""
    event = body.get("event") or {}
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    team = body.get("team_id") or event.get("team") or ""
    return history_inbound(team, event.get("channel") or "", event, live=True)


def history_inbound(
    team: str, channel: str, message: dict[str, Any], *, live: bool = False
) -> Inbound | None:
    """A message of a DM channel (an event's `event`, or an item of conversations.history) as an
    `Inbound`, keyed by channel and ts so that either way of receiving it is the same event. A message
    read from the history counts as received when it was sent: it has long been quiet."""
    if message.get("bot_id") or message.get("subtype") not in PERSON_SUBTYPES or not message.get("user"):
        return None
    ts = str(message.get("ts") or "")
    if not ts:
        return None
    sent_at = datetime.fromtimestamp(float(ts), UTC) if _TS.match(ts) and not live else None
    return Inbound(
        sender=Address(SLACK, team, message["user"]),
        dedupe_key=message_key(team, channel, ts),
        text=blocks.plain_text(message.get("text") or ""),
        attachments=len(message.get("files") or []),
        received_at=min(sent_at, utcnow()) if sent_at else utcnow(),
    )


def action_inbound(body: dict[str, Any]) -> Inbound | None:
    """A button click as an `Inbound`. One key per (message, button, person): a double click is one event."""
    actions, user = body.get("actions") or [], body.get("user") or {}
    if not actions or not user.get("id"):
        return None
    action = actions[0]
    action_id = str(action.get("action_id", ""))
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts") or ""
    who = Address(SLACK, team, user["id"])
    key = f"slack:action:{ts or action.get('action_ts', '')}:{action_id}:{user['id']}"
    if action_id == blocks.NOT_NOW_ACTION and action.get("value"):
        value = NOT_NOW + str(action["value"])
        return Inbound(who, key, prompt="start", choice=value, study_id=action["value"])
    if blocks.TAKE_PART_ACTION_PATTERN.match(action_id):
        return Inbound(who, key, prompt="start", choice="start", study_id=action.get("value") or None)
    clicked = blocks.decode_choice(str(action.get("value") or ""))
    if clicked is None:
        return None
    return Inbound(who, key, prompt=clicked.prompt, choice=clicked.value, interview_id=clicked.interview_id)


def command_text(wire: str) -> str:
    """The text after `/interviewer` as typed: Slack escapes `&`, `<` and `>` as entities; escaped channel
    references (`<#C123|general>`) stay as they are, for the invite command to read."""
    return wire.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
