"""Slack and Discord identifiers: mentions as the platforms encode them, raw ids, and handles.

Formats (https://docs.slack.dev/messaging/formatting-message-text/ and
https://discord.com/developers/docs/reference#message-formatting):
- Slack: `<@U0123ABCD>` (a user), `<#C0123ABCD|general>` (a channel), `<!subteam^S0123ABCD|@team>`,
  and raw ids: a capital letter for the kind (U, W, C, G, D, T, S, B, E) and 8 to 12 more capitals
  and digits.
- Discord: `<@123456789012345678>`, `<@!…>`, `<#…>`, `<@&…>` with a 17-20 digit snowflake id; legacy
  user names with a discriminator (`coolcat#4821`); handles (`@name`).
"""

from __future__ import annotations

import re

SLACK_MENTION = re.compile(r"<[@#!][A-Za-z0-9^]+(?:\|[^>]*)?>")
DISCORD_MENTION = re.compile(r"<(?:@[!&]?|#)\d{15,21}>")
# A raw Slack id has at least two digits, so ordinary capitalised words and acronyms never match.
SLACK_ID = re.compile(r"(?<![\w/])[UWCGDTSBE](?=[A-Z0-9]*\d[A-Z0-9]*\d)[A-Z0-9]{8,12}(?![\w])")
DISCORD_TAG = re.compile(r"(?<![\w@#])[\w.]{2,32}#\d{4}(?!\d)")
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,38}[A-Za-z0-9_])?")


def id_spans(text: str) -> list[tuple[int, int]]:
    if not any(ch in text for ch in "<#") and not SLACK_ID.search(text):
        return []
    spans = [m.span() for m in SLACK_MENTION.finditer(text)]
    spans += [m.span() for m in DISCORD_MENTION.finditer(text)]
    spans += [m.span() for m in SLACK_ID.finditer(text)]
    return spans


def handle_spans(text: str) -> list[tuple[int, int]]:
    if "@" not in text and "#" not in text:
        return []
    return [m.span() for m in DISCORD_TAG.finditer(text)] + [m.span() for m in HANDLE.finditer(text)]
