"""What the hostile-input tests of the CLI share: the command run in this process through the entry point
of the installed `interviewer` script, a clean working folder, files to create and the rule for a clean
failure (one line saying how to fix it, never a traceback or "this is a bug")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.cli.errors import run
from bot.settings import get_settings
from tests.support.paths import ROOT

TEACHERS = (ROOT / "studies" / "teachers.yaml").read_text(encoding="utf-8")
TRANSCRIPT = "AI: How do you use it?\nUser: I draft reports with it every week and then rewrite them."


def csv_of(rows: list[tuple[str, str]], header: str = "transcript_id,text") -> str:
    quoted = [f'{tid},"{text.replace(chr(34), chr(34) * 2)}"' for tid, text in rows]
    return "\n".join([header, *quoted]) + "\n"


GOOD_CSV = csv_of([("A1", TRANSCRIPT), ("A2", TRANSCRIPT.replace("reports", "emails"))])
Files = dict[str, bytes | str | None]  # name -> content (None: a folder)


def invoke(args: list[str], capfd: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    get_settings.cache_clear()
    try:
        run(cli.app, args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        get_settings.cache_clear()
    out, err = capfd.readouterr()
    return code, out, err


def make(root: Path, files: Files) -> None:
    for name, content in files.items():
        path = root / name
        if content is None:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def assert_clean(code: int, out: str, err: str, expected: int, fragment: str) -> None:
    both = out + err
    assert "Traceback" not in both and "this is a bug" not in both, both[-2000:]
    assert code == expected, f"exit {code}, expected {expected}: {both[-1500:]}"
    assert fragment in both, both[-1500:]
    if expected == 2:
        last = [line for line in err.splitlines() if line.strip()][-1]
        assert len(last) < 400 and not last.startswith(("  File", "Error")), last


def start(args: list[str], folder: Path, timeout: float = 120) -> tuple[int, str, str]:
    """Run `interviewer args` as the started process a user runs (the installed script), in `folder`."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SLACK_", "DISCORD_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'cli.db'}",
        STUDIES_DIR=str(ROOT / "studies"),
        PSEUDONYM_KEY="hostile",
        ANALYSIS_CACHE_DIR=str(folder / "cache"),
    )
    script = Path(sys.executable).with_name("interviewer")
    done = subprocess.run(
        [str(script), *args], cwd=folder, env=env, input="", capture_output=True, text=True, timeout=timeout
    )
    return done.returncode, done.stdout, done.stderr
