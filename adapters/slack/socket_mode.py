"""Socket Mode: Bolt's handler over slack_sdk's aiohttp client, with two of Slack's messages answered as
https://docs.slack.dev/apis/events-api/using-socket-mode describes them. An envelope of the wrong shape
(`adapters.slack.shapes`) is acknowledged and dropped, since Slack sends again what is not acknowledged.
A `disconnect` whose reason is `link_disabled` means Socket Mode was switched off in the app's settings:
the bot stops and says how to fix it, where slack_sdk would open a new connection, which Slack no longer
serves, and do so silently for ever (`warning` and `refresh_requested` still reconnect at once).
The same goes for an app-level token Slack refuses when a new connection is asked for
(https://api.slack.com/methods/apps.connections.open, "Errors": `invalid_auth`, and the auth errors
every method shares): revoked or regenerated while the bot runs, it made slack_sdk retry every few
seconds for ever. A Slack that does not answer (a 5xx, `internal_error`, `ratelimited`, the network)
is still retried."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.slack.client import RATE_LIMITED, TOKEN_REFUSED
from adapters.slack.shapes import readable

log = logging.getLogger(__name__)
LINK_DISABLED = (
    "Slack closed the Socket Mode connection because Socket Mode was switched off for this app "
    "(disconnect reason link_disabled). Switch it on again under Socket Mode in the app's settings "
    "(https://api.slack.com/apps) and restart the bot, or run it in HTTP mode (--http); see docs/slack.md."
)
APP_TOKEN_REFUSED = (
    "Slack refused SLACK_APP_TOKEN when the bot asked for a new Socket Mode connection ({error}): the "
    "app-level token was revoked or is no longer valid. Replace SLACK_APP_TOKEN with a new App-Level Token "
    "with the connections:write scope (Basic Information > App-Level Tokens) and restart the bot; see "
    "docs/slack.md."
)
# apps.connections.open answers these for a token it will never take; not_allowed_token_type: no xapp-
APP_TOKEN_ERRORS = TOKEN_REFUSED | {"not_allowed_token_type"}


class AppTokenRefused(Exception):
    """Slack refused the app-level token: no connection can be opened until it is replaced."""


def disconnect_reason(message: str) -> str | None:
    """The `reason` of Slack's `{"type": "disconnect", "reason": ...}` message; None for anything else."""
    if not message.startswith("{") or '"disconnect"' not in message:
        return None
    try:
        data = json.loads(message)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("type") != "disconnect":
        return None
    return str(data.get("reason") or "")


def _error(exc: SlackApiError) -> str:
    data = exc.response.data
    return str(data.get("error") if isinstance(data, dict) else "") or f"HTTP {exc.response.status_code}"


class StoppableClient(SocketModeClient):
    """slack_sdk's client, except that where no new connection can be had (`link_disabled`, an app-level
    token refused) it sets `stopped`, with `why` saying what to fix, instead of reconnecting for ever."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.stopped = asyncio.Event()
        self.why = ""

    def stop(self, why: str) -> None:
        self.why = self.why or why
        self.closed = True  # slack_sdk's connect and monitor loops end quietly instead of retrying
        self.stopped.set()

    async def enqueue_message(self, message: str) -> None:
        reason = disconnect_reason(message)
        if reason == "link_disabled":
            self.stop(LINK_DISABLED)
            return
        if reason is not None:
            log.info("slack: Slack asked for a new Socket Mode connection (%s); reconnecting", reason)
        await super().enqueue_message(message)

    async def issue_new_wss_url(self) -> str:
        """slack_sdk's, except that a refused app-level token stops the client (and is not logged with
        slack_sdk's error line, which would repeat every few seconds)."""
        while True:
            try:
                response = await self.web_client.apps_connections_open(app_token=self.app_token)
                return str(response["url"])
            except SlackApiError as exc:
                error = _error(exc)
                if error in APP_TOKEN_ERRORS:
                    self.stop(APP_TOKEN_REFUSED.format(error=error))
                    raise AppTokenRefused(error) from None
                if exc.response.status_code != 429 and error not in RATE_LIMITED:
                    log.warning("slack: no new Socket Mode connection now (%s); trying again", error)
                    raise
                wait = float(exc.response.headers.get("Retry-After", "30") or 30)  # Tier 1: a minute's wait
                log.warning("slack: apps.connections.open rate limited; trying again in %.0fs", wait)
                await asyncio.sleep(wait)

    async def connect_to_new_endpoint(self, force: bool = False) -> None:
        try:
            await super().connect_to_new_endpoint(force)
        except AppTokenRefused:
            return  # `stopped` is set: serve_socket_mode stops the bot


class Handler(AsyncSocketModeHandler):
    """Bolt's handler on a `StoppableClient`, dropping envelopes of the wrong shape after acknowledging them."""

    client: StoppableClient

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        # what Bolt's __init__ sets, with our client: calling it would open an aiohttp session never closed
        self.app, self.app_token = app, app_token
        self.client = StoppableClient(app_token=app_token, logger=app.logger, web_client=app.client)
        self.client.socket_mode_request_listeners.append(self.handle)

    async def handle(self, client: Any, req: SocketModeRequest) -> None:
        if req.type in ("events_api", "interactive") and not readable(req.payload):
            log.warning("slack: acknowledged and dropped a %s envelope of the wrong shape", req.type)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await super().handle(client, req)


async def serve_socket_mode(app: AsyncApp, app_token: str) -> None:
    """Connect and serve until cancelled; SystemExit, saying what to do, once Slack switched Socket Mode off
    or refused the app-level token."""
    handler = Handler(app, app_token)
    log.info("Slack Socket Mode: connecting")
    # Bolt's handler methods are unannotated (pyproject's untyped_calls_exclude names only Bolt's module)
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        await handler.client.stopped.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
    log.error("slack: %s", handler.client.why)
    raise SystemExit(handler.client.why)
