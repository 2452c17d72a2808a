"""Socket Mode: Bolt's handler over slack_sdk's aiohttp client, with two of Slack's messages answered as
https://docs.slack.dev/apis/events-api/using-socket-mode describes them. An envelope of the wrong shape
(`adapters.slack.shapes`) is acknowledged and dropped, since Slack sends again what is not acknowledged.
A `disconnect` whose reason is `link_disabled` means Socket Mode was switched off in the app's settings:
the bot stops and says how to fix it, where slack_sdk would open a new connection, which Slack no longer
serves, and do so silently for ever (`warning` and `refresh_requested` still reconnect at once)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.slack.shapes import readable

log = logging.getLogger(__name__)
LINK_DISABLED = (
    "Slack closed the Socket Mode connection because Socket Mode was switched off for this app "
    "(disconnect reason link_disabled). Switch it on again under Socket Mode in the app's settings "
    "(https://api.slack.com/apps) and restart the bot, or run it in HTTP mode (--http); see docs/slack.md."
)


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


class StoppableClient(SocketModeClient):
    """slack_sdk's client, except that `link_disabled` sets `switched_off` instead of reconnecting."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.switched_off = asyncio.Event()

    async def enqueue_message(self, message: str) -> None:
        reason = disconnect_reason(message)
        if reason == "link_disabled":
            self.switched_off.set()
            return
        if reason is not None:
            log.info("slack: Slack asked for a new Socket Mode connection (%s); reconnecting", reason)
        await super().enqueue_message(message)


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
    """Connect and serve until cancelled; SystemExit, saying what to do, once Slack switched Socket Mode off."""
    handler = Handler(app, app_token)
    log.info("Slack Socket Mode: connecting")
    # Bolt's handler methods are unannotated (pyproject's untyped_calls_exclude names only Bolt's module)
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        await handler.client.switched_off.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
    log.error("slack: %s", LINK_DISABLED)
    raise SystemExit(LINK_DISABLED)
