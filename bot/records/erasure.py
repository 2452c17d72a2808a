"""Erasure: everything a participant wrote or chose is hard-deleted; each interview row stays as a
content-free tombstone. Withdrawal erases all of a participant's interviews in one study; retention
(`bot.records.retention`) erases interviews past the study's retention period the same way.

What goes, per erased interview: turns (both sides: the interviewer's questions may echo answers),
screening and survey answers, consent answers, the progress JSON (it carries screening answers for the
interviewer), the text and answered labels of every outbound message (a `mydata` reply quotes the whole
transcript), unsent messages (cancelled), and the text, choice and prompt of the participant's inbound
events. What stays: the interview row (study, version, state, times, pseudonymous code) and the
participant row (platform id, time zone, opt-out), which carry nothing the participant wrote.
After the transaction commits, `after_erasure` checkpoints SQLite's write-ahead log and deletes the
analysis cache files derived from the erased interviews.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Executable
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.interview.conversation import TERMINAL, Progress, State
from bot.messages import utcnow
from bot.records.derived import invalidate
from bot.storage import Store, core_connection
from bot.storage.models import (
    AuditEntry,
    ConsentRecord,
    InboxRow,
    Interview,
    OutboxRow,
    ScreeningAnswer,
    SurveyAnswer,
    Turn,
)

log = logging.getLogger(__name__)
Database = AsyncSession | AsyncConnection  # an ORM session's transaction, or a Core connection's
CHECKPOINT_TRIES = 20  # a reader holding the write-ahead log makes a checkpoint report busy: retry


@dataclass
class Erased:
    """What one erasure touched, for the work that must wait until its transaction has committed."""

    interview_ids: list[int] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)  # participant codes: the analysis cache's keys

    def __bool__(self) -> bool:
        return bool(self.interview_ids)


async def _execute(db: Database, statement: Executable) -> CursorResult[Any]:
    """Run a Core statement on an ORM session's transaction or on a Core connection."""
    connection = await core_connection(db)
    return await connection.execute(statement)


async def erase_interviews(
    db: Database, interviews: Iterable[Sequence[Any]], *, withdrawn: bool, now: datetime
) -> Erased:
    """Delete the content of each (id, participant code, progress JSON) interview; keep tombstones.

    `withdrawn` also moves the interviews to the terminal `withdrawn` state. Retention keeps the state
    they ended in, so status counts stay true, and closes an unfinished one as `expired`: left open, it
    would go on and gather new content beside a tombstone that no later erasure or `mydata` reaches."""
    erased = Erased()
    for interview_id, code, data in interviews:
        erased.interview_ids.append(interview_id)
        erased.codes.add(code)
        old = Progress.from_json(data)
        values: dict[str, Any] = {
            "data": Progress(out_seq=old.out_seq, turn_seq=old.turn_seq).to_json(),  # counters only
            "erased_at": now,
            "move_due_at": None,
        }
        if withdrawn:
            values["state"] = State.WITHDRAWN.value
        await _execute(db, sa.update(Interview).where(col(Interview.id) == interview_id).values(**values))
        if not withdrawn:
            await _execute(
                db,
                sa.update(Interview)
                .where(col(Interview.id) == interview_id, col(Interview.state).not_in(sorted(TERMINAL)))
                .values(state=State.EXPIRED.value),
            )
    ids = erased.interview_ids
    if not ids:
        return erased
    for model in (Turn, ScreeningAnswer, SurveyAnswer, ConsentRecord):
        await _execute(db, sa.delete(model).where(col(model.interview_id).in_(ids)))
    outbox = col(OutboxRow.interview_id).in_(ids)
    await _execute(
        db,
        sa.update(OutboxRow)
        .where(outbox, col(OutboxRow.status).in_(["pending", "sending"]))
        .values(status="cancelled"),
    )
    await _execute(db, sa.update(OutboxRow).where(outbox).values(text="", answered_label=None, error=None))
    await _execute(
        db,
        sa.update(InboxRow)
        .where(col(InboxRow.interview_id).in_(ids))
        .values(text="", choice=None, prompt=None),
    )
    return erased


async def blank_inbox(db: Database, participant_key: str, *, before: datetime | None = None) -> None:
    """Blank the participant's processed inbound events (from first contact on, or up to `before`).

    An event is a delivery record: once processed, what it said lives in the interview's own rows, so
    blanking every processed event of the participant loses nothing a study still holds. Unprocessed
    events stay, to be answered."""
    where = [col(InboxRow.participant_key) == participant_key, col(InboxRow.processed_at).is_not(None)]
    if before is not None:
        where.append(col(InboxRow.received_at) < before)
    await _execute(db, sa.update(InboxRow).where(*where).values(text="", choice=None, prompt=None))


async def withdraw(db: Database, participant_id: int, participant_key: str, study_id: str) -> Erased:
    """Withdrawal: erase every interview the participant has in `study_id`, and their inbox texts."""
    found = await _execute(
        db,
        sa.select(col(Interview.id), col(Interview.participant_code), col(Interview.data)).where(
            col(Interview.participant_id) == participant_id, col(Interview.study_id) == study_id
        ),
    )
    erased = await erase_interviews(db, list(found.all()), withdrawn=True, now=utcnow())
    await blank_inbox(db, participant_key)
    await _execute(
        db,
        sa.insert(AuditEntry).values(
            study_id=study_id,
            actor="participant",
            action="withdrawal",
            outcome="ok",
            detail={"interviews": len(erased.interview_ids)},  # no code, no content
            created_at=utcnow(),
        ),
    )
    return erased


async def checkpoint(store: Store) -> bool:
    """SQLite: copy the write-ahead log into the database and truncate it, so deleted text no longer
    sits in the `-wal` file (with `secure_delete` on, the freed pages of the database are zeroed).
    True when the log was truncated; PostgreSQL has nothing to do here (see docs/privacy.md)."""
    if not store.is_sqlite:
        return True
    for _ in range(CHECKPOINT_TRIES):
        async with store.autocommit_engine.connect() as conn:
            busy = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).first()
        if busy is None or not busy[0]:
            return True
        await asyncio.sleep(0.05)
    log.warning("the write-ahead log could not be truncated after an erasure; the next erasure retries")
    return False


async def after_erasure(store: Store, erased: Erased, cache_dir: Path | None) -> None:
    """Once the erasure has committed: truncate SQLite's log, delete derived analysis cache files."""
    if not erased:
        return
    await checkpoint(store)
    if cache_dir is not None:
        removed = await asyncio.to_thread(invalidate, cache_dir, erased.codes)
        if removed:
            log.info("erasure removed %d analysis cache file(s)", removed)
