"""Prompt-cache marks per interview turn: which TTL, and only where the prefix is long enough to cache.

Caching pays when the next request reads the entry before it expires: a write costs 1.25x the input
price for 5 minutes or 2x for 1 hour, a read 0.1x or less, and an entry that lapses unread is a write
paid for nothing (https://platform.claude.com/docs/en/build-with-claude/prompt-caching, pricing page).
Participants in Slack and Discord answer anywhere from seconds to hours apart, so the TTL follows the
pace of their recent replies: 5 minutes when they answer quickly, 1 hour when they answer within the
hour, and no mark at all when they take longer (each turn then costs the plain input price, never
more). Before the first interview answer the pace comes from the consent and screening answers: each
next prompt goes out as soon as the previous answer is in, so the time between two such answers is
one reply's time. A prefix shorter than the model's minimum cacheable length is not cached by the API,
so it is not marked either.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

PACE_REPLIES = 3  # how many of the participant's latest reply gaps tell their pace (and so the TTL)
FIVE_MINUTES_UP_TO = 4 * 60.0  # seconds; leaves a margin for the model's answer and delivery
ONE_HOUR_UP_TO = 50 * 60.0
CHARS_PER_TOKEN = 4.5  # slightly more than English averages, so the estimate errs low and marks stay valid


def reply_gaps(
    turns: list[tuple[str, datetime | None]], answered_before: tuple[datetime, ...] = ()
) -> list[float]:
    """Seconds the participant took for each reply, oldest first: between consecutive consent and
    screening answers (`answered_before`), then between each interviewer message and their next one."""
    earlier = sorted(answered_before)
    gaps = [(b - a).total_seconds() for a, b in zip(earlier, earlier[1:], strict=False)]
    asked = None
    for role, at in turns:
        if at is None:
            continue
        if role == "interviewer":
            asked = at
        elif asked is not None:
            gaps.append((at - asked).total_seconds())
            asked = None
    return gaps


def choose_ttl(setting: str, gaps: list[float]) -> str | None:
    """ "5m", "1h" or None (no mark) for the next request, from the setting and recent reply gaps."""
    if setting == "off":
        return None
    if setting in ("5m", "1h"):
        return setting
    if not gaps:
        return "5m"  # nothing to go by (no screening): the participant answered the consent a moment ago
    expected = statistics.median(gaps[-PACE_REPLIES:])
    if expected <= FIVE_MINUTES_UP_TO:
        return "5m"
    if expected <= ONE_HOUR_UP_TO:
        return "1h"
    return None


def estimate_tokens(value: Any) -> int:
    """A low estimate of a request fragment's tokens, from the text it carries."""
    if isinstance(value, str):
        return int(len(value) / CHARS_PER_TOKEN)
    if isinstance(value, dict):
        return sum(estimate_tokens(v) for k, v in value.items() if k != "cache_control")
    if isinstance(value, list):
        return sum(estimate_tokens(v) for v in value)
    return 0


def mark(blocks: list[tuple[dict[str, Any], int]], ttl: str | None, minimum: int) -> None:
    """Put `cache_control` with `ttl` on each block whose prefix (tokens up to and including it) reaches
    the model's minimum cacheable length. `blocks` pairs each block to mark with its prefix tokens."""
    if ttl is None:
        return
    for block, prefix_tokens in blocks:
        if prefix_tokens >= minimum:
            block["cache_control"] = {"type": "ephemeral", "ttl": ttl}
