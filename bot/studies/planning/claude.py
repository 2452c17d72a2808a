"""Claude for the planning tools (draft, critique, personas): one structured reply per request.

Client set-up, request shape per model, retries and error wording are `bot.claude`'s, shared with
the interviewer and the analysis, so a missing key, a 429 or an outage read the same everywhere.
"""

from __future__ import annotations

from typing import Any

import anthropic

from bot.claude.client import Claude
from bot.claude.models import spec_for
from bot.claude.shape import Reply, Use, reply_instruction
from bot.settings import Settings

DRAFT = Use("plan draft", answer_tokens=8192, think=True)  # a whole study file is long
CRITIQUE = Use("critique", answer_tokens=4096, think=True)


class PlanningClaude:
    """Asks Claude for a JSON object shaped like a tool's input schema and returns it."""

    def __init__(self, settings: Settings, client: anthropic.AsyncAnthropic | None = None):
        self._claude = Claude(settings, client=client)

    @property
    def model(self) -> str:
        return self._claude.model

    async def aclose(self) -> None:
        await self._claude.aclose()

    async def call_tool(
        self, system: str, messages: list[dict[str, Any]], tool: dict[str, Any], *, use: Use = DRAFT
    ) -> dict[str, Any]:
        reply = Reply(tool["name"], tool.get("description", ""), tool["input_schema"])
        how = reply_instruction(spec_for(self.model), reply)
        blocks = [{"type": "text", "text": f"{system}\n\n{how}"}]
        answer = await self._claude.ask(use, reply, system=blocks, messages=messages, check=lambda data: data)
        return answer.value
