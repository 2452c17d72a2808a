"""How long `interviewer demo` takes, as a user runs it: the whole process, start-up included."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "interviewer"


def _once(workdir: Path, n: int) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SLACK_", "DISCORD_"))}
    env.update(DATABASE_URL=f"sqlite:///{workdir / f'demo{n}.db'}", STUDIES_DIR=str(ROOT / "studies"))
    started = time.perf_counter()
    done = subprocess.run(
        [str(BIN), "demo"], env=env, cwd=workdir, capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - started
    assert "is completed" in done.stdout, done.stdout[-500:]
    return elapsed


def _help() -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN), "--help"], capture_output=True, check=True)
    return time.perf_counter() - started


async def main(runs: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        times = [await asyncio.to_thread(_once, Path(tmp), n) for n in range(runs)]
        help_time = await asyncio.to_thread(_help)
    print("interviewer demo (a whole interview, fresh SQLite database, process start included):")
    print(f"  median {statistics.median(times):.2f} s, min {min(times):.2f} s over {runs} runs")
    print(f"  (`interviewer --help`, start-up and imports only: {help_time:.2f} s)")


if __name__ == "__main__":
    asyncio.run(main())
