"""What can go wrong when asking Claude, as the rest of the bot needs to tell it apart.

InterviewerUnavailable (bot.errors)
└── ClaudeError
    ├── ClaudeOutage     429, 5xx, 529, timeouts, unreachable: retry later with back-off
    ├── ClaudeRejected   400/401/403/404: the same request will never succeed; `fix` says what to change
    ├── ClaudeRefused    the model declined (stop_reason "refusal"), also on the fallback model
    └── ClaudeUnusable   replies that could not be read (cut off, not JSON, wrong shape), twice
"""

from __future__ import annotations

from bot.errors import InterviewerUnavailable


class ClaudeError(InterviewerUnavailable):
    kind = "error"


class ClaudeOutage(ClaudeError):
    kind = "outage"


class ClaudeRejected(ClaudeError):
    """A permanent error. `status` is the HTTP status, `api_message` the API's own words, `fix` the remedy."""

    kind = "permanent"

    def __init__(self, status: int, api_message: str, fix: str):
        self.status, self.api_message, self.fix = status, api_message, fix
        super().__init__(f"Claude rejected the request ({status}: {api_message}). {fix}")


class ClaudeRefused(ClaudeError):
    kind = "refusal"


class ClaudeUnusable(ClaudeError):
    kind = "unusable"
