"""Which failed requests the SDK may retry on its own, and which the bot takes over or gives up on.

The SDK retries 408, 409, 429 and 5xx (529 included), and waits out any `retry-after` however long it
is. Two documented answers should not be retried that way
(https://platform.claude.com/docs/en/api/errors, https://platform.claude.com/docs/en/api/rate-limits):
- a 429 without `retry-after`: the usage tier's monthly spend cap (`error.details.error_code`
  "enforced_spend_limit_reached"), which no retry lifts before the next month;
- a `retry-after` longer than `max_wait`: waiting inside one call would keep a participant's turn (or a
  terminal) hanging for that long; the error goes up instead, and the engine schedules the next try
  no earlier than the API asked (`ClaudeOutage.retry_after`).
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import anthropic

MAX_WAIT_SECONDS = 60.0  # the longest retry-after waited out inside one call (the interviewer, planning)


def retry_after(headers: Any) -> float | None:
    """Seconds the response asks to wait (`retry-after-ms`, `retry-after` in seconds or as a date)."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(float(value) * scale, 0.0)
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(float(email.utils.mktime_tz(parsed) - time.time()), 0.0)
    return None


def spend_cap(status: int, headers: Any, body: Any = None) -> bool:
    """A 429 for the monthly spend cap: its error code says so, or it carries no retry-after."""
    if status != 429:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    if isinstance(details, dict) and details.get("error_code") == "enforced_spend_limit_reached":
        return True
    return retry_after(headers) is None


class RetryingClient(anthropic.AsyncAnthropic):
    """`AsyncAnthropic` whose own retries skip the spend cap and retry-afters beyond `max_wait`."""

    def __init__(self, *, max_wait: float | None = None, **options: Any):
        super().__init__(**options)
        self.max_wait = max_wait

    def _should_retry(self, response: Any) -> bool:  # the SDK's own httpx response
        if spend_cap(response.status_code, response.headers):
            return False
        wait = retry_after(response.headers)
        if self.max_wait is not None and wait is not None and wait > self.max_wait:
            return False
        return super()._should_retry(response)
