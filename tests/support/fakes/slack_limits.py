"""Slack's rate limits as the fake Web API (`tests.support.fakes.slack_api`) enforces them, and the
refusals a test scripts (`Scripted`): an over-limit call is answered HTTP 429 with `{"ok": false, "error": "ratelimited"}` and a
Retry-After header in seconds (https://docs.slack.dev/apis/web-api/rate-limits), and does not count.

- `PerSecond`: a method's calls a second, per channel and per workspace (`FakeSlack.limit_rate`).
- `NonMarketplace`: conversations.history and conversations.replies as Slack limits them for a
  commercially distributed app that is not approved for the Slack Marketplace: "limited to 1 request per
  minute ... The maximum and default for the limit parameter has been reduced to 15 objects"
  (https://api.slack.com/changelog/2025-05-terms-rate-limit-update-and-faq; the methods' pages,
  https://docs.slack.dev/reference/methods/conversations.history, "Rate limits"). Internal apps and
  Marketplace apps keep Tier 3 (50+ a minute) and a `limit` of up to 999 (the fake's default). Limits
  apply "per API method per workspace/team per app" (the rate-limits page). `window` scales the minute
  down for tests: one call per `window` seconds, Retry-After the rest of the window, rounded up.
- `PerMinute`: a method's tier as calls a minute per workspace, on by default for users.list, Tier 2:
  "20+ per minute" (https://docs.slack.dev/reference/methods/users.list, "Rate limits"; the tiers:
  https://docs.slack.dev/apis/web-api/rate-limits). The fake allows the floor, 20, in any 60 s; `window`
  scales the minute down for tests (`FakeSlack.limit_per_minute`).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

Refusal = tuple[dict[str, Any], int, dict[str, str]]  # body, HTTP status, headers
HISTORY_PAGE = 100, 999  # conversations.history's `limit`: default and maximum (the method's page)
NON_MARKETPLACE_PAGE = 15, 15  # the same for a non-Marketplace distributed app (the changelog above)
NON_MARKETPLACE_METHODS = frozenset({"conversations.history", "conversations.replies"})
TIER_2 = 20  # calls a minute: users.list (the method's page, "Rate limits")


class Scripted:
    """Answers a test queued for a method's next calls (`FakeSlack.fail_next`, `rate_limit_next`): an
    ok:false error, or with a Retry-After, a 429."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[tuple[str, int | None]]] = defaultdict(deque)

    def add(self, method: str, error: str, retry_after: int | None, times: int) -> None:
        self._queued[method].extend([(error, retry_after)] * times)

    def refuse(self, method: str) -> Refusal | None:
        if not self._queued.get(method):
            return None
        error, retry_after = self._queued[method].popleft()
        if retry_after is None:
            return {"ok": False, "error": error}, 200, {}
        return {"ok": False, "error": error}, 429, {"Retry-After": str(retry_after)}


def rate_limited(retry_after: float) -> Refusal:
    return {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(max(1, math.ceil(retry_after)))}


class PerSecond:
    """A sliding one-second window per channel and per workspace for each limited method."""

    def __init__(self) -> None:
        self.limits: dict[str, tuple[float, float]] = {}  # method -> (per channel, per workspace) a second
        self._recent: dict[str, deque[float]] = defaultdict(deque)  # scope -> arrival times, last second

    def refuse(self, method: str, args: dict[str, Any], now: float) -> Refusal | None:
        if method not in self.limits:
            return None
        per_channel, per_workspace = self.limits[method]
        scopes = ((f"{method}:{args.get('channel')}", per_channel), (method, per_workspace))
        for key, rate in scopes:
            recent = self._recent[key]
            while recent and now - recent[0] >= 1.0:
                recent.popleft()
            if len(recent) + 1 > rate:
                return rate_limited(1)
        for key, _ in scopes:
            self._recent[key].append(now)
        return None


class NonMarketplace:
    """One conversations.history (or .replies) call per `window` seconds per workspace, 15 items a page."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.window, self.clock = window, clock
        self._last: dict[tuple[str, str | None], float] = {}  # (method, workspace) -> last answered call

    def refuse(self, method: str, team: str | None) -> Refusal | None:
        if method not in NON_MARKETPLACE_METHODS:
            return None
        now, last = self.clock(), self._last.get((method, team))
        if last is not None and now - last < self.window:
            return rate_limited(self.window - (now - last))
        self._last[(method, team)] = now
        return None


class PerMinute:
    """At most `calls` answered calls of a method in any `window` seconds, per workspace; the call past
    that is answered 429 with Retry-After until the oldest of them leaves the window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.limits: dict[str, tuple[int, float]] = {
            "users.list": (TIER_2, 60.0)
        }  # method -> (calls, window)
        self._recent: dict[tuple[str, str | None], deque[float]] = defaultdict(deque)

    def refuse(self, method: str, team: str | None) -> Refusal | None:
        if method not in self.limits:
            return None
        calls, window = self.limits[method]
        now, recent = self.clock(), self._recent[(method, team)]
        while recent and now - recent[0] >= window:
            recent.popleft()
        if len(recent) >= calls:
            return rate_limited(window - (now - recent[0]))
        recent.append(now)
        return None
