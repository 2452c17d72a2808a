"""`ClaudeInterviewer`: the next move from Claude, as one forced tool call per turn, with prompt caching."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import anthropic

from bot.errors import InterviewerUnavailable
from bot.interviewer.base import FLAGS, InterviewContext, Move, MoveKind, Usage
from bot.interviewer.prompt import NO_REPLY_NOTE, OPENING_NOTE, TOOL_NAME, render_state, system_text
from bot.settings import Settings
from bot.study import Study

log = logging.getLogger(__name__)

_CACHE = {"type": "ephemeral"}
_PUBLIC_API = "https://api.anthropic.com"
_DEFAULTS = Settings.model_fields


def _default(name: str) -> Any:
    return _DEFAULTS[name].default


def move_tool(study: Study) -> dict[str, Any]:
    """The tool Claude must call; its schema depends only on the study, so it caches with the system text."""
    topic_ids = [topic.id for topic in study.plan.topics]
    return {
        "name": TOOL_NAME,
        "description": "Record the interviewer's next message and what it does in the interview plan.",
        "input_schema": {
            "type": "object",
            "properties": {
                "message": {"type": "string", "description": "The text the participant reads next."},
                "move": {"type": "string", "enum": [kind.value for kind in MoveKind]},
                "topic_id": {
                    "type": ["string", "null"],
                    "enum": [*topic_ids, None],
                    "description": "The topic the message is about; null when closing.",
                },
                "covered_topics": {
                    "type": "array",
                    "items": {"type": "string", "enum": topic_ids},
                    "description": "Every topic covered well enough so far.",
                },
                "flags": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(FLAGS)},
                    "description": "What applies to the participant's latest message; usually empty.",
                },
            },
            "required": ["message", "move", "topic_id", "covered_topics", "flags"],
        },
    }


def _text(text: str) -> dict[str, Any]:
    # The API rejects empty text blocks; an empty turn still has to keep its place in the transcript.
    return {"type": "text", "text": text if text.strip() else "(empty message)"}


def build_messages(context: InterviewContext) -> list[dict[str, Any]]:
    """The transcript as alternating user/assistant messages, cache breakpoint on its newest block.

    The per-turn state note is one more block after the breakpoint, so the cached prefix of this request
    is byte-identical (cache_control aside) to the start of the next one.
    """
    messages: list[dict[str, Any]] = [{"role": "user", "content": [_text(OPENING_NOTE)]}]
    for turn in context.transcript:
        role = "assistant" if turn.role == "interviewer" else "user"
        if messages[-1]["role"] == role:
            messages[-1]["content"].append(_text(turn.text))
        else:
            messages.append({"role": role, "content": [_text(turn.text)]})
    messages[-1]["content"][-1]["cache_control"] = dict(_CACHE)
    state = {"type": "text", "text": render_state(context)}
    if messages[-1]["role"] == "user":
        messages[-1]["content"].append(state)
    else:
        messages.append({"role": "user", "content": [{"type": "text", "text": NO_REPLY_NOTE}, state]})
    return messages


class ClaudeInterviewer:
    """Asks Claude (through `anthropic.AsyncAnthropic`) for the next move of an interview.

    Pass `Settings`, or explicit values (which win over settings), or an already built `client`.
    Transient failures (429, 5xx, 529, timeouts, dropped connections) are retried by the SDK itself,
    `max_retries` times and honouring retry-after; when they persist, `InterviewerUnavailable` is raised.
    """

    name = "claude"

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        max_tokens: int | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        client: anthropic.AsyncAnthropic | None = None,
    ):
        def pick(explicit: Any, field: str) -> Any:
            if explicit is not None:
                return explicit
            return getattr(settings, field) if settings is not None else _default(field)

        self.model: str = pick(model, "anthropic_model")
        self.max_tokens: int = pick(max_tokens, "anthropic_max_tokens")
        self.timeout: float = pick(timeout, "anthropic_timeout_seconds")
        self.max_retries: int = pick(max_retries, "anthropic_max_retries")
        if client is not None:
            self._client = client
            return
        key = api_key
        if key is None and settings is not None and settings.anthropic_api_key is not None:
            key = settings.anthropic_api_key.get_secret_value()
        if not key:
            raise InterviewerUnavailable(
                "ANTHROPIC_API_KEY is not set; put your key from https://console.anthropic.com in the "
                "environment or in .env, or run with the offline scripted interviewer"
            )
        self._client = anthropic.AsyncAnthropic(
            api_key=key,
            # Passed explicitly so that the SDK does not read the environment itself; settings does that.
            base_url=pick(base_url, "anthropic_base_url") or _PUBLIC_API,
            timeout=self.timeout,
            max_retries=self.max_retries,
        )

    @property
    def client(self) -> anthropic.AsyncAnthropic:
        return self._client

    async def aclose(self) -> None:
        await self._client.close()

    def build_request(self, context: InterviewContext) -> dict[str, Any]:
        """The keyword arguments of one `messages.create` call for this turn."""
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": [{"type": "text", "text": system_text(context.study), "cache_control": dict(_CACHE)}],
            "tools": [move_tool(context.study)],
            "tool_choice": {"type": "tool", "name": TOOL_NAME, "disable_parallel_tool_use": True},
            "messages": build_messages(context),
        }

    async def next_move(self, context: InterviewContext) -> Move:
        """One Messages API call (two when the first reply is unusable); raises `InterviewerUnavailable`.

        The usage of the returned move counts every call made for it.
        """
        request = self.build_request(context)
        spent = Usage()
        problem = ""
        for _attempt in range(2):
            response = await self._create(request)
            spent = _add(spent, _usage(response))
            move, problem = _to_move(response, context.study)
            if move is not None:
                move = replace(move, model=response.model, usage=spent)
                log.info(
                    "claude move %s topic=%s flags=%s tokens in=%d out=%d cache_read=%d cache_write=%d",
                    move.kind.value,
                    move.topic_id,
                    ",".join(move.flags) or "-",
                    spent.input_tokens,
                    spent.output_tokens,
                    spent.cache_read_tokens,
                    spent.cache_write_tokens,
                )
                return move
            log.warning("claude gave an unusable reply (%s); asking once more", problem)
        raise InterviewerUnavailable(
            f"Claude twice returned an unusable reply ({problem}); the turn will be retried"
        )

    async def _create(self, request: dict[str, Any]) -> Any:
        try:
            return await self._client.messages.create(**request)
        except anthropic.AuthenticationError:
            log.error("Claude rejected the API key (401)")
            raise InterviewerUnavailable(
                "Claude rejected the API key (401 authentication_error); check that ANTHROPIC_API_KEY "
                "holds a current key from https://console.anthropic.com"
            ) from None
        except anthropic.APIError as exc:
            message = self._explain(exc)
            log.warning("Claude call failed: %s", message)
            raise InterviewerUnavailable(message) from exc

    def _explain(self, exc: anthropic.APIError) -> str:
        tries = f"after {self.max_retries + 1} attempts"
        if isinstance(exc, anthropic.APITimeoutError):
            return (
                f"Claude did not answer within {self.timeout:g}s ({tries}); the turn will be retried "
                "(ANTHROPIC_TIMEOUT_SECONDS sets the limit)"
            )
        if isinstance(exc, anthropic.APIConnectionError):
            return (
                f"could not reach the Anthropic API at {self._client.base_url} ({tries}); check the network "
                "and ANTHROPIC_BASE_URL"
            )
        if isinstance(exc, anthropic.RateLimitError):
            return f"Claude is rate limiting this API key (429, {tries}); the turn will be retried later"
        if isinstance(exc, anthropic.PermissionDeniedError):
            return "this API key may not use the Messages API (403); check its workspace in the Console"
        if isinstance(exc, anthropic.NotFoundError):
            return f"the Anthropic API does not know model {self.model!r} (404); check ANTHROPIC_MODEL"
        if isinstance(exc, anthropic.APIStatusError):
            if exc.status_code == 529:
                return f"Claude is overloaded (529, {tries}); the turn will be retried later"
            if exc.status_code >= 500:
                return (
                    f"the Anthropic API failed ({exc.status_code}, {tries}); the turn will be retried later"
                )
            return f"the Anthropic API refused the request ({exc.status_code}): {exc.message}"
        return f"the Anthropic API call failed: {exc}"


def _usage(response: Any) -> Usage:
    usage = response.usage
    return Usage(
        input_tokens=usage.input_tokens or 0,
        output_tokens=usage.output_tokens or 0,
        cache_read_tokens=getattr(usage, "cache_read_input_tokens", None) or 0,
        cache_write_tokens=getattr(usage, "cache_creation_input_tokens", None) or 0,
    )


def _add(a: Usage, b: Usage) -> Usage:
    return Usage(
        input_tokens=a.input_tokens + b.input_tokens,
        output_tokens=a.output_tokens + b.output_tokens,
        cache_read_tokens=a.cache_read_tokens + b.cache_read_tokens,
        cache_write_tokens=a.cache_write_tokens + b.cache_write_tokens,
    )


def _ids(values: Any, allowed: set[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Known values only, each once, in the order given; anything else the model invented is dropped."""
    if not isinstance(values, list):
        return ()
    return tuple(dict.fromkeys(v for v in values if isinstance(v, str) and v in allowed))


def _to_move(response: Any, study: Study) -> tuple[Move | None, str]:
    """The tool call as a Move, or None and what was wrong with it."""
    call = next((b for b in response.content if b.type == "tool_use" and b.name == TOOL_NAME), None)
    if call is None:
        return None, f"no {TOOL_NAME} call (stop_reason {response.stop_reason})"
    data = call.input if isinstance(call.input, dict) else {}
    text = data.get("message")
    if not isinstance(text, str) or not text.strip():
        return None, "empty message"
    try:
        kind = MoveKind(data.get("move"))
    except ValueError:
        return None, f"unknown move {data.get('move')!r}"
    topic_ids = {topic.id for topic in study.plan.topics}
    topic_id = data.get("topic_id")
    return Move(
        kind=kind,
        text=text.strip(),
        topic_id=topic_id if topic_id in topic_ids else None,
        covered=_ids(data.get("covered_topics"), topic_ids),
        flags=_ids(data.get("flags"), FLAGS),
    ), ""
