"""The fake Anthropic API's state and its Messages API (POST /v1/messages and count_tokens): every
request recorded, checked against the per-model rules, and answered from the script.
`FakeAnthropic` (`tests.support.fakes.anthropic_api`) is what tests use; its docstring describes it all."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from tests.support.fakes import anthropic_rules as rules
from tests.support.fakes.anthropic_model import (
    PromptCache,
    next_id,
    prompt_blocks,
    render,
    tokens,
)
from tests.support.fakes.anthropic_versions import header_problem

Answer = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# kind -> (HTTP status, Anthropic error type, message), from https://platform.claude.com/docs/en/api/errors
FAULTS: dict[str, tuple[int, str, str]] = {
    # https://platform.claude.com/docs/en/api/rate-limits: a rate limit's 429 says in `retry-after` how long
    # to wait (RATE_LIMIT_WAIT seconds unless the test gives its own)
    "rate_limit": (429, "rate_limit_error", "Number of requests has exceeded your rate limit (fake)."),
    # errors page: the 429 of the usage tier's monthly spend cap has no retry-after, and its
    # error.details.error_code is "enforced_spend_limit_reached"
    "spend_cap": (
        429,
        "rate_limit_error",
        "Your organization has reached its monthly spend cap; API usage resumes on the 1st (fake).",
    ),
    # errors page: a spend limit set on the organization or workspace answers 400 invalid_request_error
    "spend_limit": (
        400,
        "invalid_request_error",
        "You have reached your specified API usage limits. You will regain access on 2027-01-01 at "
        "00:00 UTC.",
    ),
    "billing": (402, "billing_error", "There is an issue with your billing information (fake)."),
    "overloaded": (529, "overloaded_error", "Overloaded (fake)."),
    "api_error": (500, "api_error", "Internal server error (fake)."),
    "timeout": (504, "timeout_error", "Request timeout (fake)."),
    "auth": (401, "authentication_error", "invalid x-api-key (fake)."),
    "permission": (
        403,
        "permission_error",
        "Your API key does not have permission to use this model (fake).",
    ),
    "invalid": (400, "invalid_request_error", "Invalid request (fake)."),
    # https://platform.claude.com/docs/en/api/errors: 413 request_too_large, over 32 MB on the Messages API
    "too_large": (413, "request_too_large", "Request exceeds the maximum allowed number of bytes."),
    "slow": (0, "", ""),  # not an error: the answer comes after `delay` seconds
}
_BODY = web.RequestKey("body", object)  # the parsed JSON body, read once by the middleware
_VERSION = web.RequestKey("version", str)  # the request's anthropic-version, checked by the middleware
CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
# Request size limits, answered with 413 request_too_large before anything else is checked: 32 MB on the
# Messages and token counting endpoints (https://platform.claude.com/docs/en/api/errors, request size
# limits), 256 MB for creating a Message Batch (https://platform.claude.com/docs/en/build-with-claude/
# batch-processing, "Batch limitations": 100,000 requests or 256 MB, whichever comes first). MB is read as
# 10**6 bytes, the stricter reading, so the fake never accepts what the API might refuse.
RATE_LIMIT_WAIT = 1.0
SPEND_CAP_DETAILS = {"error_code": "enforced_spend_limit_reached"}
MB = 1_000_000
MESSAGES_MAX_BYTES = 32 * MB
BATCH_MAX_BYTES = 256 * MB
TOO_LARGE = "Request exceeds the maximum allowed number of bytes."


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it. `at` is time.monotonic() on arrival; `size`, its body's bytes."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float
    size: int = 0


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
    version: str  # the anthropic-version it was created with: its requests are checked under it
    polls: int = 0
    ended_at: datetime | None = None
    cancel_initiated_at: datetime | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


def _error(
    status: int,
    kind: str,
    message: str,
    headers: dict[str, str] | None = None,
    details: dict[str, Any] | None = None,
) -> web.Response:
    # https://platform.claude.com/docs/en/api/errors (error shapes: type "error", error.type, error.message,
    # error.details when the error has a code, request_id; and every response carries a request-id header)
    error: dict[str, Any] = {"type": kind, "message": message}
    if details:
        error["details"] = details
    body = {"type": "error", "error": error, "request_id": "req_fake"}
    return web.json_response(body, status=status, headers={"request-id": "req_fake", **(headers or {})})


def _fault(fault: Fault) -> web.Response:
    """The error answer of an injected fault, with the headers and details the API sends with it."""
    status, kind, message = FAULTS[fault.kind]
    wait = fault.retry_after
    if fault.kind == "rate_limit" and wait is None:
        wait = RATE_LIMIT_WAIT
    if fault.kind == "spend_cap":
        wait = None  # never a retry-after: waiting does not lift the cap
    headers = {} if wait is None else {"retry-after": f"{wait:g}"}
    details = SPEND_CAP_DETAILS if fault.kind == "spend_cap" else None
    return _error(status, kind, message, headers, details)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class AnthropicMessages:
    """The state, and the Messages API routes."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        batch_polls: int = 1,
        host: str = "127.0.0.1",
        known_only: bool = True,
    ):
        self.api_key = api_key  # None: any non-empty key is accepted
        self.batch_polls = batch_polls  # how many retrieves answer in_progress before a batch ends
        self.host = host
        self.known_only = known_only  # unknown model ids get the API's 404; False: the strictest row's rules
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

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if (request.content_length or 0) > BATCH_MAX_BYTES:  # over every limit: refused unread
            return self._too_large(request, request.content_length or 0)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:  # a body without Content-Length, over client_max_size
            return self._too_large(request, BATCH_MAX_BYTES + 1)
        if len(raw) > byte_limit(request.method, request.path):
            return self._too_large(request, len(raw))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return _error(400, "invalid_request_error", "request body is not valid JSON")
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(
            Recorded(request.method, request.path, headers, body, time.monotonic(), len(raw))
        )
        if self._refusing:
            # A kept-alive connection opened before the outage: drop it, as a crashed server would.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        # https://platform.claude.com/docs/en/api/migration-2026-10-21 (SDK 2.x sends the key as
        # `Authorization: Bearer`; `x-api-key` is still accepted, and wins when both are sent)
        key = request.headers.get("x-api-key") or _bearer(request.headers.get("authorization", ""))
        if not key or (self.api_key is not None and key != self.api_key):
            return _error(401, "authentication_error", "invalid x-api-key")
        # https://platform.claude.com/docs/en/api/versioning (every request sends a known anthropic-version)
        version = request.headers.get("anthropic-version")
        problem = header_problem(version)
        if problem:
            self.rejections.append((400, problem))
            return _error(400, "invalid_request_error", problem)
        fault = self._down or (self._faults.popleft() if self._faults else None)
        if fault is not None and fault.kind != "slow":
            return _fault(fault)
        if fault is not None:
            with contextlib.suppress(TimeoutError):  # the delay passed (or the fake is closing)
                await asyncio.wait_for(self._closing.wait(), fault.delay)
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the client gave up; keep the scripted reply for its retry
        request[_BODY] = body
        request[_VERSION] = str(version).strip()
        return await handler(request)

    def _too_large(self, request: web.Request, size: int) -> web.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(Recorded(request.method, request.path, headers, None, time.monotonic(), size))
        self.rejections.append((413, f"{TOO_LARGE} ({size} bytes)"))
        response = _error(413, "request_too_large", TOO_LARGE)
        response.force_close()  # a body left unread: the connection cannot be reused
        return response

    def _rejection(self, body: Any, version: str) -> web.Response | None:
        """The API's error for `body` under `version` (anthropic_rules.reject), recorded, or None."""
        rejected = rules.reject(body, version, self.known_only)
        if rejected is None:
            return None
        status, kind, message = rejected
        self.rejections.append((status, message))
        return _error(status, kind, message)

    async def _messages(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        rejected = self._rejection(body, request[_VERSION])
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
        rejected = self._rejection(dict(body or {}, max_tokens=1), request[_VERSION])
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

    def _scripted(self, custom_id: str) -> dict[str, Any] | None:
        queue = self._batch_results.get(custom_id)
        if not queue:
            return None
        result, once = queue[0]
        if once:
            queue.popleft()
        return result


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


def byte_limit(method: str, path: str) -> int:
    """The most bytes a request body may have on this route (see MESSAGES_MAX_BYTES, BATCH_MAX_BYTES)."""
    return BATCH_MAX_BYTES if (method, path) == ("POST", "/v1/messages/batches") else MESSAGES_MAX_BYTES


def _bearer(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None
