"""`interviewer run` started as a user starts it: the installed console script, in a folder of its own,
configured only through the environment, reached only over the network. Its log is kept for reading.

    bot = BotProcess(tmp_path, {"SLACK_BOT_TOKEN": ..., ...}, "--slack", "--http", "--port", str(port))
    await bot.start(); await bot.wait_http(port)    # GET /healthz answers
    bot.kill()                                      # SIGKILL: a crash
    await bot.stop()                                # Ctrl-C (SIGINT), then wait for it to exit
    bot.log                                         # everything it wrote to stdout and stderr
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import IO, Any

import aiohttp

from tests.support.paths import ROOT

# Only what a process needs to start; never the caller's tokens or keys
_PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def service_env(folder: Path, study: dict[str, Any] | None = None) -> dict[str, str]:
    """What every started bot gets: its own SQLite file, a folder with the test study, a pseudonym key,
    a short quiet window and a tick every second."""
    from tests.support.helpers import write_study

    studies = folder / "studies"
    if not studies.exists():
        studies.mkdir()
        write_study(studies, **(study or {}))
    return {
        "DATABASE_URL": f"sqlite:///{folder / 'bot.db'}",
        "STUDIES_DIR": str(studies),
        "DEFAULT_STUDY": "pilot-study",
        "PSEUDONYM_KEY": "e2e-key",
        "COALESCE_SECONDS": "0.3",
        "TICK_SECONDS": "1",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def interviewer_command() -> str:
    """The `interviewer` script installed next to this Python (the project's virtual environment)."""
    script = Path(sys.executable).parent / "interviewer"
    if not script.exists():
        raise RuntimeError(f"{script} is missing; install the project (make test does) first")
    return str(script)


class BotProcess:
    """One `interviewer run ...` process; `start` again after `stop` or `kill` is a restart."""

    def __init__(self, folder: Path, env: dict[str, str], *args: str):
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if k in _PASS_THROUGH}
        # the code under test, even when the installed package points elsewhere
        self.env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", **env)
        self.args = args
        self.log_path = folder / "bot.log"
        self.process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0

    async def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            interviewer_command(),
            "run",
            *self.args,
            cwd=self.folder,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        self.starts += 1

    async def wait_http(self, port: int, seconds: float = 60) -> None:
        """Until GET /healthz answers 200; fails early, with the log, if the process exited."""
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                self.check_running()
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise AssertionError(f"the bot did not answer on port {port}:\n{self.log}")

    def check_running(self) -> None:
        if self.process is not None and self.process.returncode is not None:
            raise AssertionError(f"the bot exited with {self.process.returncode}:\n{self.log}")

    def kill(self) -> None:
        """A crash: SIGKILL, no chance to finish anything."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self, seconds: float = 30, how: signal.Signals = signal.SIGINT) -> int:
        """Ctrl-C, as a person stops it (or SIGTERM, as a service manager does); waits for the exit
        (killed after `seconds`)."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(how)
            try:
                await asyncio.wait_for(self.process.wait(), seconds)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._log is not None:
            self._log.close()
        assert self.process.returncode is not None
        return self.process.returncode

    async def wait_exit(self) -> int:
        assert self.process is not None
        code = await self.process.wait()
        if self._log is not None:
            self._log.close()
        return code

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
