"""A local fake of the Anthropic Messages API and Message Batches API, for tests that use the real SDK.

Start it, point a real `anthropic.AsyncAnthropic` at it, script what it answers, then read what it got:

    async with FakeAnthropic() as fake:                       # 127.0.0.1, random free port
        client = anthropic.AsyncAnthropic(api_key="test-key", base_url=fake.base_url, max_retries=2)
        fake.push_tool_use({"message": "Hi!", "move": "ask", ...})  # the next reply: a tool_use block
        fake.push_tool_use(lambda body: {...})                # or computed from the request body
        fake.push_text("plain words")                         # or a text reply (stop_reason end_turn)
        fake.responder = lambda body: {...}                   # tool input used when the queue is empty
        fake.fail_next("rate_limit", retry_after=1)           # the next request gets 429 + retry-after
        fake.fail_next("overloaded", times=2)                 # 529 overloaded_error, twice
        fake.fail_next("api_error")                           # 500 api_error
        fake.fail_next("slow", delay=2.0)                     # answer after 2 s, beyond the client timeout
        await fake.go_down()                                  # every request: 529 ...
        await fake.go_down("refused")                         # ... or connection refused / dropped
        await fake.recover()
        fake.message_requests[-1].body                        # parsed JSON of each POST /v1/messages
        fake.requests                                         # every request: method, path, headers, body, at

Faults are queued per request (any endpoint) and used before the reply queue: a failed request consumes
a fault, never a scripted reply, so a test can queue faults and the one reply that should follow them.
With no reply queued and no `responder`, /v1/messages answers 400 saying so, which the SDK does not retry.

Requests are checked the way the real API checks them where it matters for our client: a key in
x-api-key or `Authorization: Bearer` (the SDK sends the latter; if `api_key` is given, exactly that key,
else 401), model and max_tokens present, messages
starting with the user role, no empty text blocks, at most 4 cache_control breakpoints, a forced
tool_choice naming a defined tool.

Usage is plausible rather than exact: a token is 4 characters of the canonical JSON of each block.
Prompt caching is simulated: every breakpoint of a request stores the prefix up to it (tools, system,
messages, in that order, `cache_control` itself excluded); a later request reads the longest stored
prefix ending at one of its breakpoints or up to 20 blocks before one. The real minimum cacheable length
and TTL are ignored. `push_tool_use(..., usage={...})` overrides the computed figures.

Message Batches: POST /v1/messages/batches records the requests and answers `in_progress`;
GET /v1/messages/batches/{id} keeps answering `in_progress` for `batch_polls` polls (or until
`end_batch()`), then `ended` with request counts and a results_url; GET .../results streams JSONL lines;
POST .../cancel answers `canceling` and ends the batch with every request canceled (`canceled_batches`).
Script each custom_id's result with `push_batch_result(custom_id, "succeeded" | "errored" | "expired" |
"canceled", ...)`; unscripted ones succeed through `batch_responder(params)` if set, else come back errored.
A result pushed with `once=True` answers one batch only, so a retry in a later batch gets the next result
scripted for that custom_id (or the responder's). As the real API does, custom_ids must match
[a-zA-Z0-9_-]{1,64} (else 400 at creation), and an item whose params would be rejected by
/v1/messages comes back errored with the reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

ToolInput = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# kind -> (HTTP status, Anthropic error type, message)
FAULTS: dict[str, tuple[int, str, str]] = {
    "rate_limit": (429, "rate_limit_error", "Number of requests has exceeded your rate limit (fake)."),
    "overloaded": (529, "overloaded_error", "Overloaded (fake)."),
    "api_error": (500, "api_error", "Internal server error (fake)."),
    "auth": (401, "authentication_error", "invalid x-api-key (fake)."),
    "invalid": (400, "invalid_request_error", "Invalid request (fake)."),
    "slow": (0, "", ""),  # not an error: the answer comes after `delay` seconds
}
_BODY = web.RequestKey("body", object)  # the parsed JSON body, read once by the middleware
MAX_BREAKPOINTS = 4
CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
LOOKBACK_BLOCKS = 20


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it. `at` is time.monotonic() on arrival."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float


@dataclass
class Fault:
    kind: str
    retry_after: float | None = None
    delay: float = 0.0


@dataclass
class _Batch:
    id: str
    requests: list[dict[str, Any]]
    created_at: datetime
    polls: int = 0
    ended_at: datetime | None = None
    cancel_initiated_at: datetime | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


def _error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    body = {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_fake"}
    return web.json_response(body, status=status, headers={"request-id": "req_fake", **(headers or {})})


def _retry_headers(retry_after: float | None) -> dict[str, str]:
    return {} if retry_after is None else {"retry-after": f"{retry_after:g}"}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def strip_cache_control(value: Any) -> Any:
    """A copy of a request fragment without any `cache_control` keys (for comparing cached prefixes)."""
    if isinstance(value, dict):
        return {k: strip_cache_control(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [strip_cache_control(v) for v in value]
    return value


def prompt_blocks(body: dict[str, Any]) -> tuple[list[str], list[int]]:
    """The request as the cache sees it: canonical blocks in order (tools, system, messages), and the
    indices of blocks that carry a cache_control breakpoint."""
    blocks: list[str] = []
    marks: list[int] = []

    def add(where: str, block: Any, opens_message: bool = False) -> None:
        if isinstance(block, dict) and "cache_control" in block:
            marks.append(len(blocks))
        item = {"at": where, "opens": opens_message, "block": strip_cache_control(block)}
        blocks.append(json.dumps(item, sort_keys=True, ensure_ascii=False))

    for tool in body.get("tools") or []:
        add("tools", tool)
    system = body.get("system") or []
    for block in [{"type": "text", "text": system}] if isinstance(system, str) else system:
        add("system", block)
    for message in body.get("messages") or []:
        content = message.get("content")
        content = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        for j, block in enumerate(content):
            add(str(message.get("role")), block, j == 0)
    return blocks, marks


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


class FakeAnthropic:
    """The fake server; see the module docstring. Use as `async with FakeAnthropic() as fake:`."""

    def __init__(self, *, api_key: str | None = None, batch_polls: int = 1, host: str = "127.0.0.1"):
        self.api_key = api_key  # None: any non-empty key is accepted
        self.batch_polls = batch_polls  # how many retrieves answer in_progress before a batch ends
        self.host = host
        self.port = 0
        self.requests: list[Recorded] = []
        self.responder: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.batch_responder: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self._replies: deque[Callable[[dict[str, Any]], dict[str, Any]]] = deque()
        self._faults: deque[Fault] = deque()
        self._down: Fault | None = None
        self._refusing = False
        self._cache: set[str] = set()
        self._batches: dict[str, _Batch] = {}
        self._batch_results: dict[str, deque[tuple[dict[str, Any], bool]]] = {}
        self._ids = itertools.count(1)
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> FakeAnthropic:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_post("/v1/messages/batches", self._create_batch)
        app.router.add_get("/v1/messages/batches/{batch_id}", self._retrieve_batch)
        app.router.add_get("/v1/messages/batches/{batch_id}/results", self._batch_results_jsonl)
        app.router.add_post("/v1/messages/batches/{batch_id}/cancel", self._cancel_batch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await self._listen()
        return self

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, self.host, self.port)
        await self._site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing.set()  # wakes slow replies so shutdown does not wait for them
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeAnthropic:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- scripting ------------------------------------------------------------------------------

    def push_tool_use(
        self,
        tool_input: ToolInput,
        *,
        name: str | None = None,
        model: str | None = None,
        usage: dict[str, Any] | None = None,
    ) -> None:
        """Queue one tool_use reply. `name` defaults to the tool the request forces (or its first tool)."""

        def reply(body: dict[str, Any]) -> dict[str, Any]:
            data = tool_input(body) if callable(tool_input) else tool_input
            block = {
                "type": "tool_use",
                "id": f"toolu_fake_{next(self._ids):06d}",
                "name": name or _forced_tool(body),
                "input": data,
            }
            return {"content": [block], "stop_reason": "tool_use", "model": model, "usage": usage}

        self._replies.append(reply)

    def push_text(
        self, text: str, *, stop_reason: str = "end_turn", usage: dict[str, Any] | None = None
    ) -> None:
        """Queue one plain text reply (e.g. to test a model that did not call the tool)."""
        self._replies.append(
            lambda body: {
                "content": [{"type": "text", "text": text}],
                "stop_reason": stop_reason,
                "usage": usage,
            }
        )

    def fail_next(
        self, kind: str, *, times: int = 1, retry_after: float | None = None, delay: float = 0.0
    ) -> None:
        """Queue `times` faults of `kind` (see FAULTS) for the next requests, whatever their endpoint."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; use one of {', '.join(FAULTS)}")
        for _ in range(times):
            self._faults.append(Fault(kind, retry_after, delay))

    async def go_down(self, mode: str = "overloaded", *, retry_after: float | None = None) -> None:
        """Fail every request until `recover()`: 529 overloaded_error, or "refused" (nothing listens)."""
        if mode == "refused":
            self._refusing = True
            if self._site is not None:
                await self._site.stop()
                self._site = None
        elif mode in FAULTS and mode != "slow":
            self._down = Fault(mode, retry_after)
        else:
            raise ValueError(f"unknown outage mode {mode!r}; use refused or one of the error faults")

    async def recover(self) -> None:
        self._down = None
        if self._refusing:
            self._refusing = False
            await self._listen()

    def push_batch_result(
        self,
        custom_id: str,
        kind: str = "succeeded",
        *,
        tool_input: dict[str, Any] | None = None,
        text: str | None = None,
        error_type: str = "invalid_request_error",
        message: str = "scripted error (fake)",
        once: bool = False,
    ) -> None:
        """Script the result of one batch request; succeeded results carry a tool_use or text message.

        Without `once` the result replaces what was scripted for `custom_id` and answers every batch;
        with it, it is queued after earlier once-results and answers a single batch.
        """
        result = self._batch_result(custom_id, kind, tool_input, text, error_type, message)
        queue = self._batch_results.setdefault(custom_id, deque())
        if not once:
            queue.clear()
        queue.append((result, once))

    def _batch_result(
        self,
        custom_id: str,
        kind: str,
        tool_input: dict[str, Any] | None,
        text: str | None,
        error_type: str,
        message: str,
    ) -> dict[str, Any]:
        if kind == "succeeded":
            if tool_input is not None:
                content = [
                    {
                        "type": "tool_use",
                        "id": f"toolu_fake_{next(self._ids):06d}",
                        "name": "",
                        "input": tool_input,
                    }
                ]
            else:
                content = [{"type": "text", "text": text if text is not None else "ok"}]
            return {"type": "succeeded", "content": content}
        if kind == "errored":
            return _errored(error_type, message)
        if kind in ("expired", "canceled"):
            return {"type": kind}
        raise ValueError(
            f"unknown batch result {kind!r} for {custom_id}; use succeeded, errored, expired or canceled"
        )

    def end_batch(self, batch_id: str | None = None) -> None:
        """End one batch (or all) now, whatever `batch_polls` says."""
        for batch in self._batches.values():
            if batch_id in (None, batch.id) and batch.ended_at is None:
                self._finish(batch)

    # -- reading what happened ------------------------------------------------------------------

    @property
    def message_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/messages"]

    @property
    def batch_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/messages/batches"]

    @property
    def canceled_batches(self) -> list[str]:
        return [b.id for b in self._batches.values() if b.cancel_initiated_at is not None]

    @property
    def pending_replies(self) -> int:
        return len(self._replies)

    # -- the server -----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return _error(400, "invalid_request_error", "request body is not valid JSON")
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(Recorded(request.method, request.path, headers, body, time.monotonic()))
        if self._refusing:
            # A kept-alive connection opened before the outage: drop it, as a crashed server would.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        key = request.headers.get("x-api-key") or _bearer(request.headers.get("authorization", ""))
        if not key or (self.api_key is not None and key != self.api_key):
            return _error(401, "authentication_error", "invalid x-api-key")
        fault = self._down or (self._faults.popleft() if self._faults else None)
        if fault is not None and fault.kind != "slow":
            status, kind, message = FAULTS[fault.kind]
            return _error(status, kind, message, _retry_headers(fault.retry_after))
        if fault is not None:
            try:
                await asyncio.wait_for(self._closing.wait(), fault.delay)
            except TimeoutError:
                pass
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the client gave up; keep the scripted reply for its retry
        request[_BODY] = body
        return await handler(request)

    async def _messages(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        problem = _check(body)
        if problem:
            return _error(400, "invalid_request_error", problem)
        if self._replies:
            reply = self._replies.popleft()(body)
        elif self.responder is not None:
            tool_input = self.responder(body)
            reply = {
                "content": [
                    {
                        "type": "tool_use",
                        "id": f"toolu_fake_{next(self._ids):06d}",
                        "name": _forced_tool(body),
                        "input": tool_input,
                    }
                ],
                "stop_reason": "tool_use",
            }
        else:
            return _error(
                400,
                "invalid_request_error",
                "fake Anthropic server: no reply queued; call push_tool_use() or set responder",
            )
        return web.json_response(self._message(body, reply, cache=True))

    def _message(self, body: dict[str, Any], reply: dict[str, Any], *, cache: bool) -> dict[str, Any]:
        usage = self._usage(body, reply["content"], cache=cache)
        usage.update(reply.get("usage") or {})
        return {
            "id": f"msg_fake_{next(self._ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": reply.get("model") or body.get("model"),
            "content": reply["content"],
            "stop_reason": reply.get("stop_reason", "end_turn"),
            "stop_sequence": None,
            "usage": usage,
        }

    def _usage(self, body: dict[str, Any], content: list[dict[str, Any]], *, cache: bool) -> dict[str, Any]:
        blocks, marks = prompt_blocks(body)
        digest = hashlib.sha256(str(body.get("model")).encode())
        hashes, totals, length = [], [], 0
        for block in blocks:
            digest.update(block.encode())
            hashes.append(digest.copy().hexdigest())
            length += len(block)
            totals.append(length // 4)
        total = totals[-1] if totals else 1
        read = write = 0
        if cache and marks:
            candidates = {i for m in marks for i in range(max(0, m - LOOKBACK_BLOCKS + 1), m + 1)}
            hits = [i for i in candidates if hashes[i] in self._cache]
            read = totals[max(hits)] if hits else 0
            last = max(marks)
            if hashes[last] not in self._cache:
                write = totals[last] - read
            self._cache.update(hashes[m] for m in marks)
        return {
            "input_tokens": max(total - read - write, 1),
            "output_tokens": _tokens(json.dumps(content)),
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
        }

    # -- batches --------------------------------------------------------------------------------

    async def _create_batch(self, request: web.Request) -> web.Response:
        body = request[_BODY] or {}
        requests = body.get("requests")
        if not isinstance(requests, list) or not requests:
            return _error(400, "invalid_request_error", "requests: a non-empty list is required")
        ids = [r.get("custom_id") for r in requests]
        if len(set(ids)) != len(ids) or not all(isinstance(i, str) and CUSTOM_ID.fullmatch(i) for i in ids):
            return _error(
                400,
                "invalid_request_error",
                "custom_id must match ^[a-zA-Z0-9_-]{1,64}$ and be unique in the batch",
            )
        batch = _Batch(f"msgbatch_fake_{next(self._ids):06d}", requests, datetime.now(UTC))
        self._batches[batch.id] = batch
        if self.batch_polls <= 0:
            self._finish(batch)
        return web.json_response(self._batch_json(batch))

    async def _retrieve_batch(self, request: web.Request) -> web.Response:
        batch = self._batches.get(request.match_info["batch_id"])
        if batch is None:
            return _error(404, "not_found_error", "no such message batch")
        if batch.ended_at is None:
            batch.polls += 1
            if batch.polls > self.batch_polls:
                self._finish(batch)
        return web.json_response(self._batch_json(batch))

    async def _cancel_batch(self, request: web.Request) -> web.Response:
        """Answers `canceling`; the batch has ended, every unfinished request canceled, by the next poll."""
        batch = self._batches.get(request.match_info["batch_id"])
        if batch is None:
            return _error(404, "not_found_error", "no such message batch")
        if batch.ended_at is None and batch.cancel_initiated_at is None:
            batch.cancel_initiated_at = datetime.now(UTC)
            answer = self._batch_json(batch) | {"processing_status": "canceling"}
            batch.ended_at = batch.cancel_initiated_at
            batch.results = [
                {"custom_id": r["custom_id"], "result": {"type": "canceled"}} for r in batch.requests
            ]
            return web.json_response(answer)
        return web.json_response(self._batch_json(batch))

    async def _batch_results_jsonl(self, request: web.Request) -> web.Response:
        batch = self._batches.get(request.match_info["batch_id"])
        if batch is None or batch.ended_at is None:
            return _error(404, "not_found_error", "no results: the batch does not exist or has not ended")
        lines = "".join(json.dumps(line) + "\n" for line in batch.results)
        return web.Response(text=lines, content_type="application/x-jsonl")

    def _finish(self, batch: _Batch) -> None:
        batch.ended_at = datetime.now(UTC)
        for item in batch.requests:
            params = item.get("params") or {}
            problem = _check(params)
            scripted = (
                _errored("invalid_request_error", problem) if problem else self._scripted(item["custom_id"])
            )
            if scripted is None and self.batch_responder is not None:
                scripted = {
                    "type": "succeeded",
                    "content": [
                        {
                            "type": "tool_use",
                            "name": _forced_tool(params),
                            "id": f"toolu_fake_{next(self._ids):06d}",
                            "input": self.batch_responder(params),
                        }
                    ],
                }
            if scripted is None:
                scripted = _errored(
                    "invalid_request_error", f"fake: no result scripted for {item['custom_id']}"
                )
            if scripted["type"] == "succeeded":
                content = [
                    dict(b, name=b["name"] or _forced_tool(params)) if b["type"] == "tool_use" else b
                    for b in scripted["content"]
                ]
                stop = "tool_use" if any(b["type"] == "tool_use" for b in content) else "end_turn"
                message = self._message(params, {"content": content, "stop_reason": stop}, cache=False)
                result: dict[str, Any] = {"type": "succeeded", "message": message}
            else:
                result = scripted
            batch.results.append({"custom_id": item["custom_id"], "result": result})

    def _scripted(self, custom_id: str) -> dict[str, Any] | None:
        queue = self._batch_results.get(custom_id)
        if not queue:
            return None
        result, once = queue[0]
        if once:
            queue.popleft()
        return result

    def _batch_json(self, batch: _Batch) -> dict[str, Any]:
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if batch.ended_at is None:
            counts["processing"] = len(batch.requests)
        for line in batch.results:
            counts[line["result"]["type"]] += 1
        ended = batch.ended_at is not None
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts,
            "created_at": _iso(batch.created_at),
            "expires_at": _iso(batch.created_at + timedelta(hours=24)),
            "ended_at": _iso(batch.ended_at) if batch.ended_at else None,
            "archived_at": None,
            "cancel_initiated_at": _iso(batch.cancel_initiated_at) if batch.cancel_initiated_at else None,
            "results_url": f"{self.base_url}/v1/messages/batches/{batch.id}/results" if ended else None,
        }


def _errored(error_type: str, message: str) -> dict[str, Any]:
    return {
        "type": "errored",
        "error": {"type": "error", "error": {"type": error_type, "message": message}, "request_id": None},
    }


def _bearer(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _forced_tool(body: dict[str, Any]) -> str:
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool":
        return str(choice.get("name"))
    tools = body.get("tools") or []
    return str(tools[0].get("name")) if tools else "tool"


def _check(body: Any) -> str:
    """What the real API would reject in a Messages request (the parts our client could get wrong)."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: field required"
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        return "max_tokens: field required"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    if messages[0].get("role") != "user":
        return 'messages: first message must use the "user" role'
    for i, message in enumerate(messages):
        if message.get("role") not in ("user", "assistant"):
            return f"messages.{i}.role: must be user or assistant"
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list) or not blocks:
            return f"messages.{i}.content: must not be empty"
        for j, block in enumerate(blocks):
            if block.get("type") == "text" and not str(block.get("text", "")).strip():
                return f"messages.{i}.content.{j}.text: text content blocks must be non-empty"
    _, marks = prompt_blocks(body)
    if len(marks) > MAX_BREAKPOINTS:
        return (
            f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {len(marks)}."
        )
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool":
        names = {tool.get("name") for tool in body.get("tools") or []}
        if choice.get("name") not in names:
            return f"tool_choice: tool {choice.get('name')!r} is not among the request's tools"
    return ""
