"""Fixtures shared by the report tests and the Claude-mode tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.analysis.model import Analysis
from bot.analysis.report import write_report
from tests.support.claude_analysis import analyst_fake as fake  # noqa: F401  (the `fake` fixture)
from tests.support.report_sample import sample_analysis


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, Path, list[Path]]:
    analysis = sample_analysis()
    out = tmp_path_factory.mktemp("report")
    return analysis, out, write_report(analysis, out / "nested")
