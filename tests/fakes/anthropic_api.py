"""A local fake of the Anthropic Messages API and Message Batches API, for tests that use the real SDK.

Start it, point a real `anthropic.AsyncAnthropic` at it, script what it answers, then read what it got:

    async with FakeAnthropic() as fake:                       # 127.0.0.1, random free port
        client = anthropic.AsyncAnthropic(api_key="test-key", base_url=fake.base_url, max_retries=2)
        fake.push_tool_use({"message": "Hi!", "move": "ask", ...})  # the next answer (JSON or tool_use)
        fake.push_tool_use(lambda body: {...})                # or computed from the request body
        fake.push_text("plain words")                         # or a raw text reply (stop_reason end_turn)
        fake.push_refusal(); fake.push_stop("pause_turn")     # other stop reasons
        fake.responder = lambda body: {...}                   # the answer when the queue is empty
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

Requests are checked the way the real API checks them, per model (`tests/fakes/anthropic_rules.py`,
each rule citing its doc page): forced tool choice where the model rejects it, thinking types and
effort levels the model does not accept, structured-output and strict-tool schemas, sampling parameters,
prefill, cache breakpoints. A rejected request gets the documented 400 `invalid_request_error`. A model
the capability table does not know is treated like the strictest row; `known_only=True` makes it a 404.

Answers: a scripted answer (`push_tool_use`, `responder`) is the model's structured reply. It comes
back the way the request asked for it: a text block holding the JSON when the request has
`output_config.format`, a `tool_use` block when it offers tools, plain JSON text otherwise. Where the
model thinks on the request (adaptive thinking on by default, or asked for), a thinking block with an
empty `thinking` field and a `signature` comes first, and its tokens (by effort: THINKING_TOKENS) count
toward `max_tokens`: when thinking plus answer do not fit, the answer is cut off and stop_reason is
`max_tokens`. `push_refusal()` and `push_stop(reason)` script the other stop reasons.

Usage: a token is 4 characters of the canonical JSON of each block. Prompt caching is simulated with
the documented rules: a breakpoint whose prefix reaches the model's minimum cacheable length writes
an entry with its TTL (5m default, or 1h); a later request reads the longest unexpired entry ending at
one of its breakpoints or up to 20 blocks before one, which refreshes it; the 5m/1h write split is
reported in `usage.cache_creation`. `fake.clock` (seconds) can be replaced to simulate hours passing.

Message Batches: POST /v1/messages/batches records the requests and answers `in_progress`;
GET /v1/messages/batches/{id} keeps answering `in_progress` for `batch_polls` polls (or until
`end_batch()`), then `ended` with request counts and a results_url; GET .../results streams JSONL lines;
POST .../cancel answers `canceling` and ends the batch with every request canceled (`canceled_batches`).
Script each custom_id's result with `push_batch_result(custom_id, "succeeded" | "refusal" | "errored" |
"expired" | "canceled", ...)` ("refusal": succeeded, the message declined with stop_reason refusal); unscripted ones succeed through `batch_responder(params)` if set, else come back errored.
A result pushed with `once=True` answers one batch only, so a retry in a later batch gets the next result
scripted for that custom_id (or the responder's). As the real API does, custom_ids must match
[a-zA-Z0-9_-]{1,64} (else 400 at creation), and an item whose params would be rejected by
/v1/messages comes back errored with the reason.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.fakes import anthropic_rules as rules
from tests.fakes.anthropic_model import (
    PromptCache,
    next_id,
    prompt_blocks,
    render,
    strip_cache_control,
    tokens,
)

__all__ = ["FakeAnthropic", "Recorded", "prompt_blocks", "strip_cache_control"]

Answer = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# kind -> (HTTP status, Anthropic error type, message)
FAULTS: dict[str, tuple[int, str, str]] = {
    "rate_limit": (429, "rate_limit_error", "Number of requests has exceeded your rate limit (fake)."),
    "overloaded": (529, "overloaded_error", "Overloaded (fake)."),
    "api_error": (500, "api_error", "Internal server error (fake)."),
    "auth": (401, "authentication_error", "invalid x-api-key (fake)."),
    "permission": (
        403,
        "permission_error",
        "Your API key does not have permission to use this model (fake).",
    ),
    "invalid": (400, "invalid_request_error", "Invalid request (fake)."),
    "slow": (0, "", ""),  # not an error: the answer comes after `delay` seconds
}
_BODY = web.RequestKey("body", object)  # the parsed JSON body, read once by the middleware
CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")


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


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class FakeAnthropic:
    """The fake server; see the module docstring. Use as `async with FakeAnthropic() as fake:`."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        batch_polls: int = 1,
        host: str = "127.0.0.1",
        known_only: bool = False,
    ):
        self.api_key = api_key  # None: any non-empty key is accepted
        self.batch_polls = batch_polls  # how many retrieves answer in_progress before a batch ends
        self.host = host
        self.known_only = known_only  # unknown model ids get the API's 404 instead of the strictest rules
        self.port = 0
        self.requests: list[Recorded] = []
        self.rejections: list[tuple[int, str]] = []  # (status, message) of every request the rules refused
        self.usages: list[dict[str, Any]] = []  # the usage of every /v1/messages answer, in order
        self.responder: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.batch_responder: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.clock: Callable[[], float] = time.monotonic
        self.cache = PromptCache(lambda: self.clock())
        self._replies: deque[Callable[[dict[str, Any]], dict[str, Any]]] = deque()
        self._faults: deque[Fault] = deque()
        self._down: Fault | None = None
        self._refusing = False
        self._batches: dict[str, _Batch] = {}
        self._batch_results: dict[str, deque[tuple[dict[str, Any], bool]]] = {}
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> FakeAnthropic:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_post("/v1/messages/count_tokens", self._count_tokens)
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
        answer: Answer,
        *,
        name: str | None = None,
        model: str | None = None,
        usage: dict[str, Any] | None = None,
    ) -> None:
        """Queue one structured answer, rendered the way the request asks (JSON text or a tool_use block)."""

        def reply(body: dict[str, Any]) -> dict[str, Any]:
            data = answer(body) if callable(answer) else answer
            return render(body, data, name) | {"model": model, "usage": usage}

        self._replies.append(reply)

    push_answer = push_tool_use

    def push_text(
        self, text: str, *, stop_reason: str = "end_turn", usage: dict[str, Any] | None = None
    ) -> None:
        """Queue one plain text reply (e.g. a model that answered in prose around its JSON)."""
        self._replies.append(
            lambda body: {
                "content": [{"type": "text", "text": text}],
                "stop_reason": stop_reason,
                "usage": usage,
            }
        )

    def push_refusal(self, category: str | None = "general_harms") -> None:
        """Queue a declined request: stop_reason "refusal" with stop_details (handling-stop-reasons page)."""
        self._replies.append(lambda body: _refusal(category))

    def push_stop(self, stop_reason: str, answer: dict[str, Any] | None = None) -> None:
        """Queue a reply with any stop reason (pause_turn, or one this client does not know)."""

        def reply(body: dict[str, Any]) -> dict[str, Any]:
            rendered = render(body, answer) if answer is not None else {"content": []}
            return rendered | {"stop_reason": stop_reason}

        self._replies.append(reply)

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
        """Script the result of one batch request; a succeeded result carries an answer or raw text.

        Without `once` the result replaces what was scripted for `custom_id` and answers every batch;
        with it, it is queued after earlier once-results and answers a single batch.
        """
        if kind == "succeeded":
            result: dict[str, Any] = {"type": "succeeded", "answer": tool_input, "text": text}
        elif kind == "refusal":  # a request the model declined still "succeeded" (batch-processing page)
            result = {"type": "succeeded", "refusal": True}
        elif kind == "errored":
            result = _errored(error_type, message)
        elif kind in ("expired", "canceled"):
            result = {"type": kind}
        else:
            raise ValueError(
                f"unknown batch result {kind!r} for {custom_id}; use succeeded, refusal, errored, expired "
                "or canceled"
            )
        queue = self._batch_results.setdefault(custom_id, deque())
        if not once:
            queue.clear()
        queue.append((result, once))

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
            headers = {} if fault.retry_after is None else {"retry-after": f"{fault.retry_after:g}"}
            return _error(status, kind, message, headers)
        if fault is not None:
            try:
                await asyncio.wait_for(self._closing.wait(), fault.delay)
            except TimeoutError:
                pass
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the client gave up; keep the scripted reply for its retry
        request[_BODY] = body
        return await handler(request)

    def _rejection(self, body: Any) -> web.Response | None:
        model = body.get("model") if isinstance(body, dict) else None
        if self.known_only and isinstance(model, str) and model not in rules.TABLE:
            # https://platform.claude.com/docs/en/api/errors (404 not_found_error for an unknown model)
            self.rejections.append((404, f"model: {model}"))
            return _error(404, "not_found_error", f"model: {model}")
        problem = rules.check(body)
        if not problem:
            return None
        self.rejections.append((400, problem))
        return _error(400, "invalid_request_error", problem)

    async def _messages(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        rejected = self._rejection(body)
        if rejected is not None:
            return rejected
        if self._replies:
            reply = self._replies.popleft()(body)
        elif self.responder is not None:
            reply = render(body, self.responder(body))
        else:
            return _error(
                400,
                "invalid_request_error",
                "fake Anthropic server: no reply queued; call push_tool_use() or set responder",
            )
        message = self._message(body, reply, cache=True)
        self.usages.append(message["usage"])
        return web.json_response(message)

    async def _count_tokens(self, request: web.Request) -> web.Response:
        # https://platform.claude.com/docs/en/build-with-claude/token-counting: same validation as messages
        body = request[_BODY]
        rejected = self._rejection(dict(body or {}, max_tokens=1))
        if rejected is not None:
            return rejected
        blocks, _ = prompt_blocks(body)
        return web.json_response({"input_tokens": sum(tokens(b) for b in blocks)})

    def _message(self, body: dict[str, Any], reply: dict[str, Any], *, cache: bool) -> dict[str, Any]:
        usage = self.cache.usage(body, cache=cache)
        answered = reply.get("answer_tokens")
        output = (reply.get("thinking_tokens") or 0) + (
            answered if answered is not None else tokens(json.dumps(reply["content"]))
        )
        usage["output_tokens"] = max(output, 1)
        usage.update(reply.get("usage") or {})
        message = {
            "id": next_id("msg"),
            "type": "message",
            "role": "assistant",
            "model": reply.get("model") or body.get("model"),
            "content": reply["content"],
            "stop_reason": reply.get("stop_reason", "end_turn"),
            "stop_sequence": None,
            "usage": usage,
        }
        if reply.get("stop_details"):
            message["stop_details"] = reply["stop_details"]
        return message

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
        batch = _Batch(next_id("msgbatch"), requests, datetime.now(UTC))
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
            batch.results.append({"custom_id": item["custom_id"], "result": self._batch_item(item)})

    def _batch_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """One batch result: errored where /v1/messages would reject the params (batch-processing page)."""
        params = item.get("params") or {}
        problem = rules.check(params)
        if problem:
            return _errored("invalid_request_error", problem)
        scripted = self._scripted(item["custom_id"])
        if scripted is None and self.batch_responder is not None:
            scripted = {"type": "succeeded", "answer": self.batch_responder(params), "text": None}
        if scripted is None:
            return _errored("invalid_request_error", f"fake: no result scripted for {item['custom_id']}")
        if scripted["type"] != "succeeded":
            return scripted
        if scripted.get("refusal"):
            reply = _refusal()
        elif scripted.get("answer") is not None:
            reply = render(params, scripted["answer"])
        else:
            reply = {
                "content": [{"type": "text", "text": scripted.get("text") or "ok"}],
                "stop_reason": "end_turn",
            }
        return {"type": "succeeded", "message": self._message(params, reply, cache=False)}

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


def _refusal(category: str | None = "general_harms") -> dict[str, Any]:
    """A declined request: no content, stop_reason "refusal" with stop_details (handling-stop-reasons page)."""
    return {
        "content": [],
        "stop_reason": "refusal",
        "stop_details": {"type": "refusal", "category": category, "explanation": None},
    }


def _errored(error_type: str, message: str) -> dict[str, Any]:
    return {
        "type": "errored",
        "error": {"type": "error", "error": {"type": error_type, "message": message}, "request_id": None},
    }


def _bearer(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None
