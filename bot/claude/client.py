"""The one place the bot builds an Anthropic client and asks Claude for a structured reply.

`Claude.ask` builds the request for the model (see `bot.claude.shape`), sends it, and handles what
comes back (https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons):
- `refusal`: asked once more on ANTHROPIC_FALLBACK_MODEL when one is set, else `ClaudeRefused`;
- `max_tokens`: the reply is truncated, whatever it holds: asked once more with twice the room;
- `model_context_window_exceeded`: truncated too, and more room cannot help: `ClaudeCutOff`;
- a reply that cannot be read (or fails the caller's `check`): asked once more;
- `pause_turn` and stop reasons this code does not know: logged, then read like any other reply.
HTTP errors become `ClaudeOutage` (retry later) or `ClaudeRejected` (retrying cannot help until someone
acts; says what to fix). Which ones the SDK retries first: `bot.claude.retries`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import anthropic

from bot.claude.errors import ClaudeCutOff, ClaudeOutage, ClaudeRefused, ClaudeRejected, ClaudeUnusable
from bot.claude.models import TABLE_FILE, ModelSpec, spec_for
from bot.claude.replies import read_object
from bot.claude.retries import MAX_WAIT_SECONDS, RetryingClient, retry_after, spend_cap
from bot.claude.shape import Reply, Use, build, reply_timeout, retry_room
from bot.claude.usage import Spent
from bot.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
PUBLIC_API = "https://api.anthropic.com"
KNOWN_STOPS = {
    "end_turn",
    "tool_use",
    "max_tokens",
    "stop_sequence",
    "refusal",
    "pause_turn",
    "model_context_window_exceeded",
}
CONSOLE = "https://console.anthropic.com"


def make_client(
    settings: Settings, *, max_retries: int | None = None, max_wait: float | None = None
) -> anthropic.AsyncAnthropic:
    """An `AsyncAnthropic` from settings, retrying as `bot.claude.retries` says (a `retry-after` over
    `max_wait` seconds is left to the caller). Raises ClaudeRejected (401) when no key is configured."""
    key = settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else ""
    if not key:
        raise ClaudeRejected(
            401,
            "no API key",
            "Set ANTHROPIC_API_KEY (a key from https://console.anthropic.com) in the environment or .env, "
            "or use the offline interviewer.",
        )
    return RetryingClient(
        max_wait=max_wait,
        api_key=key,
        base_url=settings.anthropic_base_url or PUBLIC_API,  # explicit: the SDK must not read the env itself
        timeout=settings.anthropic_timeout_seconds,
        max_retries=settings.anthropic_max_retries if max_retries is None else max_retries,
    )


def api_message(exc: anthropic.APIStatusError) -> str:
    """The API's own error message, with the request id that Anthropic's support asks for
    (https://platform.claude.com/docs/en/api/errors: every response carries a `request-id` header)."""
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    message = str((error.get("message") if isinstance(error, dict) else None) or exc.message)
    request_id = getattr(exc, "request_id", None)
    return f"{message} (request id {request_id})" if request_id else message


def _too_large(status: int, said: str) -> bool:
    """413 request_too_large, or a 400 whose message says the prompt exceeds the context window."""
    return status == 413 or "prompt is too long" in said.lower()


def _spend_limit(status: int, said: str) -> bool:
    """The 400 of a spend limit set on the organization or workspace ("You have reached your specified
    API usage limits", https://platform.claude.com/docs/en/api/errors)."""
    lowered = said.lower()
    return status == 400 and "reached your specified" in lowered and "usage limits" in lowered


def classify(exc: anthropic.APIError, model: str, base_url: str) -> Exception:
    """The bot's error for an SDK error (after the SDK's own retries of 408/409/429/5xx)."""
    if isinstance(exc, anthropic.APITimeoutError):
        return ClaudeOutage("Claude did not answer in time (ANTHROPIC_TIMEOUT_SECONDS sets the limit)")
    if isinstance(exc, anthropic.APIConnectionError):
        return ClaudeOutage(f"could not reach the Anthropic API at {base_url}; check the network")
    if not isinstance(exc, anthropic.APIStatusError):
        return ClaudeOutage(f"the Anthropic API call failed: {type(exc).__name__}")
    status, said = exc.status_code, api_message(exc)
    fix = account_fix(exc) or _request_fix(status, said, model)
    if fix is not None:
        return ClaudeRejected(status, said, fix)
    wait = retry_after(exc.response.headers)
    return ClaudeOutage(f"Claude is unavailable ({status}: {said})", retry_after=wait)


def account_fix(exc: anthropic.APIStatusError) -> str | None:
    """What to change when the account, not the request, is refused (key, billing, spend limits): every
    other request would fail the same way (https://platform.claude.com/docs/en/api/errors)."""
    status = exc.status_code
    if status == 401:
        return f"Put a current key from {CONSOLE} in ANTHROPIC_API_KEY."
    if status == 402:
        return (
            "The organization's billing needs attention: check its payment details in the Console "
            f"({CONSOLE})."
        )
    if spend_cap(status, exc.response.headers, exc.body):
        return (
            "The organization reached its usage tier's monthly spend cap; requests fail until 00:00 UTC on "
            f"the first day of next month, or until it moves to a higher tier in the Console ({CONSOLE})."
        )
    if _spend_limit(status, api_message(exc)):
        return (
            "Usage reached a spend limit set on the organization or workspace; raise or remove it in the "
            f"Console ({CONSOLE})."
        )
    return None


def _request_fix(status: int, said: str, model: str) -> str | None:
    """What to change for a request the API refuses; None for errors that may pass (408, 409, 429, 5xx)."""
    if status in (408, 409, 429) or status >= 500:
        return None
    if status == 403:
        return f"This key may not use {model}; check its workspace in the Console."
    if status == 404:
        return f"Set ANTHROPIC_MODEL to a model the API knows (see {TABLE_FILE})."
    if _too_large(status, said):
        return (
            f"The request was too large for {model}: a very long transcript, study plan or file. Choose a "
            "model with a larger context window in ANTHROPIC_MODEL, or shorten what is sent."
        )
    return (
        f"Model {model} does not accept the request the bot sends; run `interviewer doctor`, and check "
        f"ANTHROPIC_MODEL against the capability table in {TABLE_FILE}."
    )


@dataclass
class Answer(Generic[T]):
    value: T
    model: str
    spent: Spent = field(default_factory=Spent)
    stop_reason: str = ""


class Claude:
    """Asks Claude for structured replies. Pass `client` to share one; otherwise it is built from settings."""

    def __init__(
        self,
        settings: Settings,
        *,
        model: str | None = None,
        client: anthropic.AsyncAnthropic | None = None,
    ):
        self.settings = settings
        self.model = model or settings.anthropic_model
        self.client = client or make_client(settings, max_wait=MAX_WAIT_SECONDS)
        self.stops: dict[str, int] = {}  # stop reasons seen that needed handling, for logs and tests

    async def aclose(self) -> None:
        await self.client.close()

    async def create(self, params: dict[str, Any], wait: float | None = None) -> Any:
        """One request; `wait` (seconds) replaces the client's time limit for it."""
        try:
            if wait is not None:
                return await self.client.messages.create(**params, timeout=wait)
            return await self.client.messages.create(**params)
        except anthropic.APIError as exc:
            error = classify(exc, str(params.get("model")), str(self.client.base_url))
            log.warning("Claude call failed (%s): %s", params.get("model"), error)
            raise error from exc

    async def ask(
        self,
        use: Use,
        reply: Reply,
        *,
        system: list[dict[str, Any]],
        messages: list[dict[str, Any]],
        check: Callable[[dict[str, Any]], T],
        model: str | None = None,
        effort: str | None = None,
    ) -> Answer[T]:
        """The checked value of one structured reply; see the module docstring for what is retried."""
        spec = spec_for(model or self.model)
        level = effort or (
            self.settings.anthropic_analysis_effort if use.think else self.settings.anthropic_effort
        )
        spent, extra, problem = Spent(), 0, ""
        retried = fell_back = False
        while True:
            params = build(spec, use, reply, system=system, messages=messages, effort=level, extra_room=extra)
            # a request that may think gets time for its room; an interview move keeps the setting
            wait = reply_timeout(self.settings.anthropic_timeout_seconds, params["max_tokens"])
            message = await self.create(params, wait if use.think else None)
            spent.add(message.usage)
            stop = message.stop_reason or ""
            if stop != "end_turn" and stop != "tool_use":
                self.stops[stop] = self.stops.get(stop, 0) + 1
            if stop == "refusal":
                fallback = self.settings.anthropic_fallback_model
                if fallback and not fell_back and fallback != spec.id:
                    log.warning(
                        "Claude %s declined the %s request; asking %s once", spec.id, use.name, fallback
                    )
                    spec, fell_back = spec_for(fallback), True
                    continue
                raise ClaudeRefused(f"Claude declined the {use.name} request (stop_reason refusal)")
            _note_stop(stop, use, spec)
            try:
                value = check(read_object(message, reply.name))
                return Answer(value, message.model, spent, stop)
            except ClaudeUnusable as exc:
                problem = str(exc)
            if retried:
                raise ClaudeUnusable(f"Claude twice gave an unusable {use.name} reply ({problem})")
            retried = True
            if stop == "max_tokens":  # thinking may have used the room: try once with twice as much
                extra = retry_room(spec, params["max_tokens"]) - params["max_tokens"]
            log.warning("unusable %s reply from %s (%s); asking once more", use.name, spec.id, problem)


def _note_stop(stop: str, use: Use, spec: ModelSpec) -> None:
    """Logs the stop reasons worth a note; raises ClaudeCutOff for a reply that filled the context window
    (https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons: treat it as truncated)."""
    if stop == "model_context_window_exceeded":
        raise ClaudeCutOff(
            f"the {use.name} request and its reply no longer fit the context window of {spec.id} "
            "(stop_reason model_context_window_exceeded); choose a model with a larger context window in "
            "ANTHROPIC_MODEL, or shorten what is sent"
        )
    if stop not in KNOWN_STOPS:
        log.warning("Claude stopped with an unknown stop_reason %r; reading the reply anyway", stop)
    elif stop == "pause_turn":
        log.warning("Claude paused its turn (pause_turn) on a %s request", use.name)
