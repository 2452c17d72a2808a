"""The inbox as the engine reads it: stored rows become state-machine events, quick messages one turn."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from bot import interview as sm

Inbox = sa.Row[Any]  # an inbox row as read on the hot path: a Core row with InboxRow's columns
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Drop control characters (keep newlines and tabs); keep every other character, emoji included."""
    return _CONTROL.sub("", text).strip()


def event_for(rows: list[Inbox]) -> sm.Event:
    first = rows[0]
    if first.choice is not None:
        return sm.Click(first.prompt or "", first.choice)
    if len(rows) == 1:
        command = sm.parse_command(first.text)
        if command:
            return sm.Command(command)
    text = "\n".join(clean_text(r.text) for r in rows if clean_text(r.text))
    return sm.Message(text, sum(r.attachments for r in rows))


def coalesce(rows: list[Inbox]) -> list[list[Inbox]]:
    """Consecutive plain messages become one turn; clicks and commands stay on their own."""
    groups: list[list[Inbox]] = []
    for row in rows:
        plain = row.choice is None and sm.parse_command(row.text) is None
        if plain and groups and groups[-1][0].choice is None and sm.parse_command(groups[-1][0].text) is None:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups
