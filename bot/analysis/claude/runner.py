"""Sends a stage's analysis requests to Claude and brings back validated replies, or says why not.

Small studies go as individual `messages.create` calls, a few at a time; large ones through the Message
Batches API (half price), cut into batches the API accepts by count and bytes (`batches.split`). Either
way every reply is validated by the stage's `parse`; a reply that fails validation is asked for once
more, and an item that still fails (or whose batch request errored or
expired more than `BATCH_ROUNDS` times) becomes a `Failure` that the report shows. Nothing is dropped
silently and nothing is made up. Transient HTTP failures (429, 5xx, 529) are retried by the SDK itself.
A batch request that errored is sent again only for a server-side error (`RETRYABLE_ERRORS`); any other
error (an invalid request) would fail the same way in the next batch, so it becomes a `Failure` at once
with the API's own message.

A refusal (stop_reason "refusal") follows the interviewer's rule: the request is asked once of
ANTHROPIC_FALLBACK_MODEL (built anew for that model, in the next batch when batched); if that model
declines too, or none is set, the item is not retried on the same model and becomes a `Failure` saying
so (https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import anthropic

from bot.analysis.claude.batches import oversized, request_bytes, split
from bot.claude.client import account_fix, api_message
from bot.claude.models import spec_for
from bot.claude.shape import reply_timeout, retry_room
from bot.claude.usage import Spent
from bot.errors import AnalysisUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
BATCH_ROUNDS = 3  # batches per stage: the first, then retries of errored, expired or invalid items
BATCH_SIZE = 10_000  # requests per batch; the API allows 100,000 or 256 MB, whichever comes first
BATCH_BYTES = 200_000_000  # JSON bytes per batch: under 256 MB even of 10**6 bytes, with room to spare
MAX_POLL_SECONDS = 600.0
VALIDATION_TRIES = 2  # a reply that fails validation is asked for once more
# Errored batch results worth sending again unchanged: the server's own failures. An invalid request "must
# be fixed before re-sending" (https://platform.claude.com/docs/en/build-with-claude/batch-processing,
# handling errored results); error types: https://platform.claude.com/docs/en/api/errors
RETRYABLE_ERRORS = frozenset({"api_error", "overloaded_error", "rate_limit_error", "timeout_error"})
MAX_ERROR_CHARS = 300  # the API's error message, as kept in the report's notes


class InvalidReply(Exception):
    """A reply that does not have the shape the stage asked for; the message says what is wrong."""


@dataclass(frozen=True)
class Job(Generic[T]):
    """One request and how to read its reply."""

    key: str  # interview code or theme id: named in failure reports (never participant text)
    params: dict[str, Any]  # keyword arguments of `messages.create`
    parse: Callable[[Any], T]  # the reply Message -> the stage's value; raises InvalidReply
    refit: Callable[[str], dict[str, Any]] | None = None  # the same request built for another model


@dataclass(frozen=True)
class Failure:
    stage: str
    key: str
    reason: str


@dataclass
class _Pending(Generic[T]):
    job: Job[T]
    invalid: int = 0  # replies that failed validation so far
    problem: str = ""  # why the latest attempt failed
    max_tokens: int = 0
    custom_id: str = ""  # stable across batches: "<stage>-<position of the job in the stage>"
    params: dict[str, Any] | None = None  # set when the request was rebuilt for the fallback model
    declined: list[str] = field(default_factory=list)  # models that declined it (stop_reason refusal)
    give_up: bool = False  # declined with no model left to ask, or errored for good: not asked again


@dataclass
class Runner:
    """Runs jobs for the Claude analysis stages; collects failures and token spend across stages."""

    client_factory: Callable[[], anthropic.AsyncAnthropic]
    concurrency: int = 8
    poll_seconds: float = 30.0
    fallback_model: str | None = None  # asked once when a request is declined (stop_reason refusal)
    failures: list[Failure] = field(default_factory=list)
    spend: Spent = field(default_factory=Spent)  # tokens used by every request, for the report's notes

    async def run(self, stage: str, jobs: list[Job[T]], *, batched: bool) -> dict[str, T]:
        """Values by job key for the jobs that succeeded; the others are added to `failures`."""
        if not jobs:
            return {}
        client = self.client_factory()
        try:
            if batched:
                results = await self._batched(client, stage, jobs)
            else:
                results = await self._individual(client, stage, jobs)
        finally:
            await client.close()
        log.info("claude %s: %d of %d succeeded", stage, len(results), len(jobs))
        return results

    # -- individual requests --------------------------------------------------------------------

    async def _individual(
        self, client: anthropic.AsyncAnthropic, stage: str, jobs: list[Job[T]]
    ) -> dict[str, T]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(job: Job[T]) -> tuple[str, T] | None:
            async with gate:
                return await self._one(client, stage, job)

        try:
            async with asyncio.TaskGroup() as group:  # a fatal error cancels the requests still running
                tasks = [group.create_task(one(job)) for job in jobs]
        except BaseExceptionGroup as errors:
            fatal = next((e for e in errors.exceptions if isinstance(e, AnalysisUnavailable)), None)
            if fatal is not None:
                raise fatal from None
            raise
        return dict(item for task in tasks if (item := task.result()) is not None)

    async def _one(self, client: anthropic.AsyncAnthropic, stage: str, job: Job[T]) -> tuple[str, T] | None:
        pending = _Pending(job, max_tokens=job.params["max_tokens"])
        while pending.invalid < VALIDATION_TRIES:
            try:
                params = _params(pending)
                wait = reply_timeout(_seconds(client.timeout), params["max_tokens"])  # coding may think
                message = await client.messages.create(**params, timeout=wait)
            except anthropic.APIError as exc:
                _raise_if_fatal(exc, client)
                self._fail(stage, job.key, f"the request failed: {_describe(exc)}")
                return None
            value = self._read(pending, message)
            if pending.problem == "":
                return job.key, value
            if pending.give_up:
                break
            if message.stop_reason != "refusal":  # a refusal was logged when the fallback was chosen
                log.warning("claude %s: unusable reply for %s (%s)", stage, job.key, pending.problem)
        self._fail(stage, job.key, _reason(pending))
        return None

    def _read(self, pending: _Pending[T], message: Any) -> Any:
        """The parsed value, or None with `pending.problem` set (and the token limit raised if it was hit,
        or the fallback model chosen after a refusal)."""
        self.spend.add(message.usage)
        if message.stop_reason == "refusal":
            self._declined(pending, message.model)
            return None
        try:
            value = pending.job.parse(message)
        except InvalidReply as exc:
            pending.invalid += 1
            pending.problem = str(exc)
            if message.stop_reason == "max_tokens":
                pending.problem += f" (cut off at max_tokens={pending.max_tokens})"
                pending.max_tokens = retry_room(spec_for(_params(pending)["model"]), pending.max_tokens)
            return None
        pending.problem = ""
        return value

    def _declined(self, pending: _Pending[T], model: str) -> None:
        """After a refusal: ask the fallback model once (not counted as an unusable reply), else give up."""
        pending.declined.append(model)
        pending.problem = "Claude declined it (stop_reason refusal) on " + " and then on ".join(
            pending.declined
        )
        fallback, job = self.fallback_model, pending.job
        if fallback and job.refit is not None and pending.params is None and fallback != job.params["model"]:
            pending.params = job.refit(fallback)
            pending.max_tokens = pending.params["max_tokens"]
            log.warning("claude: %s declined the request for %s; asking %s once", model, job.key, fallback)
        else:
            pending.give_up = True

    def _fail(self, stage: str, key: str, reason: str) -> None:
        log.warning("claude %s failed for %s: %s", stage, key, reason)
        self.failures.append(Failure(stage, key, reason))

    # -- Message Batches ------------------------------------------------------------------------

    async def _batched(
        self, client: anthropic.AsyncAnthropic, stage: str, jobs: list[Job[T]]
    ) -> dict[str, T]:
        results: dict[str, T] = {}
        pending = [
            _Pending(job, max_tokens=job.params["max_tokens"], custom_id=f"{stage}-{n}")
            for n, job in enumerate(jobs)
        ]
        for round_ in range(1, BATCH_ROUNDS + 1):
            if not pending:
                break
            retry: list[_Pending[T]] = []
            for chunk in self._split(stage, pending):
                retry += await self._batch_round(client, stage, round_, chunk, results)
            pending = retry
        for item in pending:
            self._fail(stage, item.job.key, f"{item.problem}; gave up after {BATCH_ROUNDS} batches")
        return results

    def _split(self, stage: str, pending: list[_Pending[T]]) -> list[list[_Pending[T]]]:
        """The items cut into batches of at most BATCH_SIZE requests and BATCH_BYTES of JSON; an item too
        large even for a batch of its own fails here (sent, it would have its whole batch refused)."""
        sized = [(item, request_bytes(_request(item))) for item in pending]
        for item, size in sized:
            if oversized(size, BATCH_BYTES):
                self._fail(
                    stage,
                    item.job.key,
                    f"its request has {size:,} bytes, more than a Message Batch may hold "
                    f"({BATCH_BYTES:,} bytes are sent at most)",
                )
        return split(sized, count=BATCH_SIZE, limit=BATCH_BYTES)

    async def _batch_round(
        self,
        client: anthropic.AsyncAnthropic,
        stage: str,
        round_: int,
        chunk: list[_Pending[T]],
        results: dict[str, T],
    ) -> list[_Pending[T]]:
        """Sends one batch and files each result; returns the items to send again."""
        by_id = {item.custom_id: item for item in chunk}
        requests = [_request(item) for item in chunk]
        try:
            batch = await client.messages.batches.create(requests=requests)  # type: ignore[arg-type]  # plain dicts in the SDK's TypedDict shape
            log.info(
                "claude %s: batch %s with %d requests (round %d)", stage, batch.id, len(requests), round_
            )
            await self._wait_or_cancel(client, stage, batch.id)
            seen: set[str] = set()
            async for line in await client.messages.batches.results(batch.id):
                item = by_id.get(line.custom_id)
                if item is None or line.custom_id in seen:
                    continue
                seen.add(line.custom_id)
                self._file(item, line.result, results)
        except anthropic.APIError as exc:
            _raise_if_fatal(exc, client)
            raise AnalysisUnavailable(
                f"the Message Batches API failed for the {stage} stage: {_describe(exc)}; run the "
                "analysis again to start over"
            ) from exc
        retry = []
        for cid, item in by_id.items():
            if item.job.key in results:
                continue
            if cid not in seen:
                item.problem = "the batch returned no result for it"
            if item.give_up or item.invalid >= VALIDATION_TRIES:
                self._fail(stage, item.job.key, _reason(item))
            else:
                retry.append(item)
        return retry

    def _file(self, item: _Pending[T], result: Any, results: dict[str, T]) -> None:
        if result.type == "succeeded":
            value = self._read(item, result.message)
            if item.problem == "":
                results[item.job.key] = value
        elif result.type == "errored":
            kind, said = _batch_error(result)
            item.problem = (
                f"errored in the batch ({kind}: {said})" if said else f"errored in the batch ({kind})"
            )
            if kind not in RETRYABLE_ERRORS:  # sent again unchanged, it would fail the same way
                item.give_up = True
        else:
            item.problem = f"{result.type} in the batch"

    async def _wait_or_cancel(self, client: anthropic.AsyncAnthropic, stage: str, batch_id: str) -> None:
        """Waits for the batch; if the run is interrupted meanwhile, cancels it so it costs no more."""
        try:
            await self._wait(client, stage, batch_id)
        except asyncio.CancelledError:
            log.warning(
                "claude %s: interrupted; cancelling batch %s (its results are not kept)", stage, batch_id
            )
            try:
                await asyncio.shield(client.messages.batches.cancel(batch_id))
            except anthropic.APIError as exc:
                log.warning(
                    "could not cancel batch %s (%s); cancel it in the Console", batch_id, _describe(exc)
                )
            raise

    async def _wait(self, client: anthropic.AsyncAnthropic, stage: str, batch_id: str) -> None:
        """Polls until the batch has ended, waiting longer each time (batches take minutes to hours)."""
        wait = self.poll_seconds
        while True:
            batch = await client.messages.batches.retrieve(batch_id)
            if batch.processing_status == "ended":
                counts = batch.request_counts
                log.info(
                    "claude %s: batch %s ended: %d succeeded, %d errored, %d expired",
                    stage,
                    batch_id,
                    counts.succeeded,
                    counts.errored,
                    counts.expired,
                )
                return
            log.info(
                "claude %s: batch %s %s, %d processing; next check in %.0fs",
                stage,
                batch_id,
                batch.processing_status,
                batch.request_counts.processing,
                wait,
            )
            await asyncio.sleep(wait)
            wait = min(wait * 2, MAX_POLL_SECONDS)


def _seconds(timeout: Any) -> float:
    """The client's time limit in seconds (a number, or an httpx Timeout's read limit)."""
    if isinstance(timeout, int | float):
        return float(timeout)
    return float(getattr(timeout, "read", None) or 60.0)


def _params(item: _Pending[Any]) -> dict[str, Any]:
    return (item.params or item.job.params) | {"max_tokens": item.max_tokens}


def _request(item: _Pending[Any]) -> dict[str, Any]:
    return {"custom_id": item.custom_id, "params": _params(item)}


def _reason(item: _Pending[Any]) -> str:
    return item.problem if item.give_up else f"the reply was unusable twice ({item.problem})"


def _batch_error(result: Any) -> tuple[str, str]:
    """The error type and the API's message (one line, trimmed) of an errored batch result, whose shape is
    {"type": "errored", "error": {"type": "error", "error": {"type": ..., "message": ...}, "request_id"}}
    (https://platform.claude.com/docs/en/api/retrieving-message-batch-results; its messages name the
    request's fields, not participant text)."""
    error = getattr(getattr(result, "error", None), "error", None)
    kind = str(getattr(error, "type", None) or "error")
    said = " ".join(str(getattr(error, "message", None) or "").split())
    if len(said) > MAX_ERROR_CHARS:
        said = said[: MAX_ERROR_CHARS - 1].rstrip() + "…"
    return kind, said


def _raise_if_fatal(exc: anthropic.APIError, client: anthropic.AsyncAnthropic) -> None:
    """Errors that would fail every other request too stop the analysis with a message saying what to fix."""
    if isinstance(exc, anthropic.AuthenticationError):
        raise AnalysisUnavailable(
            "Claude rejected the API key (401); put a current key from https://console.anthropic.com in "
            "ANTHROPIC_API_KEY, or run the analysis with --mode offline"
        ) from None
    if isinstance(exc, anthropic.PermissionDeniedError):
        raise AnalysisUnavailable(
            "this API key may not use the Messages API (403); check its workspace in the Console"
        ) from None
    if isinstance(exc, anthropic.APIStatusError) and (fix := account_fix(exc)) is not None:
        # billing, the monthly spend cap, a spend limit: https://platform.claude.com/docs/en/api/errors
        raise AnalysisUnavailable(
            f"Claude refuses this account's requests ({exc.status_code}: {api_message(exc)}). {fix}"
        ) from None
    if isinstance(exc, anthropic.NotFoundError):
        raise AnalysisUnavailable(
            "the Anthropic API does not know the model (404); check ANALYSIS_MODEL or ANTHROPIC_MODEL"
        ) from None
    if isinstance(exc, anthropic.APIConnectionError) and not isinstance(exc, anthropic.APITimeoutError):
        raise AnalysisUnavailable(
            f"could not reach the Anthropic API at {client.base_url}; check the network and "
            "ANTHROPIC_BASE_URL, or run the analysis with --mode offline"
        ) from exc


def _describe(exc: anthropic.APIError) -> str:
    """The status and the API's own reason (its error messages quote no participant text)."""
    if isinstance(exc, anthropic.APIStatusError):
        return f"{exc.status_code} {type(exc).__name__}: {api_message(exc)}"
    return type(exc).__name__
