"""APScheduler only decides *when* to look; the database decides *whether* anything is sent.

Every `interval` seconds one job plans due work (reminders, expiry, follow-up waves, channel counts)
and then runs the engine's tick, which answers what is unanswered and sends due outbox rows. The job
has `max_instances=1` and `coalesce=True`: a slow tick is never overlapped or replayed in a burst. Any
number of processes may run this scheduler against one database; claiming prevents duplicates. It is the
process's only periodic loop: adapters do not tick on their own, they `wake` it (e.g. once connected).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.engine import missing_permissions
from bot.engine.engine import Engine
from bot.outreach.cohorts import refresh_channel_posts
from bot.outreach.due_work import Planned, plan_due_work
from bot.outreach.retention_job import purge_expired

log = logging.getLogger(__name__)
JOB_ID = "interviewer-tick"
LAPSE_JOB_ID = "interviewer-tick-at-lapse"


async def alert_missing_permissions(engine: Engine) -> None:
    """Tell researchers about messages set aside for a permission the app lacks (once per day each)."""
    try:
        await missing_permissions.alert(engine.store, engine.catalog, engine.settings, engine.clock())
    except Exception as exc:  # the tick goes on; the next one tries again
        log.warning("could not queue the alerts about a missing permission: %s", type(exc).__name__)


class Scheduler:
    """Runs `run_once` on an interval inside the running asyncio loop."""

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float = 5.0,
        extra: list[Callable[[Engine], Awaitable[object]]] | None = None,
    ):
        self.engine = engine
        self.interval = interval
        self.extra = list(
            extra if extra is not None else [refresh_channel_posts, purge_expired, alert_missing_permissions]
        )
        self._scheduler: AsyncIOScheduler | None = None
        self._tick: asyncio.Task[Any] | None = None  # the job running now, if any

    async def run_once(self, now: datetime | None = None) -> Planned:
        """Plan due work, then send. Tests call this directly with an injected clock."""
        planned = await plan_due_work(self.engine, now)
        for step in self.extra:
            await step(self.engine)
        await self.engine.tick()
        return planned

    async def _job(self) -> None:
        self._tick = asyncio.current_task()
        try:
            await self.run_once()
            await self._look_again_at_lapse()
        except Exception:  # the next tick retries; a crash here must not stop the scheduler
            log.exception("scheduler tick failed")

    async def _look_again_at_lapse(self) -> None:
        """A claim a dead process left (a reply cut off mid-send) lapses within seconds: tick right
        then, not at the next interval."""
        lapse = await self.engine.dispatcher.next_lapse()
        if lapse is None or self._scheduler is None:
            return
        when = lapse + timedelta(milliseconds=100)
        if (when - datetime.now(UTC)).total_seconds() < self.interval:
            self._scheduler.add_job(self._job, "date", run_date=when, id=LAPSE_JOB_ID, replace_existing=True)

    def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            self._job,
            "interval",
            seconds=self.interval,
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(scheduler.timezone),
        )
        scheduler.start()
        self._scheduler = scheduler

    def wake(self) -> None:
        """Run the job now instead of at its next interval (e.g. once an adapter has connected)."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.modify_job(JOB_ID, next_run_time=datetime.now(self._scheduler.timezone))

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def tick_in_flight(self) -> asyncio.Task[Any] | None:
        """The tick still running after `shutdown` (APScheduler does not wait for a coroutine job): the
        database must stay open until it ends."""
        return self._tick if self._tick is not None and not self._tick.done() else None

    def upcoming(self) -> list[tuple[str, datetime | None]]:
        """The scheduler's jobs and their next run times (for logs and `schedule show`)."""
        if self._scheduler is None:
            return []
        return [(job.id, job.next_run_time) for job in self._scheduler.get_jobs()]
