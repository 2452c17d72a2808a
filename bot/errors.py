"""Every error the project raises on purpose, in one place.

InterviewerError
├── StudyError             a study file is missing, malformed or invalid (message names file and field)
├── LabelFileError         a label or codes CSV for the analysis cannot be read (names file, line, column)
├── AnalysisInputError     a corpus or codebook for the analysis cannot be used (names file, line or entry)
├── InterviewerUnavailable Claude could not answer after retries; the turn is retried later
├── AnalysisUnavailable    Claude cannot be used for an analysis (no or rejected key, unknown model, outage)
└── DeliveryError          an adapter could not deliver an Outbound
    ├── Unreachable        the person cannot be messaged (blocked DMs, deleted user); never retried
    ├── RateLimited        the platform asked us to slow down; retry after `retry_after` seconds
    ├── Transient          network trouble or a 5xx; retry with backoff
    └── Permanent          a request the platform will never accept (bad token, bad payload)
        └── MissingPermission  the app lacks a permission (Slack scope) it needs; the message says which
"""

from __future__ import annotations


class InterviewerError(Exception):
    """Base of the project's own errors."""


class StudyError(InterviewerError):
    """A study file cannot be used. `problems` holds one line per problem, each naming file and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class LabelFileError(InterviewerError):
    """A hand-coded label file or a coded table cannot be used; the message says where and how to fix it."""


class AnalysisInputError(InterviewerError):
    """Interviews or a codebook to analyse cannot be used; the message says where and how to fix it."""


class InterviewerUnavailable(InterviewerError):
    """The interviewer model did not answer even after retries."""


class AnalysisUnavailable(InterviewerError):
    """The Claude mode of the analysis cannot go on; the message says what to fix (key, model, network)."""


class DeliveryError(InterviewerError):
    """Base for failures to deliver a message to a platform."""


class Unreachable(DeliveryError):
    """The participant cannot receive messages from the bot; do not retry."""


class RateLimited(DeliveryError):
    def __init__(self, retry_after: float, message: str = "rate limited"):
        self.retry_after = retry_after
        super().__init__(f"{message}; retry after {retry_after:g}s")


class Transient(DeliveryError):
    """A temporary failure; the same send may succeed later."""


class Permanent(DeliveryError):
    """The platform rejected the request for good."""


class MissingPermission(Permanent):
    """The app was not granted a permission the call needs (Slack's `missing_scope`): no retry, and no
    other member or message can succeed either until someone grants it. The message says how;
    `permission` names it (a Slack scope, "" when the platform did not say)."""

    def __init__(self, message: str, permission: str = ""):
        self.permission = permission
        super().__init__(message)
