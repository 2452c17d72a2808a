"""Calls to a platform that may be asked again: after a rate limit (its Retry-After) or a brief outage.

For work that is not in the outbox (which has its own retries): updating an answered message's buttons,
publishing a Home tab, uploading an export, looking up a member's profile. Each waits in the background
of a request already answered, so waiting out a limit costs nobody an answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.errors import RateLimited, Transient

T = TypeVar("T")


async def patiently(call: Callable[[], Awaitable[T]], *, tries: int = 3, wait_cap: float = 120.0) -> T:
    """`call()`, asked again after `RateLimited` (waiting its retry_after, at most `wait_cap` seconds)
    or `Transient` (2, 4, 8 ... seconds), up to `tries` calls in all; the last failure is raised, as is
    any other error at once."""
    for attempt in range(1, tries + 1):
        try:
            return await call()
        except RateLimited as exc:
            if attempt == tries:
                raise
            await asyncio.sleep(min(max(exc.retry_after, 1.0), wait_cap))
        except Transient:
            if attempt == tries:
                raise
            await asyncio.sleep(min(2.0**attempt, wait_cap))
    raise ValueError("tries must be at least 1")
