"""A local fake of the Slack Web API, for tests and benchmarks that use the real slack_sdk client.

    async with FakeSlack() as fake:                         # 127.0.0.1, random free port
        client = AsyncWebClient(token=fake.token, base_url=fake.base_url)
        fake.rate_limit_next("chat.postMessage", retry_after=1)  # next call: 429 + Retry-After: 1
        fake.fail_next("conversations.open", "user_not_found")   # next call: {"ok": false, "error": ...}
        fake.posted                                         # successful chat.postMessage args, with "ts"
        fake.calls_to("chat.update")                        # every recorded call of one method
        fake.response_url("cmd-1"); fake.responses["cmd-1"] # where `respond()` posts, and what it posted
        fake.home_views["U1"]                               # the last view published for a user
        fake.uploads                                        # files completed through files_upload_v2

Implemented: auth.test, conversations.open, conversations.members, chat.postMessage, chat.update,
chat.postEphemeral, users.info, views.publish, and the files_upload_v2 trio (files.getUploadURLExternal, the upload POST to
the URL it returns, files.completeUploadExternal). Any other method answers `unknown_method`.
Block Kit payloads are checked against the limits the bot relies on (section text 3000 characters,
button text 75, button value 2000, unique action ids, 50 blocks) and rejected with `invalid_blocks`,
as Slack would. A wrong bot token answers `invalid_auth`. Every request is recorded with the
`time.perf_counter()` of its arrival and the HTTP status answered. Answers to a valid token carry the
token's scopes in the `x-oauth-scopes` header (`fake.scopes`: by default the bot scopes of
adapters/slack_manifest.yaml, as an app installed from it would have).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

TEAM = "T0FAKE"
BOT_USER = "UBOT"
BOT_ID = "BBOT"


MANIFEST = Path(__file__).resolve().parents[2] / "adapters" / "slack_manifest.yaml"


def manifest_bot_scopes() -> list[str]:
    """The bot scopes the app manifest requests: what a token from an install of it is granted."""
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return list(data["oauth_config"]["scopes"]["bot"])


def dm_channel(user_id: str) -> str:
    """The DM channel id the fake gives a user (events built by tests use the same one)."""
    return f"D{user_id}"


@dataclass(frozen=True)
class Call:
    method: str  # Web API method, or "upload" / "respond" for the two non-API endpoints
    args: dict[str, Any]
    at: float  # time.perf_counter() on arrival
    status: int  # HTTP status the fake answered
    error: str | None = None  # the `error` of an ok:false answer


@dataclass(frozen=True)
class _Fault:
    error: str
    retry_after: int | None = None  # set: answer HTTP 429 with this Retry-After


class FakeSlack:
    """The fake Web API server; see the module docstring."""

    def __init__(self, *, token: str = "xoxb-fake-token", team_id: str = TEAM, latency: float = 0.0):
        self.token = token
        self.team_id = team_id
        self.latency = latency  # seconds added to every API answer
        self.in_flight = self.most_in_flight = 0  # requests waiting out the latency at once (with latency)
        self.port = 0
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> current message
        self.home_views: dict[str, dict[str, Any]] = {}
        self.responses: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.uploads: list[dict[str, Any]] = []
        self._files: dict[str, dict[str, Any]] = {}
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._seq = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.channel_members: dict[str, list[str]] = {}  # channel id -> member ids (conversations.members)
        self._limits: dict[str, tuple[float, float]] = {}  # method -> (per channel, per workspace) a second
        self._recent: dict[str, deque[float]] = defaultdict(deque)  # scope -> arrival times, last second
        self.scopes: list[str] = manifest_bot_scopes()  # granted to the token: the x-oauth-scopes header

    # -- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{name}", self._respond)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
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
        return f"{self.root}/respond/{name}"

    # -- scripting and reading ----------------------------------------------------------------------

    def fail_next(self, method: str, error: str = "internal_error", times: int = 1) -> None:
        for _ in range(times):
            self._faults[method].append(_Fault(error))

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        for _ in range(times):
            self._faults[method].append(_Fault("ratelimited", retry_after))

    def limit_rate(self, method: str, *, per_channel: float, per_workspace: float) -> None:
        """Answer 429 (Retry-After: 1) to calls of `method` faster than these rates, like Slack does."""
        self._limits[method] = (per_channel, per_workspace)

    def _over_limit(self, method: str, args: dict[str, Any], now: float) -> bool:
        """A sliding one-second window per channel and per workspace; a refused call does not count."""
        per_channel, per_workspace = self._limits[method]
        scopes = ((f"{method}:{args.get('channel')}", per_channel), (method, per_workspace))
        for key, rate in scopes:
            recent = self._recent[key]
            while recent and now - recent[0] >= 1.0:
                recent.popleft()
            if len(recent) + 1 > rate:
                return True
        for key, _ in scopes:
            self._recent[key].append(now)
        return False

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

    # -- HTTP ---------------------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        return args

    def _record(self, method: str, args: dict[str, Any], status: int, error: str | None) -> None:
        self.calls.append(Call(method, args, time.perf_counter(), status, error))
        self._changed.set()

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
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or args.get("token")
        if token != self.token:
            return self._answer(method, args, at, {"ok": False, "error": "invalid_auth"})
        faults = self._faults.get(method)
        if faults:
            fault = faults.popleft()
            if fault.retry_after is not None:
                return self._answer(
                    method,
                    args,
                    at,
                    {"ok": False, "error": fault.error},
                    status=429,
                    headers={"Retry-After": str(fault.retry_after)},
                )
            return self._answer(method, args, at, {"ok": False, "error": fault.error})
        if method in self._limits and self._over_limit(method, args, time.perf_counter()):
            return self._answer(
                method,
                args,
                at,
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": "1"},
            )
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        body = handler(args) if handler else {"ok": False, "error": "unknown_method"}
        return self._answer(method, args, at, body)

    def _answer(
        self,
        method: str,
        args: dict[str, Any],
        at: float,
        body: dict[str, Any],
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        error = None if body.get("ok") else str(body.get("error"))
        self.calls.append(Call(method, args, at, status, error))
        self._changed.set()
        if error != "invalid_auth":
            # Slack names the calling token's scopes, comma-separated, on every Web API answer; Slack's
            # SDKs read them from there (node-slack-sdk WebClient.buildResult: response_metadata.scopes;
            # Bolt for Python: the bot scopes from auth.test's headers).
            # https://github.com/slackapi/node-slack-sdk/blob/main/packages/web-api/src/WebClient.ts
            headers = {**(headers or {}), "x-oauth-scopes": ",".join(self.scopes)}
        return web.json_response(body, status=status, headers=headers)

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        if file_id not in self._files:
            self._record("upload", {"file_id": file_id}, 404, "unknown_upload")
            return web.Response(status=404, text="unknown upload")
        self._files[file_id]["content"] = data
        self._record("upload", {"file_id": file_id, "bytes": len(data)}, 200, None)
        return web.Response(text=f"OK - {len(data)}")

    async def _respond(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = await request.json()
        self.responses[name].append(body)
        self._record("respond", {"name": name, **body}, 200, None)
        return web.Response(text="ok")

    # -- methods ------------------------------------------------------------------------------------

    def _ts(self) -> str:
        n = next(self._seq)
        return f"{1_700_000_000 + n}.{n:06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": "Fake",
            "user": "interviewer",
            "team_id": self.team_id,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users") or "").split(",")
        if len(users) != 1 or not users[0]:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": dm_channel(users[0])}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        problem = _check_message(args)
        if problem:
            return {"ok": False, "error": problem}
        ts = self._ts()
        args["ts"] = ts
        message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": ts, **_message(args)}
        self.messages[(args["channel"], ts)] = message
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        problem = _check_message(args)
        if problem:
            return {"ok": False, "error": problem}
        self.messages[key] = {**self.messages[key], **_message(args), "edited": True}
        return {"ok": True, "channel": key[0], "ts": key[1], "text": args.get("text", "")}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        problem = _check_message(args)
        return {"ok": False, "error": problem} if problem else {"ok": True, "message_ts": self._ts()}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        members = self.channel_members.get(str(args.get("channel") or ""))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user") or "")
        if not user.startswith(("U", "W")):
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": user,
                "team_id": self.team_id,
                "name": user.lower(),
                "real_name": f"Person {user}",
                "tz": "Europe/Berlin",
                "is_bot": False,
                "deleted": False,
            },
        }

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _json_arg(args.get("view"))
        if not args.get("user_id") or not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        if len(view.get("blocks") or []) > 100:
            return {"ok": False, "error": "invalid_blocks"}
        self.home_views[str(args["user_id"])] = view
        return {"ok": True, "view": {"id": f"V{next(self._seq)}", **view}}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._seq):08d}"
        self._files[file_id] = {"id": file_id, "name": args["filename"], "length": int(args["length"])}
        return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = _json_arg(args.get("files"))
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        for item in files:
            stored = self._files.get(item.get("id"))
            if stored is None or "content" not in stored:
                return {"ok": False, "error": "file_not_found"}
            done.append({"id": stored["id"], "name": stored["name"], "title": item.get("title")})
            self.uploads.append(
                {
                    **stored,
                    "title": item.get("title"),
                    "channel": args.get("channel_id"),
                    "initial_comment": args.get("initial_comment"),
                }
            )
        return {"ok": True, "files": done}


def _json_arg(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _message(args: dict[str, Any]) -> dict[str, Any]:
    return {"text": args.get("text", ""), "blocks": _json_arg(args.get("blocks")) or []}


def _check_message(args: dict[str, Any]) -> str | None:
    """Slack's answer to a malformed message, or None when it would be accepted."""
    if not args.get("channel"):
        return "channel_not_found"
    blocks = _json_arg(args.get("blocks"))
    if not args.get("text") and not blocks:
        return "no_text"
    if len(str(args.get("text", ""))) > 40_000:
        return "msg_too_long"
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    action_ids: set[str] = set()
    for block in blocks:
        if block.get("type") == "section" and len(block.get("text", {}).get("text", "")) > 3000:
            return "invalid_blocks"
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if len(element.get("text", {}).get("text", "")) > 75 or len(element.get("value", "")) > 2000:
                return "invalid_blocks"
            if element.get("action_id") in action_ids:
                return "invalid_blocks"
            action_ids.add(element.get("action_id"))
    return None
