"""The fake Message Batches API: batches created, polled, cancelled, and their results streamed as JSONL,
with each custom_id's result scripted by the test (see `tests.support.fakes.anthropic_api`)."""

from __future__ import annotations

import json
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.support.fakes import anthropic_rules as rules
from tests.support.fakes.anthropic_messages import (
    _BODY,
    _VERSION,
    CUSTOM_ID,
    AnthropicMessages,
    Recorded,
    _Batch,
    _error,
    _errored,
    _iso,
    _refusal,
)
from tests.support.fakes.anthropic_model import (
    next_id,
    render,
)


class AnthropicBatches(AnthropicMessages):
    """The Message Batches routes, and scripting their results."""

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
        stop_reason: str = "end_turn",
    ) -> None:
        """Script the result of one batch request; a succeeded result carries an answer or raw text (with
        `stop_reason`, e.g. "max_tokens" for a reply cut off).

        Without `once` the result replaces what was scripted for `custom_id` and answers every batch;
        with it, it is queued after earlier once-results and answers a single batch.
        """
        if kind == "succeeded":
            result: dict[str, Any] = {
                "type": "succeeded",
                "answer": tool_input,
                "text": text,
                "stop_reason": stop_reason,
            }
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

    @property
    def batch_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/messages/batches"]

    @property
    def canceled_batches(self) -> list[str]:
        return [b.id for b in self._batches.values() if b.cancel_initiated_at is not None]

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
        batch = _Batch(next_id("msgbatch"), requests, datetime.now(UTC), request[_VERSION])
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
            result = self._batch_item(item, batch.version)
            batch.results.append({"custom_id": item["custom_id"], "result": result})

    def _batch_item(self, item: dict[str, Any], version: str) -> dict[str, Any]:
        """One batch result: errored where /v1/messages would reject the params (batch-processing page),
        under the version the batch was created with (https://platform.claude.com/docs/en/api/versioning)."""
        params = item.get("params") or {}
        rejected = rules.reject(params, version, self.known_only)
        if rejected is not None:
            return _errored(rejected[1], rejected[2])
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
                "stop_reason": scripted.get("stop_reason") or "end_turn",
            }
        return {"type": "succeeded", "message": self._message(params, reply, cache=False)}

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
