"""Retention as a scheduled job: once an hour the scheduler applies every study's `retention_days`
(`bot.records.retention` erases what is past it) and finishes withdrawals left half-done."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.engine.engine import Engine
from bot.records.retention import finish_withdrawals, purge
from bot.storage.models import StudyVersion

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
    periods = {study.id: study.retention_days for study in engine.catalog.studies()}
    periods |= await _without_a_file(engine, set(periods))
    for study_id, days in periods.items():
        if days:
            cut_off = engine.clock() - timedelta(days=days)
            erased += (await purge(engine.store, study_id, cut_off, cache_dir=cache_dir)).interviews
    await finish_withdrawals(engine.store, cache_dir)
    if erased:
        log.info("retention: erased the content of %d interview(s)", erased)
    return erased


async def _without_a_file(engine: Engine, loaded: set[str]) -> dict[str, int | None]:
    """Studies whose file is no longer in STUDIES_DIR: the retention_days of their newest stored plan, so
    that taking a finished study's file away does not keep its interviews for ever."""
    async with engine.store.session() as s:
        rows = (await s.exec(select(StudyVersion.study_id, StudyVersion.version, StudyVersion.content))).all()
    newest: dict[str, tuple[int, Any]] = {}
    for study_id, version, content in rows:
        if study_id not in loaded and version > newest.get(study_id, (0, {}))[0]:
            newest[study_id] = (version, content or {})
    found: dict[str, int | None] = {}
    for study_id, (version, content) in newest.items():
        days = content.get("retention_days")
        if isinstance(days, int) and days > 0:
            log.debug("retention: study %s has no file; its plan v%d keeps %d days", study_id, version, days)
            found[study_id] = days
    return found
