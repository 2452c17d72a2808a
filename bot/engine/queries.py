"""The engine's hot-path statements, built once with bind parameters: building a statement costs more
than running it from SQLAlchemy's compiled cache. Core statements where rows are only read or written
(no ORM objects to create or flush); ORM selects where the engine works with the objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, insert
from sqlmodel import col, select

from bot.storage.models import (
    ConsentRecord,
    InboxRow,
    Interview,
    OutboxRow,
    Participant,
    ScreeningAnswer,
    SurveyAnswer,
    Turn,
    table_of,
)

INBOX = table_of(InboxRow)
INSERT_INBOX = insert(INBOX)
# Marks a participant's unprocessed events processed and returns them; a concurrent worker's claim
# waits for the first to commit and then finds none. Undone with the transaction if processing fails.
CLAIM_INBOX = (
    sa.update(INBOX)
    .where(INBOX.c.participant_key == bindparam("key"), INBOX.c.processed_at.is_(None))
    .values(processed_at=bindparam("now"))
    .returning(*INBOX.c)
)
# The same, for chosen rows only: after a failure each event is tried on its own (bot.engine.dead_letters).
CLAIM_INBOX_IDS = (
    sa.update(INBOX)
    .where(INBOX.c.id.in_(bindparam("ids", expanding=True)), INBOX.c.processed_at.is_(None))
    .values(processed_at=bindparam("now"))
    .returning(*INBOX.c)
)
# Once applied, an event's text lives where the step put it (turns, answers) or nowhere (a greeting before
# consent, a command, a message after the interview closed): the delivery record keeps no copy of it.
FORGET_INBOX_TEXT = sa.update(INBOX).where(INBOX.c.id.in_(bindparam("ids", expanding=True))).values(text="")
UNPROCESSED_INBOX = (
    sa.select(INBOX)
    .where(INBOX.c.participant_key == bindparam("key"), INBOX.c.processed_at.is_(None))
    .order_by(INBOX.c.received_at, INBOX.c.id)
)


def written_order(row: sa.Row[Any]) -> tuple[datetime, int]:
    """Events in the order they were written: a message read back from a platform's history after a
    downtime counts as received when it was sent, so it goes before a live one stored while it was read."""
    return row.received_at, row.id


_NEWER = INBOX.alias("newer")
# The same claim, but only once the participant has been quiet: none of their unprocessed messages
# arrived after `cutoff` (clicks do not restart the window, but wait behind the messages before them).
# Checked in the claim itself, so a worker whose own timer fired never answers a message another worker
# received a moment ago.
CLAIM_INBOX_QUIET = CLAIM_INBOX.where(
    ~sa.exists()
    .where(
        _NEWER.c.participant_key == bindparam("key"),
        _NEWER.c.processed_at.is_(None),
        _NEWER.c.choice.is_(None),
        _NEWER.c.received_at > bindparam("cutoff"),
    )
    .correlate(None)
)
# When the newest unprocessed message of a participant arrived (None: only clicks, or nothing, waits)
NEWEST_PENDING = sa.select(sa.func.max(INBOX.c.received_at)).where(
    INBOX.c.participant_key == bindparam("key"), INBOX.c.processed_at.is_(None), INBOX.c.choice.is_(None)
)
# Who has unprocessed events, with the arrival of their newest unprocessed message (None: clicks only)
WAITING_PARTICIPANTS = (
    sa.select(
        INBOX.c.platform,
        INBOX.c.workspace,
        INBOX.c.user_id,
        sa.func.max(sa.case((INBOX.c.choice.is_(None), INBOX.c.received_at), else_=None)).label("newest"),
    )
    .where(INBOX.c.processed_at.is_(None))
    .group_by(INBOX.c.platform, INBOX.c.workspace, INBOX.c.user_id)
)
INTERVIEWS = table_of(Interview)
INSERT_TURN = insert(table_of(Turn))
# Built once, with bind parameters; an UPDATE without .values() sets the columns its parameters name.
SAVE_INTERVIEW = sa.update(INTERVIEWS).where(INTERVIEWS.c.id == bindparam("interview_id"))
# Turn columns the interviewer's bookkeeping fills in; participant turns keep these values
TURN_DEFAULTS: dict[str, object] = {
    "topic_id": None,
    "move": None,
    "covered": [],
    "followups_used": 0,
    "flags": [],
    "model": None,
    "input_tokens": 0,
    "output_tokens": 0,
    "cache_read_tokens": 0,
    "cache_write_tokens": 0,
}
# Built once: constructing a statement costs more than executing it from the compiled cache.
PARTICIPANT = select(Participant).where(
    Participant.platform == bindparam("platform"),
    Participant.workspace == bindparam("workspace"),
    Participant.user_id == bindparam("user_id"),
)
PARTICIPANT_FOR_UPDATE = PARTICIPANT.with_for_update()
INTERVIEW_ROW = sa.select(
    INTERVIEWS.c.id,
    INTERVIEWS.c.state,
    INTERVIEWS.c.data,
    INTERVIEWS.c.move_due_at,
    INTERVIEWS.c.completed_at,
).where(INTERVIEWS.c.id == bindparam("id"))
INTERVIEW_ROW_FOR_UPDATE = INTERVIEW_ROW.with_for_update()
INTERVIEW_LATEST = (
    select(Interview)
    .where(Interview.participant_id == bindparam("participant_id"))
    .order_by(col(Interview.id).desc())
)
INTERVIEW_BY_ID = INTERVIEW_LATEST.where(Interview.id == bindparam("id"))
INTERVIEW_BY_STUDY = INTERVIEW_LATEST.where(Interview.study_id == bindparam("study_id"))


def participant_with(which: str, for_update: bool) -> Any:
    """The participant (locked on PostgreSQL: one writer per participant) with, in the same round trip,
    the interview an event is for: `which` is "id" (the event names it), "study" (the latest of that
    study) or "latest"; the interview is None when there is none."""
    mine = INTERVIEWS.alias("mine")
    extra = {"id": [mine.c.id == bindparam("id")], "study": [mine.c.study_id == bindparam("study_id")]}
    latest = (
        sa.select(mine.c.id)
        .where(mine.c.participant_id == Participant.id, *extra.get(which, []))
        .order_by(mine.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(Participant, Interview)
        .outerjoin(Interview, col(Interview.id) == latest)
        .where(
            Participant.platform == bindparam("platform"),
            Participant.workspace == bindparam("workspace"),
            Participant.user_id == bindparam("user_id"),
        )
    )
    return query.with_for_update(of=Participant) if for_update else query


PARTICIPANT_WITH = {(w, u): participant_with(w, u) for w in ("id", "study", "latest") for u in (True, False)}
OUTBOX = table_of(OutboxRow)
ASKED = OUTBOX.alias("asked")
# The latest message that asked `prompt` in the interview gets its answer's label, once; the row is
# returned so that a sent message's buttons can be replaced by the answer.
MARK_ANSWERED = (
    sa.update(OUTBOX)
    .where(
        OUTBOX.c.id
        == sa.select(ASKED.c.id)
        .where(ASKED.c.interview_id == bindparam("in_interview"), ASKED.c.prompt == bindparam("asked"))
        .order_by(ASKED.c.id.desc())
        .limit(1)
        .scalar_subquery(),
        OUTBOX.c.answered_label.is_(None),
    )
    .values(answered_label=bindparam("label"))
    .returning(*OUTBOX.c)
)
INSERT_SCREENING = insert(table_of(ScreeningAnswer))
INSERT_SURVEY = insert(table_of(SurveyAnswer))
INSERT_CONSENT = insert(table_of(ConsentRecord))
# Periodic work (`Engine.tick`, `apply_event`, `catch_up`): not the hot path, but built once all the same.
PARTICIPANTS = table_of(Participant)
INTERVIEW = select(Interview).where(Interview.id == bindparam("id"))
INTERVIEW_FOR_UPDATE = INTERVIEW.with_for_update()
INTERVIEW_OWNER = (
    sa.select(PARTICIPANTS.c.platform, PARTICIPANTS.c.workspace, PARTICIPANTS.c.user_id)
    .join(INTERVIEWS, INTERVIEWS.c.participant_id == PARTICIPANTS.c.id)
    .where(INTERVIEWS.c.id == bindparam("id"))
)
# Interviews whose interviewer move is due (after a restart, or a retry after an outage), with their owner
MOVES_DUE = (
    sa.select(INTERVIEWS.c.id, PARTICIPANTS.c.platform, PARTICIPANTS.c.workspace, PARTICIPANTS.c.user_id)
    .join(PARTICIPANTS, PARTICIPANTS.c.id == INTERVIEWS.c.participant_id)
    .where(INTERVIEWS.c.move_due_at <= bindparam("now"))
)
MOVES_DUE_FOR = MOVES_DUE.where(
    PARTICIPANTS.c.platform == bindparam("platform"),
    PARTICIPANTS.c.workspace == bindparam("workspace"),
    PARTICIPANTS.c.user_id == bindparam("user_id"),
)
