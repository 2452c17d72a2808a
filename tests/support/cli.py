"""The `interviewer` command run as a user runs it, in a subprocess with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.paths import STUDIES

BIN = Path(sys.executable).parent / "interviewer"


def cli_env(tmp_path: Path, **env: str) -> dict[str, str]:
    """The environment of an `interviewer` started by a test: its own SQLite file in `tmp_path`, the
    bundled studies and a pseudonym key; Claude, Slack and Discord settings of the test run left out."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SLACK_", "DISCORD_"))}
    clean.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
            "STUDIES_DIR": str(STUDIES),
            "PSEUDONYM_KEY": "cli-test",
            **env,
        }
    )
    return clean


def run(
    args: list[str], tmp_path: Path, stdin: str | None = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """`interviewer *args` in `tmp_path`, in `cli_env`. The timeout only stops a hung command: an analysis
    takes 15-30 s on its own, but several minutes when the suite's four workers share two cores."""
    clean = cli_env(tmp_path, **env)
    return subprocess.run(
        [str(BIN), *args], input=stdin, capture_output=True, text=True, cwd=tmp_path, env=clean, timeout=600
    )
