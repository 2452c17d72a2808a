"""A local fake of the Slack Web API, for tests and benchmarks that use the real slack_sdk client.

    async with FakeSlack() as fake:                         # 127.0.0.1, random free port
        client = AsyncWebClient(token=fake.token, base_url=fake.base_url)
        fake.add_channel("CTEAM", "team", ["UBOB", "UCAROL"])  # a public channel (private=True: private)
        fake.add_user("UBOT2", is_bot=True); fake.add_user("UGONE", deleted=True)
        event = fake.user_message("UALICE", "hi")           # what Alice wrote, kept in her DM's history
        fake.rate_limit_next("chat.postMessage", retry_after=1)  # next call: 429 + Retry-After: 1
        fake.fail_next("conversations.open", "user_not_found")   # next call: {"ok": false, "error": ...}
        fake.limit_like_non_marketplace(window=12)           # conversations.history: 1 call / 12 s, pages of 15
        fake.limit_per_minute("users.list", 20, window=2)    # Tier 2 (on by default: 20 a minute) in 2 s
        fake.posted; fake.calls_to("chat.update"); fake.responses["cmd-1"]; fake.home_views["U1"]; fake.uploads
        fake.deleted                                        # (channel, ts) chat.delete removed (Tier 3: 50 a minute)
        fake.clock = lambda: later                          # response_urls age by this clock (time.monotonic)
        second = fake.install("T0OTHER")                    # another workspace with its own bot token

The fake is strict the way Slack is (rules and their documentation pages in `tests.support.fakes.slack_rules`):
each workspace's token carries the scopes the app's manifest asks for, and a method called without its
scope answers `missing_scope` with `needed` and `provided`; Block Kit limits; cursor pagination; a call
without a token answers `not_authed`, a wrong or revoked one `invalid_auth` / `token_revoked`; private
channels exist for the bot only once it is in them; a `response_url` takes 5 replies within 30 minutes
(`tests.support.fakes.slack_respond`). Socket Mode (`apps.connections.open` and its websocket) lives in
`tests.support.fakes.slack_socket`, "Add to Slack" in `tests.support.fakes.slack_oauth`.
Every request is recorded with the `time.perf_counter()` of its arrival and the HTTP status answered.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.fakes import slack_methods
from tests.support.fakes.slack_limits import NonMarketplace, Rates, Refusal, Scripted
from tests.support.fakes.slack_respond import ResponseUrls
from tests.support.fakes.slack_rules import manifest_scopes, missing_scope, needed_scopes

TEAM = "T0FAKE"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
APP_ID = "AFAKE"


def dm_channel(user_id: str) -> str:
    """The DM channel id the fake gives a user (events built by tests use the same one)."""
    return f"D{user_id}"


def dm_event(user: str, text: str, team: str, ts: str, **extra: Any) -> dict[str, Any]:
    """The `message` event of a DM to the bot; `text` escaped the way Slack escapes what people type."""
    return {
        "type": "message",
        "channel": dm_channel(user),
        "user": user,
        "text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
        "ts": ts,
        "event_ts": ts,
        "client_msg_id": secrets.token_hex(8),
        "channel_type": "im",
        "team": team,
        **extra,
    }


@dataclass(frozen=True)
class Call:
    method: str  # Web API method, or "upload" / "respond" for the two non-API endpoints
    args: dict[str, Any]
    at: float  # time.perf_counter() on arrival
    status: int  # HTTP status the fake answered
    error: str | None = None  # the `error` of an ok:false answer
    team: str | None = None  # the workspace whose token made the call


@dataclass
class Workspace:
    """One Slack workspace (team) with the app installed: its bot token and the scopes granted."""

    team_id: str
    token: str
    scopes: frozenset[str]
    bot_user: str = BOT_USER
    installed: bool = True
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # people and bots by id
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {name, is_private, members}


class FakeSlack:
    """The fake Web API server; see the module docstring."""

    def __init__(
        self,
        *,
        token: str = "xoxb-fake-token",
        team_id: str = TEAM,
        latency: float = 0.0,
        scopes: frozenset[str] | None = None,
        app_token: str = "xapp-fake-token",
    ):
        self.token, self.team_id, self.app_token = token, team_id, app_token
        self.latency = latency  # seconds added to every API answer
        self.in_flight = self.most_in_flight = 0  # requests waiting out the latency at once (with latency)
        self.port = 0
        self.clock: Callable[[], float] = time.monotonic  # what response_url ages are measured by
        self.response_urls = ResponseUrls(self)
        self.workspaces: dict[str, Workspace] = {}
        self.install(team_id, token=token, scopes=scopes)
        self.add_channel("CGENERAL", "general", [BOT_USER])  # where tests post invitations
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> current message
        self.deleted: list[tuple[str, str]] = []  # (channel, ts) of every message chat.delete removed
        self.home_views: dict[str, dict[str, Any]] = {}
        self.responses: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.uploads: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.scripted = Scripted()  # `fail_next`, `rate_limit_next`
        self._seq = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.rates = Rates()  # each method's tier (50 chat.delete a minute...), and `limit_rate`
        self.non_marketplace: NonMarketplace | None = None  # `limit_like_non_marketplace`
        self.extensions: list[Any] = []  # Socket Mode, OAuth: objects with a `routes(router)` method

    # -- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{name}", self.response_urls.respond)
        for extension in self.extensions:
            extension.routes(app.router)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        for extension in self.extensions:
            await extension.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/api/"

    def response_url(self, name: str) -> str:
        """The response_url of a payload Slack sends now (a slash command, a click): 5 uses, 30 minutes."""
        return self.response_urls.issue(name)

    # -- workspaces, people, channels -----------------------------------------------------------------

    def install(
        self, team_id: str, *, token: str | None = None, scopes: frozenset[str] | None = None
    ) -> Workspace:
        """The app installed in a workspace: a bot token with the manifest's scopes (or `scopes`)."""
        token = token or f"xoxb-{team_id.lower()}-{secrets.token_hex(6)}"
        granted = manifest_scopes() if scopes is None else frozenset(scopes)
        workspace = Workspace(team_id, token, granted)
        workspace.users[workspace.bot_user] = {"is_bot": True, "deleted": False, "tz": "UTC"}
        self.workspaces[team_id] = workspace
        return workspace

    def uninstall(self, team_id: str) -> None:
        """The app removed from a workspace: its token is revoked from now on."""
        self.workspaces[team_id].installed = False

    def workspace(self, team_id: str | None = None) -> Workspace:
        return self.workspaces[team_id or self.team_id]

    def add_user(
        self,
        user_id: str,
        *,
        team: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "Europe/Berlin",
    ) -> None:
        self.workspace(team).users[user_id] = {"is_bot": is_bot, "deleted": deleted, "tz": tz}

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: list[str],
        *,
        private: bool = False,
        archived: bool = False,
        team: str | None = None,
    ) -> None:
        channel = {
            "id": channel_id,
            "name": name,
            "is_private": private,
            "is_archived": archived,
            "members": list(members),
        }
        self.workspace(team).channels[channel_id] = channel
        for member in members:  # a channel's members are people (or bots) of its workspace
            self.member(member, team=team)

    def member(self, user: str, *, team: str | None = None) -> None:
        """`user` is a person of the workspace (whoever writes, clicks or opens the app is one)."""
        self.workspace(team).users.setdefault(
            user, {"is_bot": False, "deleted": False, "tz": "Europe/Berlin"}
        )

    def channel_kind(self, workspace: Workspace, channel: str) -> str | None:
        """public | private | im | None for a conversation this workspace does not have."""
        if channel.startswith("D"):
            return "im"
        found = workspace.channels.get(channel)
        return None if found is None else "private" if found["is_private"] else "public"

    def user_message(self, user: str, text: str, *, team: str | None = None, **extra: Any) -> dict[str, Any]:
        """A DM `user` writes to the bot, kept in the channel's history; returns it as a message event
        (`text` escaped the way Slack escapes what people type)."""
        event = dm_event(user, text, team or self.team_id, self.ts(), **extra)
        self.member(user, team=team)
        self.messages[(event["channel"], event["ts"])] = {
            k: v for k, v in event.items() if k != "channel_type"
        }
        return event

    def ts(self) -> str:
        """A message ts: seconds and a sequence, increasing (a real ts is the post's time)."""
        n = next(self._seq)
        return f"{time.time():.0f}.{n:06d}"

    # -- scripting and reading ----------------------------------------------------------------------

    def fail_next(self, method: str, error: str = "internal_error", times: int = 1) -> None:
        self.scripted.add(method, error, None, times)

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        self.scripted.add(method, "ratelimited", retry_after, times)

    def limit_rate(self, method: str, *, per_channel: float, per_workspace: float) -> None:
        """Answer 429 (Retry-After: 1) to calls of `method` faster than these rates, like Slack does
        (https://docs.slack.dev/apis/web-api/rate-limits)."""
        self.rates.limits[method] = (per_channel, per_workspace)

    def limit_like_non_marketplace(self, window: float = 60.0) -> None:
        """conversations.history (and .replies) as for a commercially distributed app not approved for
        the Slack Marketplace: 1 call a `window` (Slack: a minute) per workspace, 15 messages a page
        (`tests.support.fakes.slack_limits`)."""
        self.non_marketplace = NonMarketplace(window)

    def limit_per_minute(self, method: str, calls: int, *, window: float = 60.0) -> None:
        """Answer 429 past `calls` of `method` in any `window` seconds per workspace (`slack_limits`)."""
        self.rates.tiers[method] = (calls, window)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def posted(self) -> list[dict[str, Any]]:
        """Arguments of every chat.postMessage that succeeded, each with the `ts` it was given."""
        return [c.args for c in self.calls if c.method == "chat.postMessage" and c.error is None]

    async def wait_for(self, method: str, count: int = 1, seconds: float = 5.0) -> list[Call]:
        """Wait until `count` successful calls of `method` were recorded."""
        await self.wait_until(
            lambda: len([c for c in self.calls_to(method) if c.error is None]) >= count, seconds
        )
        return [c for c in self.calls_to(method) if c.error is None]

    async def wait_until(self, condition: Callable[[], bool], seconds: float = 5.0) -> None:
        """Wait until `condition()` holds, checking after every recorded call; TimeoutError after `seconds`."""
        async with asyncio.timeout(seconds):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    def record(
        self, method: str, args: dict[str, Any], status: int, error: str | None, team: str | None = None
    ) -> None:
        self.calls.append(Call(method, args, time.perf_counter(), status, error, team))
        self._changed.set()

    # -- HTTP ---------------------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        return args

    def token_of(self, request: web.Request, args: dict[str, Any]) -> str | None:
        """The bearer token of the Authorization header, else the `token` argument ("" or None: none)."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return token.strip() if scheme == "Bearer" and token.strip() else args.get("token")

    async def _api(self, request: web.Request) -> web.Response:
        at = time.perf_counter()
        method = request.match_info["method"]
        args = await self._args(request)
        if self.latency:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                await asyncio.sleep(self.latency)
            finally:
                self.in_flight -= 1
        for extension in self.extensions:  # methods with their own authentication (app token, client id)
            answer = await extension.api(method, args, request)
            if answer is not None:
                return self._answer(method, args, at, *answer)
        token = self.token_of(request, args)
        if not token:  # every method page: "not_authed: No authentication token provided."
            return self._answer(method, args, at, {"ok": False, "error": "not_authed"})
        workspace = next((w for w in self.workspaces.values() if w.token == token), None)
        if workspace is None:
            return self._answer(method, args, at, {"ok": False, "error": "invalid_auth"})
        if not workspace.installed:
            return self._answer(
                method, args, at, {"ok": False, "error": "token_revoked"}, team=workspace.team_id
            )
        fault = self._fault(method, args, workspace.team_id)
        if fault is not None:
            return self._answer(method, args, at, *fault, team=workspace.team_id)
        if method not in slack_methods.HANDLERS:
            return self._answer(method, args, at, {"ok": False, "error": "unknown_method"})
        kind = self.channel_kind(workspace, str(args.get("channel") or "")) if args.get("channel") else None
        refused = missing_scope(needed_scopes(method, args, kind), workspace.scopes)
        if refused:
            return self._answer(method, args, at, refused, team=workspace.team_id)
        body = slack_methods.HANDLERS[method](self, workspace, args)
        return self._answer(method, args, at, body, team=workspace.team_id)

    def _fault(self, method: str, args: dict[str, Any], team: str) -> Refusal | None:
        if scripted := self.scripted.refuse(method):
            return scripted
        if self.non_marketplace is not None and (refused := self.non_marketplace.refuse(method, team)):
            return refused
        return self.rates.refuse(method, args, team)

    def _answer(
        self,
        method: str,
        args: dict[str, Any],
        at: float,
        body: dict[str, Any],
        status: int = 200,
        headers: dict[str, str] | None = None,
        *,
        team: str | None = None,
    ) -> web.Response:
        error = None if body.get("ok") else str(body.get("error"))
        self.calls.append(Call(method, args, at, status, error, team))
        self._changed.set()
        if team in self.workspaces and error not in ("invalid_auth", "token_revoked"):
            # Slack names the calling token's scopes, comma-separated, on every Web API answer; Slack's
            # SDKs read them from there (node-slack-sdk WebClient.buildResult: response_metadata.scopes;
            # Bolt for Python: the bot scopes from auth.test's headers).
            # https://github.com/slackapi/node-slack-sdk/blob/main/packages/web-api/src/WebClient.ts
            scopes = ",".join(sorted(self.workspaces[team].scopes))
            headers = {**(headers or {}), "x-oauth-scopes": scopes}
        return web.json_response(body, status=status, headers=headers)

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        if file_id not in self.files:
            self.record("upload", {"file_id": file_id}, 404, "unknown_upload")
            return web.Response(status=404, text="unknown upload")
        self.files[file_id]["content"] = data
        self.record("upload", {"file_id": file_id, "bytes": len(data)}, 200, None)
        return web.Response(text=f"OK - {len(data)}")
