"""A local fake of Discord's REST API and gateway, for tests that run the real discord.py client.

    async with FakeDiscord() as fake:                  # 127.0.0.1, random free port, REST + websocket
        settings: discord_api_base=fake.base_url, discord_gateway_url=fake.gateway_url (or leave the
        gateway unset: GET /gateway/bot names it), discord_token=fake.token
        await fake.wait_identified()                   # the client sent IDENTIFY and got READY
        payload = await fake.say(user_id, "hi")        # MESSAGE_CREATE in the user's DM with the bot
        await fake.click(user_id, message_id, label="Yes, I agree")   # INTERACTION_CREATE for a button
        await fake.slash(user_id, "interviewer", "status", study="x")  # INTERACTION_CREATE for a command
        await fake.dispatch("MESSAGE_CREATE", any_payload)            # or any payload a test builds
        fake.close_dms(user_id)                        # every DM to them: 403 code 50007
        fake.fail_next("POST", r"/channels/\\d+/messages", 429, retry_after=0.05)
        fake.bot_messages(user_id)                     # what the bot posted in their DM (edits applied)
        role = fake.add_role(guild_id, "Teachers"); fake.add_member(guild_id, user_id, [role])
        fake.members_intent = True                     # else GET /guilds/{id}/members: 403 code 50001
        fake.requests, fake.callbacks, fake.followups  # everything received, in order

What it checks the way Discord does: the bot token on REST calls (401 otherwise), IDENTIFY's token
(close 4004 otherwise), content at most 2,000 characters, nonces at most 25 characters, custom_ids at
most 100, labels at most 80, at most 5 rows of 5 buttons, one initial response per interaction (a second
gets 400 code 40060). A message created with `nonce` + `enforce_nonce` that repeats a nonce of the same
author from the last 5 minutes returns the earlier message and creates nothing.
The gateway (READY + GUILD_CREATE, RESUME, dispatches) is in `tests.fakes.discord_gateway`, the rules
with their documentation pages (limits, the 3-second interaction deadline, rate-limit headers on opening
a DM) in `tests.fakes.discord_rules`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_rules import (
    FILES,
    INTERACTION_DEADLINE,
    NONCE_WINDOW,
    UNKNOWN_INTERACTION,
    Bucket,
    check_message,
    invalid,
    json_response,
    multipart,
    now,
)

API = "/api/v10"
CANNOT_DM = {"message": "Cannot send messages to this user", "code": 50007}
_BODY = web.RequestKey("body", object)


@dataclass(frozen=True)
class Recorded:
    """One REST request as received: the path is without the /api/v10 prefix."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


class FakeDiscord(Gateway):
    """Discord, as far as the interviewer bot talks to it."""

    def __init__(self, *, token: str = "fake-bot-token", heartbeat_ms: int = 41250, host: str = "127.0.0.1"):
        self.token = token
        self.host = host
        self.port = 0
        self.heartbeat_ms = heartbeat_ms
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self.application_id = self.new_id()
        self.bot = self._user_payload(self.application_id, "interviewer-bot", bot=True)
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}  # channel id -> channel payload
        self.dms: dict[str, str] = {}  # user id -> DM channel id
        self.messages: dict[str, dict[str, Any]] = {}  # message id -> current payload, insertion ordered
        self.requests: list[Recorded] = []
        self.uploads: list[dict[str, Any]] = []  # attachments the bot sent, with their bytes
        self.callbacks: list[dict[str, Any]] = []  # interaction callbacks: {"interaction": id, "body": ...}
        self.followups: list[dict[str, Any]] = []  # webhook posts and edits made with interaction tokens
        self.commands: list[dict[str, Any]] = []
        self.guilds: dict[str, dict[str, Any]] = {}  # guild id -> {"name"}: servers the bot is in
        self.closed_dms: set[str] = set()
        self.roles: dict[str, list[dict[str, Any]]] = {}  # guild id -> its roles
        self.members: dict[str, list[dict[str, Any]]] = {}  # guild id -> member payloads, by user id
        self.members_intent = False  # the Server Members intent, switched on in the developer portal
        self.faults: list[Fault] = []
        self._interactions: dict[str, dict[str, Any]] = {}  # id -> {"token", "channel_id", "acked", ...}
        self._nonces: dict[tuple[str, str], tuple[str, float]] = {}
        # opening a DM: a small bucket, so pacing and discord.py's handling of the headers are exercised
        self.dm_open = Bucket("dm-open", limit=5, per=1.0)
        self.slow: list[tuple[str, str, float]] = []
        self.slowed = asyncio.Event()  # set when a slowed request has been carried out
        self.late_responses: list[str] = []  # interactions answered after the 3-second deadline
        self._init_gateway()
        self._runner: web.AppRunner | None = None

    # ---- lifecycle ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/gateway", self._gateway)
        r = app.router
        r.add_get(f"{API}/users/@me", self._me)
        r.add_get(f"{API}/oauth2/applications/@me", self._application)
        # Get Current Application: https://discord.com/developers/docs/resources/application#get-current-application
        r.add_get(f"{API}/applications/@me", self._application)
        r.add_get(f"{API}/gateway", self._gateway_info)
        r.add_get(f"{API}/gateway/bot", self._gateway_info)
        r.add_post(f"{API}/users/@me/channels", self._open_dm)
        r.add_post(API + "/channels/{channel}/messages", self._create_message)
        r.add_get(API + "/channels/{channel}/messages", self._history)
        r.add_patch(API + "/channels/{channel}/messages/{message}", self._edit_message)
        r.add_put(API + "/applications/{app}/commands", self._put_commands)
        r.add_get(API + "/guilds/{guild}/roles", self._guild_roles)
        r.add_get(API + "/guilds/{guild}/members", self._guild_members)
        r.add_post(API + "/interactions/{interaction}/{token}/callback", self._callback)
        r.add_post(API + "/webhooks/{app}/{token}", self._followup)
        r.add_patch(API + "/webhooks/{app}/{token}/messages/{message}", self._edit_followup)
        r.add_route("*", API + "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for conn in list(self._connections):
            await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- what tests call ------------------------------------------------------------------------

    def new_id(self) -> str:
        return str(next(self._ids))

    def user(self, user_id: str | int | None = None, name: str = "member") -> dict[str, Any]:
        """A (known) Discord user; created on first use."""
        uid = str(user_id) if user_id is not None else self.new_id()
        if uid not in self.users:
            self.users[uid] = self._user_payload(uid, name)
        return self.users[uid]

    def guild_channel(self, guild_id: str | None = None) -> dict[str, Any]:
        """A text channel in a server the bot is in."""
        gid = guild_id or self.new_id()
        self.guilds.setdefault(gid, {"name": "Research server"})
        channel = {
            "id": self.new_id(),
            "type": 0,
            "guild_id": gid,
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
        }
        self.channels[channel["id"]] = channel
        return channel

    def add_role(self, guild_id: str, name: str) -> str:
        """A role in a server; returns its id."""
        role = {"id": self.new_id(), "name": name, "color": 0, "hoist": False, "position": 1}
        role |= {"permissions": "0", "managed": False, "mentionable": True}
        self.roles.setdefault(guild_id, []).append(role)
        return str(role["id"])

    def add_member(self, guild_id: str, user_id: str | int, roles: list[str], *, bot: bool = False) -> None:
        """A member of a server with these role ids (kept in user id order, as Discord lists them)."""
        user = self._user_payload(str(user_id), f"member{user_id}", bot=bot)
        member = {"user": user, "roles": roles, "joined_at": now(), "deaf": False, "mute": False}
        self.members.setdefault(guild_id, []).append(member)
        self.members[guild_id].sort(key=lambda m: int(m["user"]["id"]))

    def close_dms(self, user_id: str | int) -> None:
        self.closed_dms.add(str(user_id))

    def open_dms(self, user_id: str | int) -> None:
        self.closed_dms.discard(str(user_id))

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        *,
        code: int = 0,
        message: str | None = None,
        retry_after: float | None = None,
        times: int = 1,
        via: bool = True,
    ) -> None:
        """Answer the next `times` requests matching `method` and the `path` regex with an error.

        A 429 carries `retry_after` in body and header, and a `Via` header unless `via=False`: discord.py
        retries a 429 with `Via` itself and treats one without as a Cloudflare block.
        """
        body: dict[str, Any] = {"message": message or f"{status}: fake error", "code": code}
        headers: dict[str, str] = {}
        if status == 429:
            wait = 1.0 if retry_after is None else retry_after
            body.update(
                message=message or "You are being rate limited.", retry_after=wait, **{"global": False}
            )
            headers["Retry-After"] = f"{wait:g}"
            if via:
                headers["Via"] = "1.1 google"
        self.faults.append(Fault(method.upper(), re.compile(path), status, body, headers, times))

    def dm_channel_id(self, user_id: str | int) -> str:
        uid = str(user_id)
        if uid not in self.dms:
            channel = {
                "id": self.new_id(),
                "type": 1,
                "last_message_id": None,
                "recipients": [self.user(uid)],
            }
            self.channels[channel["id"]] = channel
            self.dms[uid] = channel["id"]
        return self.dms[uid]

    def bot_messages(self, user_id: str | int) -> list[dict[str, Any]]:
        channel_id = self.dm_channel_id(user_id)
        return [
            m
            for m in self.messages.values()
            if m["channel_id"] == channel_id and m["author"]["id"] == self.bot["id"]
        ]

    def requests_to(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def message_create(
        self, user_id: str | int, content: str, *, attachments: int = 0, message_id: str | None = None
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE payload: `user_id` writes `content` in their DM with the bot."""
        files = [
            {
                "id": self.new_id(),
                "filename": f"file{i}.png",
                "size": 10,
                "url": "https://cdn.invalid/f",
                "proxy_url": "https://cdn.invalid/f",
                "content_type": "image/png",
            }
            for i in range(attachments)
        ]
        return self._message_payload(
            self.dm_channel_id(user_id), self.user(user_id), content, message_id=message_id, attachments=files
        )

    async def say(self, user_id: str | int, content: str, **kw: Any) -> dict[str, Any]:
        payload = self.say_offline(user_id, content, **kw)
        await self.dispatch("MESSAGE_CREATE", payload)
        return payload

    def say_offline(self, user_id: str | int, content: str, **kw: Any) -> dict[str, Any]:
        """A DM written while no session listens: kept in the channel, never dispatched (Discord does
        not replay it to the next session)."""
        payload = self.message_create(user_id, content, **kw)
        self.messages[payload["id"]] = payload
        return payload

    def component_interaction(
        self, user_id: str | int, message: dict[str, Any], custom_id: str
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload for a button click on `message` (a DM or a server message)."""
        data = self._interaction_base(user_id, 3, message["channel_id"])
        data["data"] = {"custom_id": custom_id, "component_type": 2}
        data["message"] = message
        self._interactions[data["id"]]["message_id"] = message["id"]
        return data

    async def click(
        self, user_id: str | int, message_id: str, *, label: str | None = None, custom_id: str | None = None
    ) -> dict[str, Any]:
        """Click the enabled button with `label` (or `custom_id`) on a message, as it looks now."""
        message = self.messages[message_id]
        buttons = [c for row in message.get("components", []) for c in row.get("components", [])]
        button = next(
            (
                b
                for b in buttons
                if (label is not None and b.get("label") == label)
                or (custom_id is not None and b.get("custom_id") == custom_id)
            ),
            None,
        )
        if button is None:
            raise AssertionError(f"no button {label or custom_id!r} on message {message_id}: {buttons}")
        if button.get("disabled"):
            raise AssertionError(
                f"button {button['custom_id']!r} is disabled; Discord would not deliver a click"
            )
        payload = self.component_interaction(user_id, message, button["custom_id"])
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    def command_interaction(
        self,
        user_id: str | int,
        name: str,
        subcommand: str,
        *,
        channel_id: str | None = None,
        **options: str | bool,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload for `/name subcommand option:value ...` (in a server by default)."""
        channel_id = channel_id or self.guild_channel()["id"]
        data = self._interaction_base(user_id, 2, channel_id)
        command = next((c for c in self.commands if c["name"] == name), None)
        data["data"] = {
            "id": command["id"] if command else self.new_id(),
            "name": name,
            "type": 1,
            "options": [
                {
                    "name": subcommand,
                    "type": 1,
                    # option types: 3 string, 5 boolean (application commands, option types)
                    "options": [
                        {"name": k, "type": 5 if isinstance(v, bool) else 3, "value": v}
                        for k, v in options.items()
                    ],
                }
            ],
        }
        return data

    async def slash(self, user_id: str | int, name: str, subcommand: str, **options: str) -> dict[str, Any]:
        payload = self.command_interaction(user_id, name, subcommand, **options)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def post_as_bot(self, channel_id: str, content: str, components: list[Any]) -> dict[str, Any]:
        """Store a message as if the bot had posted it earlier (e.g. an invitation from another process)."""
        payload = self._message_payload(channel_id, self.bot, content, components=components)
        self.messages[payload["id"]] = payload
        return payload

    async def answer(self, payload: dict[str, Any], seconds: float = 10) -> tuple[dict[str, Any], str]:
        """What the user sees in answer to an interaction: its first response, and the text shown
        (the response's content, or, after a deferred response, the content the original was edited to)."""

        def shown() -> str | None:
            ack = next((c["body"] for c in self.callbacks if c["interaction"] == payload["id"]), None)
            if ack is None:
                return None
            if ack["type"] == 4:
                return str(ack["data"].get("content", ""))
            edits = [f["body"] for f in self.followups if f["interaction"] == payload["id"]]
            return str(edits[0].get("content", "")) if edits else None

        await self.wait_until(lambda: shown() is not None, seconds, what="the interaction's answer")
        ack = next(c["body"] for c in self.callbacks if c["interaction"] == payload["id"])
        return ack, str(shown())

    async def wait_until(self, predicate: Any, seconds: float = 5.0, what: str = "condition") -> None:
        """Poll `predicate` until it holds; fail naming `what` after `seconds`."""
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    # ---- REST -----------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API):
            return await handler(request)
        raw = await request.read()
        if request.content_type == "multipart/form-data":
            body = multipart(request.headers["Content-Type"], raw)
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
        request[_BODY] = body
        path = request.path[len(API) :]
        self.requests.append(Recorded(request.method, path, dict(request.query), body, time.monotonic()))
        if (
            not path.startswith(("/interactions/", "/webhooks/"))
            and request.headers.get("Authorization") != f"Bot {self.token}"
        ):
            return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.path.fullmatch(path):
                fault.times -= 1
                return json_response(fault.body, status=fault.status, headers=fault.headers)
        response = await handler(request)
        for slow in list(self.slow):
            if slow[0] == request.method and re.fullmatch(slow[1], path):
                self.slow.remove(slow)
                self.slowed.set()
                await asyncio.sleep(slow[2])  # done, but the answer is late (a crash can come meanwhile)
        return response

    def slow_next(self, method: str, path: str, seconds: float) -> None:
        """Carry out the next matching request, then wait `seconds` before answering it."""
        self.slow.append((method.upper(), path, seconds))
        self.slowed.clear()

    async def _me(self, request: web.Request) -> web.Response:
        return json_response(self.bot)

    async def _application(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": self.application_id,
                "name": "interviewer",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "00" * 32,
                # GATEWAY_GUILD_MEMBERS_LIMITED (1 << 15): the Server Members intent switched on for a bot
                # in under 100 servers, https://discord.com/developers/docs/resources/application#application-object-application-flags
                "flags": (1 << 15) if self.members_intent else 0,
                "owner": self._user_payload("1", "owner"),
                "team": None,
                "summary": "",
                "rpc_origins": [],
                "interactions_endpoint_url": None,
            }
        )

    async def _gateway_info(self, request: web.Request) -> web.Response:
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

    async def _open_dm(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        recipient = str((body or {}).get("recipient_id", ""))
        if not recipient.isdigit():
            return invalid("recipient_id is required")
        allowed, headers = self.dm_open.take()
        if not allowed:
            retry = float(headers["Retry-After"])
            body = {"message": "You are being rate limited.", "retry_after": retry, "global": False}
            return json_response(body, status=429, headers=headers)
        return json_response(self.channels[self.dm_channel_id(recipient)], headers=headers)

    async def _history(self, request: web.Request) -> web.Response:
        """Get Channel Messages (https://discord.com/developers/docs/resources/message#get-channel-messages):
        `limit` 1-100 (default 50); with `after`, the messages right after that id, newest first."""
        channel = self.channels.get(request.match_info["channel"])
        if channel is None:
            return json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        try:
            limit = int(request.query.get("limit", "50"))
            after = int(request.query.get("after", "0"))
        except ValueError:
            return invalid("limit/after: Value is not int.")
        if not 1 <= limit <= 100:
            return invalid("limit: int value should be less than or equal to 100.")
        found = sorted(
            (m for m in self.messages.values() if m["channel_id"] == channel["id"] and int(m["id"]) > after),
            key=lambda m: int(m["id"]),
        )[:limit]
        return json_response(list(reversed(found)))

    async def _create_message(self, request: web.Request) -> web.Response:
        channel = self.channels.get(request.match_info["channel"])
        if channel is None:
            return json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        if channel["type"] == 1 and channel["recipients"][0]["id"] in self.closed_dms:
            return json_response(CANNOT_DM, status=403)
        body = request[_BODY] or {}
        problem = check_message(body)
        if problem:
            return invalid(problem)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._nonces.get((self.bot["id"], str(nonce)))
            if earlier and time.monotonic() - earlier[1] < NONCE_WINDOW:
                return json_response(self.messages[earlier[0]])
        files = body.pop(FILES, [])
        attachments = [
            {
                "id": self.new_id(),
                "filename": name,
                "size": len(data),
                "url": f"{self.base_url}/files/{name}",
                "proxy_url": f"{self.base_url}/files/{name}",
            }
            for name, data in files
        ]
        payload = self._message_payload(
            channel["id"],
            self.bot,
            body.get("content", ""),
            components=body.get("components", []),
            attachments=attachments,
            nonce=nonce,
            flags=body.get("flags", 0),
        )
        self.messages[payload["id"]] = payload
        for attachment, (_, data) in zip(attachments, files, strict=True):
            self.uploads.append(
                {"channel": channel["id"], "message": payload["id"], **attachment, "data": data}
            )
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(self.bot["id"], str(nonce))] = (payload["id"], time.monotonic())
        return json_response(payload)

    async def _edit_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["message"])
        if message is None or message["channel_id"] != request.match_info["channel"]:
            return json_response({"message": "Unknown Message", "code": 10008}, status=404)
        if message["author"]["id"] != self.bot["id"]:
            return json_response(
                {"message": "Cannot edit a message authored by another user", "code": 50005}, status=403
            )
        body = request[_BODY] or {}
        problem = check_message(body)
        if problem:
            return invalid(problem)
        for key in ("content", "components"):
            if key in body:
                message[key] = body[key]
        message["edited_timestamp"] = now()
        return json_response(message)

    async def _put_commands(self, request: web.Request) -> web.Response:
        if request.match_info["app"] != self.application_id:
            return json_response({"message": "Unknown Application", "code": 10002}, status=404)
        self.commands = [
            {
                **c,
                "id": self.new_id(),
                "application_id": self.application_id,
                "version": self.new_id(),
                "type": c.get("type", 1),
                "default_member_permissions": c.get("default_member_permissions"),
                "nsfw": c.get("nsfw", False),
            }
            for c in (request[_BODY] or [])
        ]
        return json_response(self.commands)

    async def _guild_roles(self, request: web.Request) -> web.Response:
        roles = self.roles.get(request.match_info["guild"])
        if roles is None:
            return json_response({"message": "Unknown Guild", "code": 10004}, status=404)
        return json_response(roles)

    async def _guild_members(self, request: web.Request) -> web.Response:
        """List Guild Members: `limit` 1-1000, `after` a user id; needs the Server Members intent."""
        members = self.members.get(request.match_info["guild"])
        if members is None:
            return json_response({"message": "Unknown Guild", "code": 10004}, status=404)
        if not self.members_intent:
            return json_response({"message": "Missing Access", "code": 50001}, status=403)
        limit, after = int(request.query.get("limit", "1")), int(request.query.get("after", "0"))
        if not 1 <= limit <= 1000:
            return invalid("limit: must be between 1 and 1000")
        return json_response([m for m in members if int(m["user"]["id"]) > after][:limit])

    async def _callback(self, request: web.Request) -> web.Response:
        interaction = self._interactions.get(request.match_info["interaction"])
        if interaction is None or interaction["token"] != request.match_info["token"]:
            return json_response(UNKNOWN_INTERACTION, status=404)
        if not interaction["acked"] and time.monotonic() - interaction["created"] > INTERACTION_DEADLINE:
            self.late_responses.append(request.match_info["interaction"])
            return json_response(UNKNOWN_INTERACTION, status=404)  # the token died after 3 seconds
        if interaction["acked"]:
            return invalid("Interaction has already been acknowledged.", code=40060)
        body = request[_BODY] or {}
        interaction["acked"] = True
        self.callbacks.append({"interaction": request.match_info["interaction"], "body": body})
        kind, data = body.get("type"), body.get("data") or {}
        flags = int(data.get("flags", 0))
        response: dict[str, Any] = {
            "interaction": {
                "id": request.match_info["interaction"],
                "type": interaction["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & 64),
            }
        }
        if kind in (4, 5):
            original = self._message_payload(
                interaction["channel_id"],
                self.bot,
                data.get("content", ""),
                components=data.get("components", []),
                flags=flags,
            )
            interaction["original"] = original
            response["interaction"]["response_message_id"] = original["id"]
            if kind == 4:
                response["resource"] = {"type": 4, "message": original}
        elif kind == 7 and interaction.get("message_id") in self.messages:
            message = self.messages[interaction["message_id"]]
            message.update({k: v for k, v in data.items() if k in ("content", "components")})
        if request.query.get("with_response") in ("1", "true"):
            return json_response(response)
        return web.Response(status=204)

    async def _followup(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request.match_info["token"])
        if interaction is None or request.match_info["app"] != self.application_id:
            return json_response({"message": "Unknown Webhook", "code": 10015}, status=404)
        body = request[_BODY] or {}
        message = self._message_payload(
            interaction["channel_id"],
            self.bot,
            body.get("content", ""),
            components=body.get("components", []),
            flags=int(body.get("flags", 0)),
        )
        self.followups.append({"kind": "post", "interaction": interaction["id"], "body": body})
        if request.query.get("wait") in ("1", "true"):
            return json_response(message)
        return web.Response(status=204)

    async def _edit_followup(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request.match_info["token"])
        if interaction is None or "original" not in interaction:
            return json_response({"message": "Unknown Message", "code": 10008}, status=404)
        body = request[_BODY] or {}
        original = interaction["original"]
        original.update({k: v for k, v in body.items() if k in ("content", "components")})
        self.followups.append({"kind": "edit", "interaction": interaction["id"], "body": body})
        return json_response(original)

    async def _not_found(self, request: web.Request) -> web.Response:
        return json_response({"message": "404: Not Found", "code": 0}, status=404)

    # ---- payloads -------------------------------------------------------------------------------

    def _user_payload(self, user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "id": user_id,
            "username": name,
            "discriminator": "0",
            "global_name": name.title(),
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }

    def _message_payload(
        self,
        channel_id: str,
        author: dict[str, Any],
        content: str,
        *,
        message_id: str | None = None,
        components: list[Any] | None = None,
        attachments: list[Any] | None = None,
        nonce: Any = None,
        flags: int = 0,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": message_id or self.new_id(),
            "channel_id": channel_id,
            "author": author,
            "content": content,
            "timestamp": now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments or [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": flags,
            "components": components or [],
        }
        if nonce is not None:
            payload["nonce"] = nonce
        channel = self.channels.get(channel_id)
        if channel and channel.get("guild_id"):
            payload["guild_id"] = channel["guild_id"]
        return payload

    def _interaction_base(self, user_id: str | int, kind: int, channel_id: str) -> dict[str, Any]:
        user = self.user(user_id)
        channel = self.channels[channel_id]
        interaction_id, token = self.new_id(), secrets.token_urlsafe(24)
        data: dict[str, Any] = {
            "id": interaction_id,
            "application_id": self.application_id,
            "type": kind,
            "token": token,
            "version": 1,
            "channel_id": channel_id,
            "channel": channel,
            "locale": "en-US",
            "app_permissions": "0",
            "entitlements": [],
            "attachment_size_limit": 10_485_760,
        }
        if channel.get("guild_id"):
            gid = channel["guild_id"]
            data.update(
                guild_id=gid,
                guild={"id": gid, "locale": "en-US", "features": []},
                context=0,
                authorizing_integration_owners={"0": gid},
                member={
                    "user": user,
                    "roles": [],
                    "joined_at": now(),
                    "permissions": "2248473465835073",
                    "flags": 0,
                    "deaf": False,
                    "mute": False,
                    "nick": None,
                    "avatar": None,
                },
            )
        else:
            data.update(user=user, context=1, authorizing_integration_owners={"0": "0"})
        self._interactions[interaction_id] = {
            "id": interaction_id,
            "token": token,
            "type": kind,
            "channel_id": channel_id,
            "acked": False,
            "created": time.monotonic(),
        }
        return data

    def _by_token(self, token: str) -> dict[str, Any] | None:
        return next((i for i in self._interactions.values() if i["token"] == token), None)
