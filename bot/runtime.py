"""Wiring: build the store, the study catalog, the interviewer and the engine from settings."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Coroutine, Generator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from bot.commands.cohort_resume import resume_cohort_requests
from bot.commands.export import drain_exports
from bot.engine.engine import Engine
from bot.interview.locales import fixed_text_note
from bot.interviewer.base import Interviewer
from bot.interviewer.scripted import OfflineInterviewer
from bot.messages import utcnow
from bot.outreach.cohort_run import stop_cohort_runs
from bot.outreach.scheduler import Scheduler
from bot.records.pseudonym import Pseudonyms
from bot.settings import Settings
from bot.storage import Store
from bot.studies.catalog import Catalog

log = logging.getLogger(__name__)


def make_interviewer(settings: Settings, choice: str | None = None) -> Interviewer:
    """'claude' needs ANTHROPIC_API_KEY; 'offline' needs nothing. Default: claude when a key is set."""
    choice = choice or ("claude" if settings.anthropic_api_key else "offline")
    if choice == "claude":
        if not settings.anthropic_api_key:
            raise SystemExit(
                "--interviewer claude needs ANTHROPIC_API_KEY in the environment (or .env); "
                "use --interviewer offline to run without it."
            )
        # imported only when chosen: the anthropic SDK is slow to import and the offline interviewer,
        # the demo and most commands never need it
        from bot.interviewer.claude import ClaudeInterviewer

        return ClaudeInterviewer(settings)
    if choice == "offline":
        return OfflineInterviewer()
    raise SystemExit(f"unknown interviewer {choice!r}; use claude or offline")


def settle_memory() -> None:
    """For a long-running service, once it is set up: collect garbage, then move every object alive now
    (modules, studies, clients, caches) out of the collector's reach. Full collections then only walk
    what the service made since, so the pause they add to a turn stays short."""
    gc.collect()
    gc.freeze()


@dataclass
class Runtime:
    """One process's parts, wired. `async with Runtime.start(settings) as runtime:` closes them when the
    block ends; `runtime = await Runtime.start(settings)` leaves closing (`await runtime.close()`) to you."""

    settings: Settings
    store: Store
    catalog: Catalog
    engine: Engine
    scheduler: Scheduler | None = None  # the process's one periodic loop, once started
    stopping: list[asyncio.Task[Any]] = field(default_factory=list)  # ticks of a stopped scheduler

    @classmethod
    def start(
        cls,
        settings: Settings,
        *,
        interviewer: Interviewer | None = None,
        study_paths: list[Path] | None = None,
        clock: Callable[[], datetime] = utcnow,
        migrate: bool = True,
    ) -> Starting:
        """Open the store (migrated), register the studies and build the engine; see the class docstring."""
        return Starting(lambda: cls._open(settings, interviewer, study_paths, clock, migrate))

    @classmethod
    async def _open(
        cls,
        settings: Settings,
        interviewer: Interviewer | None,
        study_paths: list[Path] | None,
        clock: Callable[[], datetime],
        migrate: bool,
    ) -> Runtime:
        catalog = Catalog.from_paths(study_paths) if study_paths else Catalog.from_dir(settings.studies_dir)
        for study in catalog.studies():
            note = fixed_text_note(study.language)
            if note:
                log.warning("study %s: %s", study.id, note)
        store = Store(settings.database_url)
        if migrate:
            await store.upgrade()
        await catalog.register(store)
        key = settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else None
        pseudonyms = await Pseudonyms.load(store, key)
        engine = Engine(
            store, catalog, interviewer or make_interviewer(settings), settings, pseudonyms, clock=clock
        )
        return cls(settings, store, catalog, engine)

    def wake(self) -> None:
        """Ask for a tick now (e.g. an adapter just connected and caught up); a no-op without a scheduler."""
        if self.scheduler is not None:
            self.scheduler.wake()

    async def close(self) -> None:
        await stop_cohort_runs(self.engine)  # each gives its cohort request back for the next start
        for tick in self.stopping:  # a tick the scheduler was running when it stopped uses the database
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(tick, timeout=30)
        await self.engine.drain()
        await drain_exports()  # an export being built still needs the database; let it finish and send
        await self.store.close()

    @contextlib.contextmanager
    def running_scheduler(self) -> Iterator[Scheduler]:
        """The process's one scheduler: the one already running (`interviewer run` starts it before any
        adapter), or a new one kept for the duration of the block."""
        if self.scheduler is not None and self.scheduler.running:
            yield self.scheduler
            return
        scheduler = Scheduler(self.engine, interval=self.settings.tick_seconds)
        scheduler.extra.append(resume_cohort_requests)  # cohort invitations a stop or crash interrupted
        self.scheduler = scheduler
        scheduler.start()
        try:
            yield scheduler
        finally:
            scheduler.shutdown()
            self.scheduler = None
            tick = scheduler.tick_in_flight()
            if tick is not None:
                self.stopping.append(tick)


class Starting:
    """What `Runtime.start` returns: awaited, the runtime; entered with `async with`, the runtime, closed
    when the block ends (also when it raises). Nothing is opened until one of the two happens."""

    def __init__(self, opening: Callable[[], Coroutine[Any, Any, Runtime]]) -> None:
        self._opening = opening
        self._runtime: Runtime | None = None

    def __await__(self) -> Generator[Any, None, Runtime]:
        return self._opening().__await__()

    async def __aenter__(self) -> Runtime:
        self._runtime = await self
        return self._runtime

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._runtime is not None:
            runtime, self._runtime = self._runtime, None
            await runtime.close()
