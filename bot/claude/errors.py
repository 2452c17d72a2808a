"""What can go wrong when asking Claude, as the rest of the bot needs to tell it apart.

InterviewerUnavailable (bot.errors)
└── ClaudeError
    ├── ClaudeOutage     429, 5xx, 529, timeouts, unreachable: retry later with back-off (and no
    │                    sooner than `retry_after`, when the API asked for a longer wait)
    ├── ClaudeRejected   400/401/402/403/404/413, and the 429 of the monthly spend cap: the same request
    │                    will not succeed until someone acts; `fix` says what to change
    ├── ClaudeCutOff     the reply filled the model's context window (model_context_window_exceeded)
    ├── ClaudeRefused    the model declined (stop_reason "refusal"), also on the fallback model
    └── ClaudeUnusable   replies that could not be read (cut off, not JSON, wrong shape), twice
"""

from __future__ import annotations

from bot.errors import InterviewerUnavailable


class ClaudeError(InterviewerUnavailable):
    kind = "error"


class ClaudeOutage(ClaudeError):
    """Claude is away for now. `retry_after`: seconds the API asked to wait before the next try, if any."""

    kind = "outage"

    def __init__(self, message: str, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message)


class ClaudeRejected(ClaudeError):
    """A permanent error. `status` is the HTTP status, `api_message` the API's own words, `fix` the remedy."""

    kind = "permanent"

    def __init__(self, status: int, api_message: str, fix: str):
        self.status, self.api_message, self.fix = status, api_message, fix
        super().__init__(f"Claude rejected the request ({status}: {api_message}). {fix}")


class ClaudeCutOff(ClaudeError):
    """The conversation no longer fits the model: asking again cannot help, so it is permanent."""

    kind = "permanent"


class ClaudeRefused(ClaudeError):
    kind = "refusal"


class ClaudeUnusable(ClaudeError):
    kind = "unusable"
