"""A local fake of the Anthropic Messages API and Message Batches API, for tests that use the real SDK.

Start it, point a real `anthropic.AsyncAnthropic` at it, script what it answers, then read what it got:

    async with FakeAnthropic() as fake:                       # 127.0.0.1, random free port
        client = anthropic.AsyncAnthropic(api_key="test-key", base_url=fake.base_url, max_retries=2)
        fake.push_tool_use({"message": "Hi!", "move": "ask", ...})  # the next answer (JSON or tool_use)
        fake.push_tool_use(lambda body: {...})                # or computed from the request body
        fake.push_text("plain words")                         # or a raw text reply (stop_reason end_turn)
        fake.push_refusal(); fake.push_stop("pause_turn")     # other stop reasons
        fake.responder = lambda body: {...}                   # the answer when the queue is empty
        fake.fail_next("rate_limit", retry_after=1)           # the next request gets 429 + retry-after (1 s
                                                              # when not given: a rate limit always has one)
        fake.fail_next("overloaded", times=2)                 # 529 overloaded_error, twice
        fake.fail_next("api_error")                           # 500 api_error (also "timeout": 504)
        fake.fail_next("spend_cap")                           # 429, no retry-after: the monthly spend cap
        fake.fail_next("spend_limit"); fake.fail_next("billing")  # 400 spend limit reached; 402 billing
        fake.fail_next("slow", delay=2.0)                     # answer after 2 s, beyond the client timeout
        await fake.go_down()                                  # every request: 529 ...
        await fake.go_down("refused")                         # ... or connection refused / dropped
        await fake.recover()
        fake.message_requests[-1].body                        # parsed JSON of each POST /v1/messages
        fake.requests                                # every request: method, path, headers, body, at, size

Faults are queued per request (any endpoint) and used before the reply queue: a failed request consumes
a fault, never a scripted reply, so a test can queue faults and the one reply that should follow them.
With no reply queued and no `responder`, /v1/messages answers 400 saying so, which the SDK does not retry.

Requests are checked the way the real API checks them, per model (`tests/support/fakes/anthropic_rules.py`,
each rule citing its doc page): forced tool choice where the model rejects it, thinking types and
effort levels the model does not accept, structured-output and strict-tool schemas, sampling parameters,
prefill, cache breakpoints, `max_tokens` above the model's output ceiling; whatever the model: empty text
blocks, tool schemas that are not objects, tool results that answer no tool use, cache TTLs other than
5m/1h (`anthropic_content.py`). A rejected request gets the documented 400 `invalid_request_error`. A model
the capability table does not know (or a retired one) gets the API's 404 `not_found_error` "model: <id>";
a body over 32 MB (256 MB when creating a Message Batch) gets 413 `request_too_large`, unread;
`FakeAnthropic(known_only=False)` treats it like the strictest row instead.

API versions (`anthropic_versions.py`): every request needs an `anthropic-version` header the API knows
(else 400). SDK 2.x sends 2026-10-21, under which `temperature`/`top_p`/`top_k` are refused at any value,
as are document blocks in assistant messages and citations on user text blocks; under 2023-06-01 the
per-model sampling rules apply. A batch's requests are checked under the version it was created with.
The key may come as `x-api-key` or `Authorization: Bearer`; with both, `x-api-key` is the one checked.

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

from typing import Any

from aiohttp import web

from tests.support.fakes.anthropic_batches import AnthropicBatches
from tests.support.fakes.anthropic_messages import (
    BATCH_MAX_BYTES,
    FAULTS,
    Answer,
    Fault,
    Recorded,
    _refusal,
)
from tests.support.fakes.anthropic_model import render


class FakeAnthropic(AnthropicBatches):
    """The fake server; see the module docstring. Use as `async with FakeAnthropic() as fake:`."""

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> FakeAnthropic:
        # bodies up to the batch limit are read; larger ones are refused with 413 (byte_limit)
        app = web.Application(middlewares=[self._middleware], client_max_size=BATCH_MAX_BYTES + 1)
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

    # -- reading what happened ------------------------------------------------------------------

    @property
    def message_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/messages"]

    @property
    def pending_replies(self) -> int:
        return len(self._replies)

    # -- the server -----------------------------------------------------------------------------

    # -- batches --------------------------------------------------------------------------------
