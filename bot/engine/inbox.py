"""The inbox as the engine reads it: stored rows become state-machine events, quick messages one turn."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from bot.interview.conversation import Click, Command, Event, Message, parse_command
from bot.interview.normalize import normalize_field, normalize_text
from bot.messages import Inbound
from bot.storage import CoreRow

Inbox = CoreRow  # an inbox row as read on the hot path: a Core row with InboxRow's columns
ENGLISH = frozenset({"en"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Drop control characters (keep newlines and tabs); keep every other character, emoji included.
    Text is normalised when received (`bot.engine.normalize`); this guards rows stored by older versions."""
    return _CONTROL.sub("", text).strip()


# The columns' own limits (bot.storage.models): a sender id past them is no platform's id.
ADDRESS_LIMITS = {"platform": 16, "workspace": 64, "user_id": 64}


def inbound_values(inbound: Inbound, max_chars: int) -> dict[str, Any] | None:
    """The inbox row for `inbound`: text normalised and cut to `max_chars` (its full length kept when
    cut), platform fields made valid and bounded. None when the sender's address cannot be stored."""
    who = inbound.sender
    address = {name: getattr(who, name) for name in ADDRESS_LIMITS}
    if not all(_storable(value, ADDRESS_LIMITS[name]) for name, value in address.items()):
        return None
    text = normalize_text(inbound.text, max_chars)
    received = inbound.received_at
    if received.tzinfo is None:  # a naive time from an adapter is taken as UTC, as stored
        received = received.replace(tzinfo=UTC)
    key = inbound.dedupe_key if inbound.dedupe_key.isascii() else normalize_field(inbound.dedupe_key)
    return {
        "dedupe_key": (key or "")[:200],
        "participant_key": who.key,
        **address,
        "text": text.text,
        "original_chars": text.original_length if text.truncated else None,
        "prompt": normalize_field(inbound.prompt),
        "choice": normalize_field(inbound.choice),
        "interview_id": inbound.interview_id if _sane_id(inbound.interview_id) else None,
        "attachments": max(0, min(int(inbound.attachments or 0), 1000)),
        "study_id": normalize_field(inbound.study_id, 64),
        "received_at": received,
        "attempts": 0,
    }


def _storable(value: object, limit: int) -> bool:
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _sane_id(value: object) -> bool:
    return isinstance(value, int) and 0 < value < 2**31


def _command(row: Inbox, languages: frozenset[str]) -> str | None:
    return None if row.choice is not None else parse_command(row.text, languages)


def event_for(rows: list[Inbox], languages: frozenset[str] = ENGLISH) -> Event:
    first = rows[0]
    if first.choice is not None:
        return Click(first.prompt or "", first.choice)
    if len(rows) == 1:
        command = _command(first, languages)
        if command:
            return Command(command, said=clean_text(first.text))
    text = "\n".join(clean_text(r.text) for r in rows if clean_text(r.text))
    cut = max((r.original_chars or 0 for r in rows if r.original_chars), default=0)
    return Message(text, sum(r.attachments for r in rows), cut_from=cut)


def coalesce(rows: Sequence[Inbox], languages: frozenset[str] = ENGLISH) -> list[list[Inbox]]:
    """Consecutive plain messages become one turn; clicks and commands stay on their own."""
    groups: list[list[Inbox]] = []
    for row in rows:
        plain = row.choice is None and _command(row, languages) is None
        if plain and groups and groups[-1][0].choice is None and _command(groups[-1][0], languages) is None:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups
