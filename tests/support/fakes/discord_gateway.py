"""The gateway half of the fake Discord (`tests.support.fakes.discord_rest` is the REST half), as documented at
https://discord.com/developers/docs/events/gateway and .../events/gateway-events:

HELLO (op 10); heartbeat (op 1) -> ACK (op 11); IDENTIFY (op 2) -> READY, whose `guilds` are unavailable
guild objects, each followed by a GUILD_CREATE with the whole guild; RESUME (op 6) of a session this
server issued -> the dispatches it missed after the RESUME's `seq`, in order, then RESUMED; of any other ->
INVALID_SESSION (op 9, d=false: identify anew, and nothing the old session missed is replayed); dispatches
(op 0) with a sequence number per session, kept for a session whose connection dropped until it resumes. A
client's close with 1000 or 1001 ends its session. With `compress=zlib-stream`
in the URL (discord.py's default) frames are zlib-compressed with a sync flush per message.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.fakes.discord_rules import now


@dataclass
class Connection:
    ws: web.WebSocketResponse
    compress: bool
    compressor: Any = field(default_factory=zlib.compressobj)
    session_id: str | None = None
    closed_here: bool = False  # the server closed it (then close_code is the client's echo)


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
        self.replayed = 0  # dispatches sent again after a RESUME
        self._connections: list[Connection] = []
        self._identified = asyncio.Condition()

    def invalidate_sessions(self) -> None:
        """Every session ends: a RESUME now gets INVALID_SESSION, and the client must IDENTIFY."""
        self.sessions.clear()
        self._sent.clear()

    async def drop_connections(self) -> None:
        """Close every gateway connection abnormally, as a network failure would (the client resumes)."""
        for conn in list(self._connections):
            conn.closed_here = True
            await conn.ws.close(code=4000, message=b"Unknown error")

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
                self.sessions.discard(conn.session_id)
                self._sent.pop(conn.session_id, None)
        return ws

    async def _on_gateway(self, conn: Connection, msg: dict[str, Any]) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == 1:
            self.heartbeats += 1
            await self._send(conn, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, data)
        elif op == 6:
            self.resumes.append(data)
            if data.get("session_id") not in self.sessions:
                await self._send(conn, {"op": 9, "d": False, "s": None, "t": None})
                return
            # "If successful, the Gateway will send the missed events in order, finishing with a Resumed
            # event" (https://discord.com/developers/docs/events/gateway#resuming)
            session = conn.session_id = str(data.get("session_id"))
            last = int(data.get("seq") or 0)
            for seq, event, payload in self._sent.get(session, []):
                if seq > last:
                    self.replayed += 1
                    await self._send(conn, {"op": 0, "t": event, "s": seq, "d": payload})
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
        live = {c.session_id: c for c in self._connections if c.session_id and not c.ws.closed}
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
