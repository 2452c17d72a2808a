"""What the Claude-mode analysis tests share: a codebook, six interviews whose planted phrases decide
the codes the fake Messages API finds, and the settings that point the analysis at that fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.analysis.model import Code, Doc, Segment
from bot.settings import Settings
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.claude_analyst import analyst

CODEBOOK = [
    Code("stigma", "Stigma", "Hides or is judged for using AI at work.", examples=["hide my use of AI"]),
    Code("anxiety", "Anxiety", "Worries about AI's effect on their job.", examples=["my job might go"]),
    Code(
        "oversight", "Oversight", "Expects to oversee AI.", include=["reviewing"], examples=["check its work"]
    ),
]

# The same two codes as a codebook file, for the commands started as processes
CODEBOOK_YAML = """codes:
  - id: stigma
    label: Stigma
    definition: Hides or is judged for using AI at work.
    examples: ["hide my use of AI"]
  - id: anxiety
    label: Anxiety
    definition: Worries about AI's effect on their job.
    examples: ["my job might go"]
"""


@pytest.fixture(name="fake")
async def analyst_fake() -> AsyncIterator[FakeAnthropic]:
    """The fake Messages API answering as an analyst would (see tests/support/fakes/claude_analyst.py);
    import it into a conftest or test module to use it as `fake`."""
    async with FakeAnthropic(batch_polls=2) as server:
        server.responder = analyst
        server.batch_responder = analyst
        yield server


ANSWERS = {
    # interview -> answers; planted phrases decide the codes the fake finds
    "w-01": ["I hide my use of AI from my manager. It feels risky.", "Mostly drafting emails."],
    "w-02": ["Honestly my job might go in five years. I love the speed though."],
    "w-03": ["I check its work line by line. It helps me think.", "Nobody knows I hide my use of AI."],
    "w-04": ["It is annoying when it invents things. I rely on it less now."],
    "w-05": ["It does it for me, the whole report. I am worried about errors."],
    "w-06": ["We check its work together in review meetings and I learn a lot."],
}
PLANTED = {
    ("w-01", "stigma"),
    ("w-02", "anxiety"),
    ("w-03", "oversight"),
    ("w-03", "stigma"),
    ("w-06", "oversight"),
}


def docs(codes: list[str] | None = None) -> list[Doc]:
    return [
        Doc(
            code=code,
            group={"occupation": "teacher" if n % 2 else "nurse"},
            segments=[
                Segment(code, i, f"Question number {i + 1} about your work?", answer)
                for i, answer in enumerate(ANSWERS[code])
            ],
        )
        for n, code in enumerate(codes or list(ANSWERS))
    ]


def settings(fake: FakeAnthropic, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "anthropic_api_key": "test-key",
        "anthropic_base_url": fake.base_url,
        "anthropic_model": "claude-sonnet-5-5",  # the README default
        "anthropic_timeout_seconds": 5.0,
        "anthropic_max_retries": 1,
        "analysis_batch_threshold": 50,
        "analysis_batch_poll_seconds": 0.01,
    } | extra
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def present(assignments: list[Any]) -> set[tuple[str, str]]:
    return {(a.interview, a.code) for a in assignments if a.present}
