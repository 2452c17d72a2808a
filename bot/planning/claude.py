"""One forced tool call to Claude for the planning tools (draft, critique, personas).

Client set-up, retries and error messages are the interviewer's own (`ClaudeInterviewer`), so a missing
key, a 429 or an outage read the same here as during interviews: `InterviewerUnavailable`.
"""

from __future__ import annotations

from typing import Any

import anthropic

from bot.errors import InterviewerUnavailable
from bot.interviewer.claude import ClaudeInterviewer
from bot.settings import Settings

PLANNING_MAX_TOKENS = 8192  # a whole study file is far longer than one interview move


class PlanningClaude:
    """Asks Claude to call one named tool and returns the tool's input."""

    def __init__(self, settings: Settings, client: anthropic.AsyncAnthropic | None = None):
        self._claude = ClaudeInterviewer(settings, client=client, max_tokens=PLANNING_MAX_TOKENS)

    @property
    def model(self) -> str:
        return self._claude.model

    async def aclose(self) -> None:
        await self._claude.aclose()

    async def call_tool(
        self, system: str, messages: list[dict[str, Any]], tool: dict[str, Any]
    ) -> dict[str, Any]:
        request = {
            "model": self._claude.model,
            "max_tokens": self._claude.max_tokens,
            "system": system,
            "tools": [tool],
            "tool_choice": {"type": "tool", "name": tool["name"], "disable_parallel_tool_use": True},
            "messages": messages,
        }
        response = await self._claude._create(request)  # same retries and error wording as interviews
        call = next((b for b in response.content if b.type == "tool_use" and b.name == tool["name"]), None)
        if call is None or not isinstance(call.input, dict):
            raise InterviewerUnavailable(
                f"Claude did not call {tool['name']} (stop_reason {response.stop_reason}); try again"
            )
        return call.input
