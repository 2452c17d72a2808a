"""Socket Mode for the fake Slack: `apps.connections.open` and the WebSocket it hands out.

    socket = SocketMode(fake)                    # before `async with fake`
    await socket.connected()                     # the app opened a connection and got `hello`
    ack = await socket.push("events_api", body)  # an envelope; returns the app's acknowledgement

Written from https://docs.slack.dev/apis/events-api/using-socket-mode: the app calls apps.connections.open
with its app-level token (xapp-, scope connections:write; a bot token is `not_allowed_token_type`), gets
a wss URL, and Slack greets each connection with `{"type": "hello", ...}`. Every event, interaction and
slash command comes as an envelope `{"envelope_id", "type": "events_api" | "interactive" |
"slash_commands", "payload", "accepts_response_payload", "retry_attempt", "retry_reason"}` that the app
acknowledges by sending `{"envelope_id": ...}` back (an optional `payload` answers a command); an
envelope not acknowledged is sent again. `{"type": "disconnect", "reason": ...}` closes a connection:
`warning` (it closes in about ten seconds) and `refresh_requested` (Slack refreshes connections every few
hours) ask the app to open a new one; `link_disabled` says Socket Mode was switched off in the app's
settings, so no new connection will be served (`switch_off`).

`revoke_app_token()`: the app-level token revoked (or regenerated) in the app's settings. From then on
apps.connections.open answers `invalid_auth`, "Some aspect of authentication cannot be validated. Either
the provided token is invalid or the request originates from an IP address disallowed from making the
request." (https://api.slack.com/methods/apps.connections.open, "Errors"), and the connections open
with it are closed (the fake's choice: Slack documents no message for it). `FakeSlack.fail_next` and
`rate_limit_next` script apps.connections.open as any other method.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from tests.support.fakes.slack_api import FakeSlack
    from tests.support.fakes.slack_limits import Refusal

ACK_SECONDS = 3.0  # an envelope not acknowledged within this is retried (retry_attempt + 1)


class SocketMode:
    def __init__(self, fake: FakeSlack):
        self.fake = fake
        self.tickets: set[str] = set()
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.hellos = 0
        self.switched_off = False  # `switch_off`: Socket Mode turned off in the app's settings
        self.revoked: str | None = None  # `revoke_app_token`: the error apps.connections.open answers
        self._connected = asyncio.Condition()
        fake.extensions.append(self)

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/link/", self._link)

    async def api(
        self, method: str, args: dict[str, Any], request: web.Request
    ) -> tuple[dict[str, Any]] | Refusal | None:
        if method != "apps.connections.open":
            return None
        if scripted := self.fake.scripted.refuse(method):
            return scripted
        token = self.fake.token_of(request, args)
        if token == self.fake.app_token and self.revoked:
            return ({"ok": False, "error": self.revoked},)
        if token != self.fake.app_token:
            bot = any(w.token == token for w in self.fake.workspaces.values())
            return ({"ok": False, "error": "not_allowed_token_type" if bot else "invalid_auth"},)
        ticket = secrets.token_hex(8)
        self.tickets.add(ticket)
        return ({"ok": True, "url": f"ws://127.0.0.1:{self.fake.port}/link/?ticket={ticket}&app_id=AFAKE"},)

    async def close(self) -> None:
        for ws in list(self.sockets):
            await ws.close()

    async def _link(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("ticket") not in self.tickets or self.switched_off or self.revoked:
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True)  # slack_sdk pings; Slack answers with a pong
        await ws.prepare(request)
        hello = {
            "type": "hello",
            "num_connections": len(self.sockets) + 1,
            "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": "AFAKE"},
        }
        await ws.send_str(json.dumps(hello))
        self.sockets.append(ws)
        async with self._connected:
            self.hellos += 1
            self._connected.notify_all()
        try:
            async for frame in ws:
                if frame.type is WSMsgType.TEXT:
                    ack = json.loads(frame.data)
                    future = self.acks.get(str(ack.get("envelope_id")))
                    if future is not None and not future.done():
                        future.set_result(ack)
        finally:
            self.sockets.remove(ws)
        return ws

    async def connected(self, count: int = 1, seconds: float = 30) -> None:
        async with asyncio.timeout(seconds), self._connected:
            await self._connected.wait_for(lambda: self.hellos >= count and bool(self.sockets))

    async def push(self, kind: str, payload: dict[str, Any], *, retries: int = 3) -> dict[str, Any]:
        """Send an envelope over the newest connection and wait for its acknowledgement, resending it
        (retry_attempt 1, 2, ...) when none comes in time, as Slack does."""
        envelope_id = secrets.token_hex(12)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.acks[envelope_id] = future
        for attempt in range(retries + 1):
            envelope = {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": attempt,
                "retry_reason": "timeout" if attempt else "",
            }
            await self.sockets[-1].send_str(json.dumps(envelope))
            try:
                return await asyncio.wait_for(asyncio.shield(future), ACK_SECONDS)
            except TimeoutError:
                continue
        raise AssertionError(f"the app never acknowledged envelope {envelope_id} ({kind})")

    async def deliver(self, body: str, content_type: str) -> int:
        """What Slack would have POSTed in HTTP mode, sent as the matching envelope; 200 once acknowledged."""
        if content_type == "application/json":
            await self.push("events_api", json.loads(body))
            return 200
        form = dict(parse_qsl(body))
        if "payload" in form:
            await self.push("interactive", json.loads(form["payload"]))
        else:
            await self.push("slash_commands", form)
        return 200

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, as Slack does every few hours (`refresh_requested`) or shortly before
        a connection closes (`warning`)."""
        await self.sockets[-1].send_str(
            json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}})
        )

    async def switch_off(self) -> None:
        """Socket Mode switched off in the app's settings: every connection is told `link_disabled`, and
        a connection opened after that is refused (the fake's choice: Slack documents no answer for it)."""
        self.switched_off = True
        for ws in list(self.sockets):
            await ws.send_str(
                json.dumps(
                    {"type": "disconnect", "reason": "link_disabled", "debug_info": {"host": "applink-fake"}}
                )
            )

    async def drop(self) -> None:
        """The newest connection lost without a word, as a network failure loses it."""
        await self.sockets[-1].close()

    async def revoke_app_token(self, error: str = "invalid_auth") -> None:
        """The app-level token revoked: apps.connections.open refuses it with `error`, and the
        connections opened with it close (see the module docstring)."""
        self.revoked = error
        self.tickets.clear()
        for ws in list(self.sockets):
            await ws.close()
