"""The clean working folder the hostile-input tests run each command in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.paths import ROOT


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("STUDIES_DIR", str(ROOT / "studies"))
    monkeypatch.setenv("PSEUDONYM_KEY", "hostile")
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path
