"""What the real Messages API rejects, per model: the fake's request checks, each citing its doc page.

The per-model facts come from the capability table (`bot.claude.models`), itself written from the model
pages; the checks below are the API's documented behaviour when a request breaks one of them.
`check(body, version)` returns the error message of the 400 the API would answer, or "";
`reject(body, version, known_only)` the whole answer (status, error type, message) or None.
"""

from __future__ import annotations

from typing import Any

from bot.claude.models import CONSERVATIVE, EFFORTS, TABLE, ModelSpec
from bot.claude.schema import problems as schema_problems
from tests.support.fakes import anthropic_content as content
from tests.support.fakes.anthropic_versions import V2026, version_problem

MAX_BREAKPOINTS = 4
# Where a model's page gives a higher output ceiling than its row's `max_output`, the page wins here (the
# fake answers as the API does); the row is the bot's own, more cautious, cap.
# https://platform.claude.com/docs/en/models/sonnet-4-6/overview ("Max output: 128K tokens")
MAX_OUTPUT: dict[str, int] = {"claude-sonnet-4-6": 128_000}


OVERRIDES: dict[str, ModelSpec] = {}  # tests: a model whose API behaves unlike its row (e.g. for `doctor`)


def spec(model: str) -> ModelSpec:
    return OVERRIDES.get(model) or TABLE.get(model, CONSERVATIVE)


def thinking_active(body: dict[str, Any], model: ModelSpec) -> bool:
    """Whether the model thinks on this request (omitted `thinking` means the model's default)."""
    kind = (body.get("thinking") or {}).get("type")
    if kind is None:
        return model.thinking_default_on
    return kind in ("adaptive", "enabled")


def known(model: Any) -> bool:
    return isinstance(model, str) and (model in TABLE or model in OVERRIDES)


def reject(body: Any, version: str = V2026, known_only: bool = True) -> tuple[int, str, str] | None:
    """(HTTP status, error type, message) of the error the real API would answer for `body`, or None."""
    model = body.get("model") if isinstance(body, dict) else None
    # https://platform.claude.com/docs/en/api/errors (404 not_found_error: the requested resource, here the
    # model, was not found) and https://platform.claude.com/docs/en/about-claude/model-deprecations
    # ("Requests to retired models will fail"): an id outside the table is unknown or retired.
    if known_only and isinstance(model, str) and model and not known(model):
        return 404, "not_found_error", f"model: {model}"
    problem = check(body, version)
    return (400, "invalid_request_error", problem) if problem else None


def check(body: Any, version: str = V2026) -> str:
    """The message of the 400 the real API would return for `body`, or "" when it would accept it."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    problem = _basics(body) or version_problem(body, version) or content.problem(body)
    if problem:
        return problem
    for rule in (
        _max_output,
        _tool_choice,
        _thinking,
        _effort,
        _format,
        _strict_tools,
        _prefill,
        _cache,
    ):
        problem = rule(body, spec(str(body.get("model"))))
        if problem:
            return problem
    # Under 2026-10-21 any sampling parameter is already refused above; 2023-06-01 keeps the per-model rule.
    return _sampling(body, spec(str(body.get("model")))) if version != V2026 else ""


def _basics(body: dict[str, Any]) -> str:
    # https://platform.claude.com/docs/en/api/messages (required fields, roles)
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
        blocks = message.get("content")
        if not isinstance(blocks, (list, str)) or not blocks:
            return f"messages.{i}.content: must not be empty"
    return ""


def _max_output(body: dict[str, Any], model: ModelSpec) -> str:
    # https://platform.claude.com/docs/en/models/overview (each model's "Max output"; max_tokens above it is
    # a 400 with this message)
    ceiling = MAX_OUTPUT.get(str(body.get("model")), model.max_output)
    if body["max_tokens"] > ceiling:
        return (
            f"max_tokens: {body['max_tokens']} > {ceiling}, which is the maximum allowed number of output "
            f"tokens for {body.get('model')}"
        )
    return ""


def _tool_choice(body: dict[str, Any], model: ModelSpec) -> str:
    choice = body.get("tool_choice") or {}
    kind = choice.get("type")
    if kind not in ("tool", "any"):
        return ""
    # https://platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5#forced-tool-use-is-not-supported
    # (also Opus 5.5, Fable 5.1/5.2, Mythos 5.1/5.2: https://platform.claude.com/docs/en/models/fable-5-1/migration-guide)
    if not model.forced_tool_choice:
        return 'tool_choice: type "tool" and "any" are not supported for this model.'
    # https://platform.claude.com/docs/en/build-with-claude/extended-thinking (tool_choice with thinking:
    # only "auto" or "none"; forcing a tool while thinking is an error)
    if (body.get("thinking") or {}).get("type") in ("adaptive", "enabled"):
        return "Thinking may not be enabled when tool_choice forces tool use."
    if kind == "tool":
        names = {tool.get("name") for tool in body.get("tools") or []}
        if choice.get("name") not in names:
            return f"tool_choice: tool {choice.get('name')!r} is not among the request's tools"
    return ""


def _effort_of(body: dict[str, Any]) -> str | None:
    return (body.get("output_config") or {}).get("effort")


def _thinking(body: dict[str, Any], model: ModelSpec) -> str:
    thinking = body.get("thinking")
    if thinking is None:
        return ""
    kind = thinking.get("type")
    # https://platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting (accepted types per model)
    if kind not in model.thinking:
        hint = ' Use "between_tools" instead.' if "between_tools" in model.thinking else ""
        return f'"thinking.type.{kind}" is not supported for this model.{hint}'
    effort = _effort_of(body) or "high"
    # https://platform.claude.com/docs/en/models/opus-5/overview ("disabled" only at effort high or below)
    if kind == "disabled" and model.disabled_max_effort:
        if EFFORTS.index(effort) > EFFORTS.index(model.disabled_max_effort):
            return f'"thinking.type.disabled" is not supported with effort "{effort}" on this model.'
    # https://platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5#turn-off-up-front-thinking
    if kind == "between_tools" and effort not in model.between_tools_efforts:
        return f'"thinking.type.between_tools" is not supported with effort "{effort}".'
    # https://platform.claude.com/docs/en/build-with-claude/extended-thinking (budget_tokens >= 1024, < max_tokens)
    if kind == "enabled":
        budget = thinking.get("budget_tokens")
        if not isinstance(budget, int) or budget < 1024 or budget >= body["max_tokens"]:
            return "thinking.budget_tokens: must be at least 1024 and less than max_tokens"
    return ""


def _effort(body: dict[str, Any], model: ModelSpec) -> str:
    effort = _effort_of(body)
    # https://platform.claude.com/docs/en/build-with-claude/effort (levels per model; none on Haiku 4.5)
    if effort is not None and effort not in model.efforts:
        return f"output_config.effort: {effort!r} is not supported for this model"
    return ""


def _format(body: dict[str, Any], model: ModelSpec) -> str:
    form = (body.get("output_config") or {}).get("format")
    if form is None:
        return ""
    # https://platform.claude.com/docs/en/build-with-claude/structured-outputs (supported models, schema limits)
    if not model.structured_outputs:
        return "output_config.format: structured outputs are not supported for this model"
    if form.get("type") != "json_schema" or not isinstance(form.get("schema"), dict):
        return "output_config.format: type must be json_schema with a schema"
    found = schema_problems(form["schema"], "output_config.format.schema")
    return found[0] if found else ""


def _strict_tools(body: dict[str, Any], model: ModelSpec) -> str:
    for i, tool in enumerate(body.get("tools") or []):
        if not tool.get("strict"):
            continue
        # https://platform.claude.com/docs/en/agents-and-tools/tool-use/strict-tool-use
        if not model.strict_tools:
            return f"tools.{i}.strict: strict tool use is not supported for this model"
        found = schema_problems(tool.get("input_schema"), f"tools.{i}.input_schema")
        if found:
            return found[0]
    return ""


def _sampling(body: dict[str, Any], model: ModelSpec) -> str:
    # https://platform.claude.com/docs/en/models/sonnet-5/overview (non-default sampling parameters: 400),
    # under anthropic-version 2023-06-01 (https://platform.claude.com/docs/en/api/migration-2026-10-21 keeps
    # them there for workloads that need them)
    if model.sampling_params:
        return ""
    defaults = {"temperature": 1.0, "top_p": None, "top_k": None}
    for name, default in defaults.items():
        if name in body and body[name] != default:
            return f"{name}: non-default values are not supported for this model"
    return ""


def _prefill(body: dict[str, Any], model: ModelSpec) -> str:
    # https://platform.claude.com/docs/en/models/haiku-5-5/whats-new-haiku-5-5 (assistant prefill returns an error);
    # structured outputs are incompatible with prefill on every model (structured-outputs page)
    last = body["messages"][-1].get("role")
    if last == "assistant" and (not model.prefill or (body.get("output_config") or {}).get("format")):
        return "messages: the final message must be a user message (assistant prefill is not supported)"
    return ""


def _cache(body: dict[str, Any], model: ModelSpec) -> str:
    # https://platform.claude.com/docs/en/build-with-claude/prompt-caching (at most 4 breakpoints;
    # 1-hour entries must appear before 5-minute entries)
    marks = list(_marks(body))
    if len(marks) > MAX_BREAKPOINTS:
        return (
            f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {len(marks)}."
        )
    ttls = [(m or {}).get("ttl", "5m") for m in marks]
    if "5m" in ttls and "1h" in ttls[ttls.index("5m") :]:
        return "cache_control: a ttl='1h' entry must not come after a ttl='5m' entry"
    return ""


def _marks(body: dict[str, Any]) -> Any:
    for tool in body.get("tools") or []:
        if "cache_control" in tool:
            yield tool["cache_control"]
    system = body.get("system")
    for block in system if isinstance(system, list) else []:
        if "cache_control" in block:
            yield block["cache_control"]
    for message in body.get("messages") or []:
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            if "cache_control" in block:
                yield block["cache_control"]
