"""Bolt's authorization, made safe for events: Slack retries an event whose answer is not a 2xx, three
times over about five minutes (https://docs.slack.dev/apis/events-api/#retries), and an unacknowledged
Socket Mode envelope the same way. Bolt's own authorization answers 200 (its "please install" message)
when `auth.test` fails for any reason, so a brief Slack error there lost the participant's message.

Here `auth.test` is called once per token and its result kept; when Slack cannot answer it (a 5xx,
`internal_error`, `ratelimited`, a network failure, no answer within AUTH_SECONDS; a 429 is not waited
out) the request fails with an exception, which Bolt
answers with a 500 (HTTP mode) or no acknowledgement (Socket Mode), so Slack sends the event again.
A token Slack refuses (`invalid_auth`, `token_revoked`, ...) is logged and the request answered as
Bolt does for a workspace without the app: retrying cannot help it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import ANSWER_PENDING, BOT_TOKEN_HINT, RATE_LIMITED, TRANSIENT, secret_value
from bot.settings import Settings

log = logging.getLogger(__name__)
# The longest an event waits for `auth.test` (the first event of a token): Slack wants every answer
# within 3 seconds (https://docs.slack.dev/apis/events-api/#responding); a slower or rate-limited check
# answers 500 at once, and Slack sends the event again
AUTH_SECONDS = 2.0


APP_TOKEN_HINT = (
    "Socket Mode needs an App-Level Token (xapp-...) with the connections:write scope, from Basic "
    "Information > App-Level Tokens (not the xoxb- bot token)."
)


def _error(exc: SlackApiError) -> str:
    data = exc.response.data
    return str(data.get("error") if isinstance(data, dict) else "") or f"HTTP {exc.response.status_code}"


def _slack_busy(exc: SlackApiError) -> bool:
    """Slack did not answer the call (and may later), as opposed to refusing it."""
    status = exc.response.status_code
    return status >= 500 or status == 429 or _error(exc) in TRANSIENT | RATE_LIMITED


async def refuse_rejected_tokens(client: AsyncWebClient, settings: Settings, *, http: bool) -> None:
    """Before listening, one call per token: a token Slack refuses stops the bot with what to do, where
    it would otherwise answer every event and drop it (HTTP mode) or reconnect every few seconds for ever
    (Socket Mode: `apps.connections.open` takes an app-level token with connections:write,
    https://docs.slack.dev/apis/events-api/using-socket-mode). A Slack that does not answer now is only
    logged: events wait for it."""
    bot_token, app_token = secret_value(settings.slack_bot_token), secret_value(settings.slack_app_token)
    checks: list[tuple[str, Callable[[], Awaitable[object]], str]] = []
    if not settings.slack_distributed:
        checks.append(("SLACK_BOT_TOKEN", lambda: client.auth_test(token=bot_token), BOT_TOKEN_HINT))
    if not http:
        checks.append(
            ("SLACK_APP_TOKEN", lambda: client.apps_connections_open(app_token=app_token), APP_TOKEN_HINT)
        )
    for name, call, hint in checks:
        try:
            await call()
        except SlackApiError as exc:
            if not _slack_busy(exc):
                raise SystemExit(f"Slack refused {name} ({_error(exc)}). {hint}") from None
            log.warning("slack: %s could not be checked now (%s); going on", name, _error(exc))
        except (aiohttp.ClientError, TimeoutError, OSError, SlackClientError) as exc:
            log.warning("slack: %s could not be checked now (%s); going on", name, type(exc).__name__)


class SlackUnavailable(RuntimeError):
    """Slack could not confirm the token now; the event is to be sent again."""


class KeptAuthorization(AsyncAuthorize):
    """`authorize` for `AsyncApp`: the token of a request's workspace (`token_for(team_id)`), checked
    with `auth.test` once and then kept."""

    def __init__(self, token_for: Callable[[str], Awaitable[str | None]]):
        self.token_for = token_for
        self._results: dict[str, AuthorizeResult] = {}

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult | None:
        token = await self.token_for(team_id or "")
        if not token:
            return None  # not installed there: Bolt answers as for any workspace without the app
        kept = self._results.get(token)
        if kept is not None:
            return kept
        pending = ANSWER_PENDING.set(True)
        try:
            async with asyncio.timeout(AUTH_SECONDS):
                response = await context.client.auth_test(token=token)
        except SlackApiError as exc:
            error = str((exc.response.data or {}).get("error") if isinstance(exc.response.data, dict) else "")
            if (
                exc.response.status_code >= 500
                or exc.response.status_code == 429
                or error in TRANSIENT | RATE_LIMITED
            ):
                raise SlackUnavailable(f"auth.test: {error or exc.response.status_code}") from None
            log.error("slack: the bot token of workspace %s was refused (%s)", team_id, error)
            return None
        except (aiohttp.ClientError, TimeoutError, OSError, SlackClientError) as exc:
            raise SlackUnavailable(f"auth.test: {type(exc).__name__}") from None
        finally:
            ANSWER_PENDING.reset(pending)
        result = AuthorizeResult.from_auth_test_response(auth_test_response=response, bot_token=token)
        self._results[token] = result
        return result
