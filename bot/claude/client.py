"""The one place the bot builds an Anthropic client and asks Claude for a structured reply.

`Claude.ask` builds the request for the model (see `bot.claude.shape`), sends it, and handles what
comes back (https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons):
- `refusal`: asked once more on ANTHROPIC_FALLBACK_MODEL when one is set, else `ClaudeRefused`;
- `max_tokens`: asked once more with twice the room;
- a reply that cannot be read (or fails the caller's `check`): asked once more;
- `pause_turn` and stop reasons this code does not know: logged, then read like any other reply.
HTTP errors become `ClaudeOutage` (retry later) or `ClaudeRejected` (never retry; says what to fix).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import anthropic

from bot.claude.errors import ClaudeOutage, ClaudeRefused, ClaudeRejected, ClaudeUnusable
from bot.claude.models import TABLE_FILE, spec_for
from bot.claude.replies import read_object
from bot.claude.shape import Reply, Use, build, retry_room
from bot.claude.usage import Spent
from bot.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
PUBLIC_API = "https://api.anthropic.com"
KNOWN_STOPS = {"end_turn", "tool_use", "max_tokens", "stop_sequence", "refusal", "pause_turn"}


def make_client(settings: Settings, *, max_retries: int | None = None) -> anthropic.AsyncAnthropic:
    """An `AsyncAnthropic` from settings. Raises ClaudeRejected (401) when no key is configured."""
    key = settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else ""
    if not key:
        raise ClaudeRejected(
            401,
            "no API key",
            "Set ANTHROPIC_API_KEY (a key from https://console.anthropic.com) in the environment or .env, "
            "or use the offline interviewer.",
        )
    return anthropic.AsyncAnthropic(
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


def classify(exc: anthropic.APIError, model: str, base_url: str) -> Exception:
    """The bot's error for an SDK error (after the SDK's own retries of 408/409/429/5xx)."""
    if isinstance(exc, anthropic.APITimeoutError):
        return ClaudeOutage("Claude did not answer in time (ANTHROPIC_TIMEOUT_SECONDS sets the limit)")
    if isinstance(exc, anthropic.APIConnectionError):
        return ClaudeOutage(f"could not reach the Anthropic API at {base_url}; check the network")
    if not isinstance(exc, anthropic.APIStatusError):
        return ClaudeOutage(f"the Anthropic API call failed: {type(exc).__name__}")
    status, said = exc.status_code, api_message(exc)
    if status == 401:
        return ClaudeRejected(
            status, said, "Put a current key from https://console.anthropic.com in ANTHROPIC_API_KEY."
        )
    if status == 403:
        return ClaudeRejected(
            status, said, f"This key may not use {model}; check its workspace in the Console."
        )
    if status == 404:
        return ClaudeRejected(
            status, said, f"Set ANTHROPIC_MODEL to a model the API knows (see {TABLE_FILE})."
        )
    if status in (408, 409, 429) or status >= 500:
        return ClaudeOutage(f"Claude is unavailable ({status}: {said})")
    if _too_large(status, said):
        return ClaudeRejected(
            status,
            said,
            f"The request was too large for {model}: a very long transcript, study plan or file. Choose a "
            "model with a larger context window in ANTHROPIC_MODEL, or shorten what is sent.",
        )
    return ClaudeRejected(
        status,
        said,
        f"Model {model} does not accept the request the bot sends; run `interviewer doctor`, and check "
        f"ANTHROPIC_MODEL against the capability table in {TABLE_FILE}.",
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
        self.client = client or make_client(settings)
        self.stops: dict[str, int] = {}  # stop reasons seen that needed handling, for logs and tests

    async def aclose(self) -> None:
        await self.client.close()

    async def create(self, params: dict[str, Any]) -> Any:
        try:
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
            message = await self.create(params)
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
            if stop not in KNOWN_STOPS:
                log.warning("Claude stopped with an unknown stop_reason %r; reading the reply anyway", stop)
            elif stop == "pause_turn":
                log.warning("Claude paused its turn (pause_turn) on a %s request", use.name)
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
