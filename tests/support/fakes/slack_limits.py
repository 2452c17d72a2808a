"""Slack's rate limits as the fake Web API (`tests.support.fakes.slack_api`) enforces them, and the
refusals a test scripts (`Scripted`): an over-limit call is answered HTTP 429 with `{"ok": false, "error": "ratelimited"}` and a
Retry-After header in seconds (https://docs.slack.dev/apis/web-api/rate-limits), and does not count.

- `Rates`: always, each method's tier in `TIERS` (calls a minute per workspace, a sliding minute;
  Retry-After until the oldest call leaves it; `FakeSlack.limit_per_minute` scales a method's minute down
  for tests); and, when a test asks (`FakeSlack.limit_rate`), a method's calls a second, per channel and
  per workspace.
- `NonMarketplace`: conversations.history and conversations.replies as Slack limits them for a
  commercially distributed app that is not approved for the Slack Marketplace: "limited to 1 request per
  minute ... The maximum and default for the limit parameter has been reduced to 15 objects"
  (https://api.slack.com/changelog/2025-05-terms-rate-limit-update-and-faq; the methods' pages,
  https://docs.slack.dev/reference/methods/conversations.history, "Rate limits"). Internal apps and
  Marketplace apps keep Tier 3 (50+ a minute) and a `limit` of up to 999 (the fake's default). Limits
  apply "per API method per workspace/team per app" (the rate-limits page). `window` scales the minute
  down for tests: one call per `window` seconds, Retry-After the rest of the window, rounded up.
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


# Methods' tiers, in calls a minute; Slack applies them "per API method per workspace/team per app"
# (https://docs.slack.dev/apis/web-api/rate-limits, where Tier 3 is "50+ per minute").
TIERS = {
    "chat.delete": 50,  # https://api.slack.com/methods/chat.delete: "Rate limits: Tier 3"
    # Tier 2, "20+ per minute" (https://docs.slack.dev/reference/methods/users.list, "Rate limits"): the
    # fake allows the floor, 20
    "users.list": 20,
}


class Rates:
    """Sliding windows: a minute per workspace for each method's tier, and one second per channel and per
    workspace for each method a test limits. A refused call does not count."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        # method -> (calls, in how many seconds) per workspace; a test may scale a minute down
        self.tiers: dict[str, tuple[int, float]] = {method: (calls, 60.0) for method, calls in TIERS.items()}
        self.limits: dict[str, tuple[float, float]] = {}  # method -> (per channel, per workspace) a second
        self._recent: dict[str, deque[float]] = defaultdict(deque)  # scope -> arrival times in its window

    def refuse(self, method: str, args: dict[str, Any], team: str | None = None) -> Refusal | None:
        now = self.clock()
        scopes: list[tuple[str, float, float]] = []  # (scope, calls allowed, in how many seconds)
        if method in self.tiers:
            scopes.append((f"tier:{team}:{method}", *self.tiers[method]))
        if method in self.limits:
            per_channel, per_workspace = self.limits[method]
            scopes += [(f"{method}:{args.get('channel')}", per_channel, 1.0), (method, per_workspace, 1.0)]
        for key, allowed, window in scopes:
            recent = self._recent[key]
            while recent and now - recent[0] >= window:
                recent.popleft()
            if len(recent) + 1 > allowed:
                return rate_limited(recent[0] + window - now)
        for key, _, _ in scopes:
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
