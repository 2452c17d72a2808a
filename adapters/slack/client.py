"""Slack's Web API client: 429s and dropped connections retried inside the call (a long wait goes back to
the outbox), and Slack's errors as the engine's platform-neutral delivery errors."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import aiohttp
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import DeliveryError, MissingPermission, Permanent, RateLimited, Transient, Unreachable
from bot.settings import Settings

log = logging.getLogger(__name__)
BOT_TOKEN_HINT = "Copy the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page."
UNREACHABLE = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "messages_tab_disabled",
        "user_not_visible",
        "restricted_action",
        "team_access_not_granted",
    }
)
RATE_LIMITED = frozenset({"ratelimited", "rate_limited", "message_limit_exceeded"})
TRANSIENT = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"}
)
# The bot's own token refused ("account_inactive: Authentication token is for a deleted user or workspace
# when using a bot token", https://docs.slack.dev/reference/methods/chat.postMessage): not the
# recipient's doing, so nobody is marked unreachable; messages wait for a working token
TOKEN_REFUSED = frozenset(
    {"account_inactive", "invalid_auth", "not_authed", "token_revoked", "token_expired"}
)


# ---- Web API client and errors ---------------------------------------------------------------------


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return max(float(value), 0.0)
            except ValueError:
                break
    return 1.0


# Set while a paced bulk message (invitation, reminder) is being sent: its 429s go back to the outbox.
BULK_SEND: contextvars.ContextVar[bool] = contextvars.ContextVar("slack_bulk_send", default=False)
# Set while Slack waits for our answer to a request (checking an event's token): a 429 is not waited
# out inside the call, since Slack wants the answer within 3 seconds (https://docs.slack.dev/apis/events-api/)
ANSWER_PENDING: contextvars.ContextVar[bool] = contextvars.ContextVar("slack_answer_pending", default=False)


class ShortRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """Waits out a 429 inside the call when Slack asks for a short pause; a long one goes back to the
    outbox as `RateLimited`, so one slow conversation does not hold up the others.

    Bulk messages are never retried inside the call: a retry there would bypass the pacer, add to the
    burst that drew the 429, and hold a sending slot while it waits. The outbox puts the row back, and it
    goes out later through the pacer like any other.
    """

    def __init__(self, max_retry_count: int = 2, max_wait: float = 10.0):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429 or BULK_SEND.get() or ANSWER_PENDING.get():
            return False
        return _retry_after(response.headers) <= self.max_wait


def make_client(settings: Settings, *, token: str | None = None) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL as base, 429s and dropped connections retried inside the call."""
    handlers: list[AsyncRetryHandler] = [
        AsyncConnectionErrorRetryHandler(
            max_retry_count=2, interval_calculator=BackoffRetryIntervalCalculator(backoff_factor=0.25)
        ),
        ShortRateLimitRetry(),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ]
    base_url = (
        settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    )
    return AsyncWebClient(
        token=token or secret_value(settings.slack_bot_token), base_url=base_url, retry_handlers=handlers
    )


def classify(exc: SlackApiError) -> DeliveryError:
    """A Slack API error as one of the platform-neutral delivery errors."""
    response = exc.response
    data = response.data if isinstance(response.data, dict) else {}
    error = str(data.get("error") or f"HTTP {response.status_code}")
    if response.status_code == 429 or error in RATE_LIMITED:
        return RateLimited(_retry_after(response.headers or {}), f"Slack: {error}")
    if error in UNREACHABLE:
        return Unreachable(f"Slack: {error}")
    if error in TOKEN_REFUSED:
        return Transient(f"Slack: {error}: the bot token was refused; check it (`interviewer doctor`)")
    if response.status_code >= 500 or error in TRANSIENT:
        return Transient(f"Slack: {error}")
    if error == "missing_scope":  # Slack names the scope: https://docs.slack.dev/authentication/tokens
        needed = str(data.get("needed") or "?")
        return MissingPermission(
            f"Slack: missing_scope: the app needs the `{needed}` scope: add it under OAuth & Permissions "
            "and reinstall the app (adapters/slack/manifest.yaml lists every scope the bot uses)",
            needed,
        )
    return Permanent(f"Slack: {error}")


@contextlib.contextmanager
def delivery_errors() -> Iterator[None]:
    """Re-raise slack_sdk and network failures as `bot.errors.DeliveryError`s."""
    try:
        yield
    except SlackApiError as exc:
        raise classify(exc) from exc
    except (aiohttp.ClientError, TimeoutError, SlackClientError) as exc:
        raise Transient(f"Slack unreachable: {type(exc).__name__}: {exc}") from exc


def secret_value(value: SecretStr | None) -> str:
    return value.get_secret_value() if value else ""
