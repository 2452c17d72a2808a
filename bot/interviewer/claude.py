"""`ClaudeInterviewer`: the next move from Claude as one structured reply per turn, with prompt caching.

The request is built for the configured model from the capability table (`bot.claude`): structured
outputs where the model has them, else a tool with `tool_choice` auto; the lowest thinking the model
accepts, since a chat turn should come back at typing speed; cache marks whose TTL follows the
participant's pace (`bot.claude.cache`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import anthropic
from pydantic import SecretStr

from bot.claude.cache import choose_ttl, estimate_tokens, mark, reply_gaps
from bot.claude.client import Claude
from bot.claude.errors import ClaudeUnusable
from bot.claude.models import ModelSpec, spec_for
from bot.claude.shape import Reply, Use, build, reply_instruction
from bot.interview.moves import FLAGS, Move, MoveKind, Usage
from bot.interviewer.base import InterviewContext
from bot.interviewer.prompt import (
    NO_REPLY_NOTE,
    OPENING_NOTE,
    TOOL_NAME,
    neutralise,
    participant_words,
    render_state,
    system_text,
)
from bot.settings import Settings
from bot.studies.study import Study

log = logging.getLogger(__name__)


def move_reply(study: Study) -> Reply:
    """The move's JSON schema; it depends only on the study, so it caches with the system text."""
    topic_ids = [topic.id for topic in study.plan.topics]
    return Reply(
        TOOL_NAME,
        "Record the interviewer's next message and what it does in the interview plan.",
        {
            "type": "object",
            "properties": {
                "message": {"type": "string", "description": "The text the participant reads next."},
                "move": {"type": "string", "enum": [kind.value for kind in MoveKind]},
                "topic_id": {
                    "anyOf": [{"type": "string", "enum": topic_ids}, {"type": "null"}],
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
    )


def _text(text: str, participant: bool = False) -> dict[str, Any]:
    # The API rejects empty text blocks; an empty turn still has to keep its place in the transcript.
    shown = neutralise(text) if participant else text
    return {"type": "text", "text": shown if shown.strip() else "(empty message)"}


def build_messages(
    context: InterviewContext,
    *,
    ttl: str | None = None,
    spec: ModelSpec | None = None,
    system_tokens: int = 0,
) -> list[dict[str, Any]]:
    """The transcript as alternating user/assistant messages, cache mark on its newest block.

    The opening message carries the participant's screening answers as quoted participant words; the
    per-turn state note is one more block after the mark, so the cached prefix of this request is
    byte-identical (cache_control aside) to the start of the next one.
    """
    opening = [_text(OPENING_NOTE)]
    words = participant_words(context)
    if words:
        opening.append({"type": "text", "text": words})
    messages: list[dict[str, Any]] = [{"role": "user", "content": opening}]
    for turn in context.transcript:
        role = "assistant" if turn.role == "interviewer" else "user"
        block = _text(turn.text, participant=role == "user")
        if messages[-1]["role"] == role:
            messages[-1]["content"].append(block)
        else:
            messages.append({"role": role, "content": [block]})
    newest = messages[-1]["content"][-1]
    if spec is not None:
        mark([(newest, system_tokens + estimate_tokens(messages))], ttl, spec.min_cache_tokens)
    state = {"type": "text", "text": render_state(context)}
    if messages[-1]["role"] == "user":
        messages[-1]["content"].append(state)
    else:
        messages.append({"role": "user", "content": [{"type": "text", "text": NO_REPLY_NOTE}, state]})
    return messages


class ClaudeInterviewer:
    """Asks Claude (through `bot.claude.Claude`) for the next move of an interview.

    Pass `Settings`, or explicit values (which win over settings), or an already built `client`.
    Transient failures are retried by the SDK itself; what remains is raised as a `ClaudeError`
    (outage, permanent rejection, refusal, unusable reply), which the engine handles.
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
        overrides = {
            "anthropic_api_key": SecretStr(api_key) if api_key else None,
            "anthropic_base_url": base_url,
            "anthropic_model": model,
            "anthropic_max_tokens": max_tokens,
            "anthropic_timeout_seconds": timeout,
            "anthropic_max_retries": max_retries,
        }
        base = settings or Settings.model_construct()  # defaults only: explicit values come as arguments
        self.settings = base.model_copy(update={k: v for k, v in overrides.items() if v is not None})
        self.model = self.settings.anthropic_model
        self.claude = Claude(self.settings, client=client)

    @property
    def client(self) -> anthropic.AsyncAnthropic:
        return self.claude.client

    async def aclose(self) -> None:
        await self.claude.aclose()

    def _parts(
        self, context: InterviewContext
    ) -> tuple[ModelSpec, Use, Reply, list[dict[str, Any]], list[dict[str, Any]]]:
        spec = spec_for(self.model)
        reply = move_reply(context.study)
        text = system_text(context.study, reply_instruction(spec, reply))
        system: list[dict[str, Any]] = [{"type": "text", "text": text}]
        gaps = reply_gaps([(turn.role, turn.at) for turn in context.transcript], context.answered_before)
        ttl = choose_ttl(self.settings.anthropic_cache_ttl, gaps)
        mark([(system[0], estimate_tokens(text))], ttl, spec.min_cache_tokens)
        messages = build_messages(context, ttl=ttl, spec=spec, system_tokens=estimate_tokens(text))
        return spec, Use("move", self.settings.anthropic_max_tokens), reply, system, messages

    def build_request(self, context: InterviewContext) -> dict[str, Any]:
        """The keyword arguments of one `messages.create` call for this turn."""
        spec, use, reply, system, messages = self._parts(context)
        return build(
            spec, use, reply, system=system, messages=messages, effort=self.settings.anthropic_effort
        )

    async def next_move(self, context: InterviewContext) -> Move:
        """One Messages API call (more only when a reply needs handling); raises a `ClaudeError`.

        The usage of the returned move counts every call made for it.
        """
        _spec, use, reply, system, messages = self._parts(context)
        answer = await self.claude.ask(
            use, reply, system=system, messages=messages, check=lambda data: _to_move(data, context.study)
        )
        spent = answer.spent
        usage = Usage(
            spent.input_tokens, spent.output_tokens, spent.cache_read_tokens, spent.cache_write_tokens
        )
        move = replace(answer.value, model=answer.model, usage=usage)
        log.info(
            "claude move %s topic=%s flags=%s tokens in=%d out=%d cache_read=%d cache_write=%d",
            move.kind.value,
            move.topic_id,
            ",".join(move.flags) or "-",
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
        )
        return move


def _ids(values: Any, allowed: set[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Known values only, each once, in the order given; anything else the model invented is dropped."""
    if not isinstance(values, list):
        return ()
    return tuple(dict.fromkeys(v for v in values if isinstance(v, str) and v in allowed))


def _to_move(data: dict[str, Any], study: Study) -> Move:
    """The reply as a Move; raises ClaudeUnusable saying what was wrong with it."""
    text = data.get("message")
    if not isinstance(text, str) or not text.strip():
        raise ClaudeUnusable("empty message")
    try:
        kind = MoveKind(str(data.get("move")))
    except ValueError:
        raise ClaudeUnusable(f"unknown move {data.get('move')!r}") from None
    topic_ids = {topic.id for topic in study.plan.topics}
    topic_id = data.get("topic_id")
    return Move(
        kind=kind,
        text=text.strip(),
        topic_id=topic_id if topic_id in topic_ids else None,
        covered=_ids(data.get("covered_topics"), topic_ids),
        flags=_ids(data.get("flags"), FLAGS),
    )
