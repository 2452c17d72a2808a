"""Erasure: everything a participant wrote or chose is hard-deleted; each interview row stays as a
content-free tombstone. Withdrawal erases all of a participant's interviews in one study; retention
(`bot.records.retention`) erases interviews past the study's retention period the same way.

What goes, per erased interview: turns (both sides: the interviewer's questions may echo answers),
screening and survey answers, consent answers, the progress JSON (it carries screening answers for the
interviewer), the text and answered labels of every outbound message (a `mydata` reply quotes the whole
transcript), unsent messages (cancelled), and the text, choice and prompt of the participant's inbound
events, with the error a failed try of one recorded (it may quote the value that failed). What stays:
the interview row (study, version, state, times, pseudonymous code) and the participant row (platform
id, time zone, opt-out), which carry nothing the participant wrote.
Withdrawal alone also queues the deletion of the bot's own messages from the participant's DM
(`retract_sent`); retention and `db purge` erase the researchers' copy and leave the DM alone.
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
from bot.messages import RETRACTION, utcnow
from bot.records.derived import invalidate
from bot.storage import Store, core_connection
from bot.storage.models import (
    UNWRITTEN,
    AuditEntry,
    ConsentRecord,
    InboxRow,
    Interview,
    InvitationRow,
    OutboxRow,
    ScreeningAnswer,
    SurveyAnswer,
    Turn,
    table_of,
)

log = logging.getLogger(__name__)
Database = AsyncSession | AsyncConnection  # an ORM session's transaction, or a Core connection's
_OUTBOX = table_of(OutboxRow)
# an inbound event's content; its last failure too, whose message may quote the value that failed
_BLANK_INBOX: dict[str, Any] = {"text": "", "choice": None, "prompt": None, "error": None}
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
        .where(
            outbox,
            col(OutboxRow.status).in_(["pending", "sending"]),
            col(OutboxRow.purpose) != RETRACTION,  # a deletion still to do is not called off
        )
        .values(status="cancelled"),
    )
    await _execute(db, sa.update(OutboxRow).where(outbox).values(text="", answered_label=None, error=None))
    await _execute(
        db,
        sa.update(InboxRow).where(col(InboxRow.interview_id).in_(ids)).values(**_BLANK_INBOX),
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
    await _execute(db, sa.update(InboxRow).where(*where).values(**_BLANK_INBOX))


async def retract_sent(db: Database, interview_ids: list[int], now: datetime) -> int:
    """Withdrawal: queue the deletion from the platform of every message the bot sent in these
    interviews (`bot.engine.retraction`). Each sent row's message id moves to a `retraction` row, which
    keeps it until the deletion is done, so no later erasure queues it twice. Messages sent after an
    interview's earlier erasure (the reply confirming a withdrawal) stay. Returns how many were queued."""
    if not interview_ids:
        return 0
    interviews = table_of(Interview)
    sent = sa.and_(
        _OUTBOX.c.interview_id.in_(interview_ids),
        _OUTBOX.c.status == "sent",
        _OUTBOX.c.platform_message_id.is_not(None),
        _OUTBOX.c.purpose != RETRACTION,
        ~sa.exists().where(
            interviews.c.id == _OUTBOX.c.interview_id,
            interviews.c.erased_at.is_not(None),
            interviews.c.erased_at <= _OUTBOX.c.created_at,
        ),
    )
    columns = (_OUTBOX.c.id, _OUTBOX.c.platform, _OUTBOX.c.workspace, _OUTBOX.c.user_id)
    found = (
        await _execute(
            db, sa.select(*columns, _OUTBOX.c.interview_id, _OUTBOX.c.platform_message_id).where(sent)
        )
    ).all()
    if not found:
        return 0
    queued = [
        {
            "key": f"retract:{row.id}",
            "platform": row.platform,
            "workspace": row.workspace,
            "user_id": row.user_id,
            "text": "",
            "choices": [],
            "interview_id": row.interview_id,
            "purpose": RETRACTION,
            "status": "pending",
            "attempts": 0,
            "not_before": now,
            "created_at": now,
            "platform_message_id": row.platform_message_id,
        }
        for row in found
    ]
    await _execute(db, sa.insert(_OUTBOX).values(queued))
    await _execute(
        db,
        sa.update(_OUTBOX)
        .where(_OUTBOX.c.id.in_([row.id for row in found]))
        .values(platform_message_id=None),
    )
    return len(found)


async def withdraw(db: Database, participant_id: int, participant_key: str, study_id: str) -> Erased:
    """Withdrawal: erase every interview the participant has in `study_id`, and their inbox texts, and
    queue the deletion of the bot's messages in those interviews from the platform, and forget the
    follow-up wave invitations of theirs that could not be written (`bot.outreach.set_aside`)."""
    found = await _execute(
        db,
        sa.select(col(Interview.id), col(Interview.participant_code), col(Interview.data)).where(
            col(Interview.participant_id) == participant_id, col(Interview.study_id) == study_id
        ),
    )
    interviews = list(found.all())
    now = utcnow()
    retracted = await retract_sent(db, [row[0] for row in interviews], now)
    erased = await erase_interviews(db, interviews, withdrawn=True, now=now)
    await blank_inbox(db, participant_key)
    # a follow-up wave invitation never written is no longer a problem to mend: nobody is to invite them
    await _execute(
        db,
        sa.delete(InvitationRow).where(
            col(InvitationRow.participant_id) == participant_id,
            col(InvitationRow.study_id) == study_id,
            col(InvitationRow.status) == UNWRITTEN,
        ),
    )
    await _execute(
        db,
        sa.insert(AuditEntry).values(
            study_id=study_id,
            actor="participant",
            action="withdrawal",
            outcome="ok",
            # no code, no content
            detail={"interviews": len(erased.interview_ids), "platform_messages": retracted},
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
