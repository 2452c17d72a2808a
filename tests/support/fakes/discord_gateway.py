"""The gateway half of the fake Discord (`tests.support.fakes.discord_rest` is the REST half), as documented at
https://discord.com/developers/docs/events/gateway and .../events/gateway-events:

HELLO (op 10); heartbeat (op 1) -> ACK (op 11); IDENTIFY (op 2) -> READY, whose `guilds` are unavailable
guild objects, each followed by a GUILD_CREATE with the whole guild; RESUME (op 6) of a session this
server issued, with a `seq` it delivered -> the dispatches it missed after that `seq`, in order, then
RESUMED; of any other session -> INVALID_SESSION (op 9, d=false: identify anew, and nothing the old session
missed is replayed); with a `seq` never delivered -> close 4007 and the session ends; dispatches (op 0)
with a sequence number per session, kept for a session whose connection dropped until it resumes. A
client's close with 1000 or 1001 ends its session. Tests make Discord ask for a reconnect
(`send_reconnect`, op 7) or invalidate the session (`invalidate_session`, op 9 with d=true or d=false).
With `compress=zlib-stream` in the URL (discord.py's default) frames are zlib-compressed with a sync flush
per message.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.fakes.discord_rules import json_response, now


@dataclass
class Connection:
    ws: web.WebSocketResponse
    compress: bool
    compressor: Any = field(default_factory=zlib.compressobj)
    session_id: str | None = None
    closed_here: bool = False  # the server closed it (then close_code is the client's echo)
    # after op 7, or op 9 with d=true, nothing more is sent here: the session's events wait for its RESUME
    leaving: bool = False


class Gateway:
    """Mixed into `FakeDiscord`, which holds the bot user, token, guilds and channels it reports."""

    token: str
    bot: dict[str, Any]
    application_id: str
    heartbeat_ms: int
    guilds: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    roles: dict[str, list[dict[str, Any]]]
    gateway_url: str

    def _init_gateway(self) -> None:
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.ws_queries: list[dict[str, str]] = []
        self.heartbeats = 0
        self.sessions: set[str] = set()
        # per session: its last sequence number and the dispatches sent (or held while disconnected)
        self._seq: dict[str, int] = {}
        self._sent: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
        self._delivered: dict[str, int] = {}  # per session: the highest sequence number sent to the client
        self.replayed = 0  # dispatches sent again after a RESUME
        # when each IDENTIFY was answered, and each op 9 sent (with its d), in time.monotonic() seconds
        self.identified_at: list[float] = []
        self.invalid_sessions: list[tuple[float, bool]] = []
        self._connections: list[Connection] = []
        self._identified = asyncio.Condition()

    def invalidate_sessions(self) -> None:
        """Every session ends: a RESUME now gets INVALID_SESSION, and the client must IDENTIFY."""
        self.sessions.clear()
        self._sent.clear()

    async def send_reconnect(self) -> None:
        """Op 7 Reconnect on every open connection: "You should attempt to reconnect and resume immediately"
        (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes); the
        client reconnects and resumes its session (https://discord.com/developers/docs/events/gateway#resuming,
        "scenarios when your app should attempt to resume: 1. It receives a Reconnect (opcode 7)"). Nothing
        more is sent on the old connection: the session's events wait for the RESUME."""
        for conn in self._open():
            conn.leaving = True
            await self._send(conn, {"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, *, resumable: bool) -> None:
        """Op 9 Invalid Session on every open connection ("the gateway has invalidated an active session
        and is requesting client action", https://discord.com/developers/docs/events/gateway-events#invalid-session).
        d=true: the session "may be resumable" (events/gateway#resuming, scenario 4): its events wait for
        the client's RESUME. d=false: the session is over; the client must open a new connection and IDENTIFY
        (events/gateway#resuming, "If the d field is set to false ... your app should disconnect ... then send
        an Identify"), after waiting "a random amount of time—between 1 and 5 seconds" (docs/topics/Gateway.md
        until its 2022 rewrite, discord/discord-api-docs#5374). What it missed meanwhile is never replayed,
        and a RESUME of it is refused with op 9 d=false again."""
        for conn in self._open():
            await self._send(conn, {"op": 9, "d": resumable, "s": None, "t": None})
            self.invalid_sessions.append((time.monotonic(), resumable))
            if resumable:
                conn.leaving = True
            elif conn.session_id is not None:
                self._end_session(conn.session_id)
                conn.session_id = None

    def _open(self) -> list[Connection]:
        return [c for c in self._connections if c.session_id and not c.leaving and not c.ws.closed]

    def _end_session(self, session: str) -> None:
        self.sessions.discard(session)
        self._sent.pop(session, None)

    async def drop_connections(self) -> None:
        """Close every gateway connection abnormally, as a network failure would (the client resumes)."""
        for conn in list(self._connections):
            conn.closed_here = True
            await conn.ws.close(code=4000, message=b"Unknown error")

    async def _gateway_info(self, request: web.Request) -> web.Response:
        """Get Gateway (Bot): https://discord.com/developers/docs/events/gateway#get-gateway-bot"""
        return json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.ws_queries.append(dict(request.query))
        conn = Connection(ws, compress=request.query.get("compress") == "zlib-stream")
        self._connections.append(conn)
        try:
            await self._send(
                conn, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}, "s": None, "t": None}
            )
            async for frame in ws:
                if frame.type is WSMsgType.TEXT:
                    await self._on_gateway(conn, json.loads(frame.data))
        finally:
            self._connections.remove(conn)
            # "When you close the connection to the gateway with close code 1000 or 1001, your session will
            # be invalidated" (https://discord.com/developers/docs/events/gateway#initiating-a-disconnect)
            by_client = not conn.closed_here and ws.close_code in (1000, 1001)
            if by_client and conn.session_id is not None:
                self._end_session(conn.session_id)
        return ws

    async def _on_gateway(self, conn: Connection, msg: dict[str, Any]) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == 1:
            self.heartbeats += 1
            await self._send(conn, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, data)
        elif op == 6:
            await self._resume(conn, data)

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        self.resumes.append(data)
        session, last = str(data.get("session_id")), data.get("seq")
        if session not in self.sessions:  # "the gateway could not resume a previous session" (op 9 d=false)
            self.invalid_sessions.append((time.monotonic(), False))
            await self._send(conn, {"op": 9, "d": False, "s": None, "t": None})
            return
        if not isinstance(last, int) or not 0 <= last <= self._delivered.get(session, 0):
            # close code 4007 Invalid seq: "The sequence sent when resuming the session was invalid.
            # Reconnect and start a new session." (topics/opcodes-and-status-codes#gateway-gateway-close-event-codes)
            self._end_session(session)
            conn.closed_here = True
            await conn.ws.close(code=4007, message=b"Invalid seq.")
            return
        # "If successful, the Gateway will send the missed events in order, finishing with a Resumed
        # event" (https://discord.com/developers/docs/events/gateway#resuming)
        conn.session_id, conn.leaving = session, True  # held, not sent twice, while the replay runs
        for seq, event, payload in self._sent.get(session, []):  # grows with events dispatched meanwhile
            if seq > last:
                self.replayed += 1
                await self._send(conn, {"op": 0, "t": event, "s": seq, "d": payload})
        conn.leaving = False
        self._seq[session] += 1
        await self._send(conn, {"op": 0, "t": "RESUMED", "s": self._seq[session], "d": {}})

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            conn.closed_here = True
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        session = conn.session_id = secrets.token_hex(16)
        self.sessions.add(session)
        self._seq[session], self._sent[session] = 1, []
        ready = {
            "v": 10,
            "user": self.bot,
            "guilds": [{"id": gid, "unavailable": True} for gid in self.guilds],
            "session_id": conn.session_id,
            "resume_gateway_url": self.gateway_url,
            "private_channels": [],
            "application": {"id": self.application_id, "flags": 0},
        }
        await self._send(conn, {"op": 0, "t": "READY", "s": 1, "d": ready})
        for gid in list(self.guilds):
            self._seq[session] += 1
            await self._send(
                conn, {"op": 0, "t": "GUILD_CREATE", "s": self._seq[session], "d": self.guild_payload(gid)}
            )
        async with self._identified:
            self.identified_at.append(time.monotonic())
            self.identifies.append(data)
            self._identified.notify_all()

    def guild_payload(self, gid: str) -> dict[str, Any]:
        """A guild as GUILD_CREATE carries it (https://discord.com/developers/docs/resources/guild#guild-object)."""
        channels = [
            {k: v for k, v in c.items() if k != "guild_id"}
            for c in self.channels.values()
            if c.get("guild_id") == gid
        ]
        everyone = {
            "id": gid,
            "name": "@everyone",
            "permissions": "0",
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
        }
        return {
            "id": gid,
            "name": self.guilds[gid]["name"],
            "owner_id": "1",
            "unavailable": False,
            "joined_at": now(),
            "large": False,
            "member_count": 1 + len(getattr(self, "members", {}).get(gid, [])),
            "roles": [everyone, *self.roles.get(gid, [])],
            "channels": channels,
            "members": [],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "preferred_locale": "en-US",
        }

    async def _send(self, conn: Connection, msg: dict[str, Any]) -> None:
        if msg["s"] is not None and conn.session_id is not None:
            self._delivered[conn.session_id] = max(self._delivered.get(conn.session_id, 0), msg["s"])
        text = json.dumps(msg)
        if conn.compress:
            await conn.ws.send_bytes(
                conn.compressor.compress(text.encode()) + conn.compressor.flush(zlib.Z_SYNC_FLUSH)
            )
        else:
            await conn.ws.send_str(text)

    async def dispatch(self, event: str, payload: dict[str, Any]) -> int:
        """Send an op 0 dispatch to every live session: now on its open connection, or on its RESUME when
        its connection dropped. Returns how many sessions got it."""
        live = {c.session_id: c for c in self._open()}
        for session in sorted(self.sessions & set(self._sent)):
            self._seq[session] += 1
            self._sent[session].append((self._seq[session], event, payload))
            if session in live:
                await self._send(live[session], {"op": 0, "t": event, "s": self._seq[session], "d": payload})
        if not self.sessions & set(self._sent):
            raise AssertionError(f"no gateway session to dispatch {event} to")
        return len(self.sessions & set(self._sent))

    async def wait_identified(self, count: int = 1, seconds: float = 10) -> None:
        """Wait until `count` IDENTIFYs have been answered with READY."""
        async with asyncio.timeout(seconds), self._identified:
            await self._identified.wait_for(lambda: len(self.identifies) >= count)
