"""Retention as a scheduled job: once an hour the scheduler applies every study's `retention_days`
(`bot.records.retention` erases what is past it) and finishes withdrawals left half-done."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from bot.engine.engine import Engine
from bot.records.retention import finish_withdrawals, purge

log = logging.getLogger(__name__)
EVERY_SECONDS = 3600  # the scheduler ticks every few seconds; retention needs looking at hourly

_last_run: dict[int, float] = {}


async def purge_expired(engine: Engine, *, force: bool = False) -> int:
    """The scheduler's hourly step: apply every study's `retention_days`; returns interviews erased."""
    if not force and time.monotonic() - _last_run.get(id(engine), -EVERY_SECONDS) < EVERY_SECONDS:
        return 0
    _last_run[id(engine)] = time.monotonic()
    cache_dir = engine.settings.analysis_cache_dir
    erased = 0
    for study in engine.catalog.studies():
        study_id, days = study.id, study.retention_days
        if days:
            cut_off = engine.clock() - timedelta(days=days)
            erased += (await purge(engine.store, study_id, cut_off, cache_dir=cache_dir)).interviews
    await finish_withdrawals(engine.store, cache_dir)
    if erased:
        log.info("retention: erased the content of %d interview(s)", erased)
    return erased
