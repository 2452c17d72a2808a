"""How `interviewer run` stops: on Ctrl-C, on SIGTERM, and when a platform refuses to start."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

log = logging.getLogger(__name__)


@asynccontextmanager
async def terminable() -> AsyncIterator[None]:
    """SIGTERM (`systemctl stop`, `docker stop`, `kill`) stops the bot as Ctrl-C does: the block is
    cancelled, so the platforms disconnect, a message being sent finishes or is left to be sent after
    the restart, and the database closes; the exit status is 0, as for any stop that was asked for.
    Without this, Python's default for SIGTERM ends the process on the spot."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    terminated = False

    def on_sigterm() -> None:
        nonlocal terminated
        if not terminated and task is not None:
            terminated = True
            log.info("SIGTERM: stopping")
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    except (NotImplementedError, RuntimeError):  # not on Windows' event loop: the default stays
        yield
        return
    try:
        yield
    except asyncio.CancelledError:
        if not terminated:
            raise
        if task is not None:
            task.uncancel()  # the cancellation was this handler's own, and it is over
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


class Stop(Exception):
    def __init__(self, code: object) -> None:
        super().__init__(code)
        self.code = code


async def stoppable(job: Coroutine[Any, Any, None]) -> None:
    """A platform's job, whose `SystemExit` (a token refused at start) comes back as `Stop`: asyncio lets
    a SystemExit raised in a task escape the event loop at once, past the database's and the scheduler's
    cleanup, which left a connection for the garbage collector."""
    try:
        await job
    except SystemExit as exc:
        raise Stop(exc.code) from None
