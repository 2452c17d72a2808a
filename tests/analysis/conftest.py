"""Fixtures shared by the report tests and the Claude-mode tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.analysis.model import Analysis
from bot.analysis.report import write_report
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.claude_analyst import analyst
from tests.support.report_sample import sample_analysis


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, Path, list[Path]]:
    analysis = sample_analysis()
    out = tmp_path_factory.mktemp("report")
    return analysis, out, write_report(analysis, out / "nested")


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    """The fake Messages API answering as an analyst would (see tests/support/fakes/claude_analyst.py)."""
    async with FakeAnthropic(batch_polls=2) as server:
        server.responder = analyst
        server.batch_responder = analyst
        yield server
