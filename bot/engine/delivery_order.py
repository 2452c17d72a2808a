"""One person's messages in order, and never late: the outbox queries that keep delivery in sequence.

- A reply or notice waits while an earlier one to the same person is rate limited or being sent by
  another worker (`earlier_open`).
- A reply whose turn has been superseded (a later reply to the same person already went out, e.g. after
  a kill between sending and recording and a lease that ran out) is dropped, not delivered late
  (`later_sent`).
- A terminal session, the only way to reach its person, takes over the claims a killed session left
  (`release_claims`) and can show again what was last sent (`last_sent`) and the question still open
  (`open_question`).
Invitations and reminders are scheduled ahead of time and keep their own order; these rules concern
the conversation (purposes `reply` and `notice`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.engine.outbox import RESENDABLE
from bot.interview.conversation import State
from bot.messages import RETRACTION, Address
from bot.storage import Store
from bot.storage.models import Interview, OutboxRow, Turn, table_of

CONVERSATION = ("reply", "notice")
ASKING = frozenset({State.AWAITING_CONSENT, State.SCREENING, State.INTERVIEWING, State.SURVEYING})
QUESTION_LOOKBACK = 20  # latest messages searched for the open question (help, mydata... come after it)
SUPERSEDED = "the conversation moved on before this was sent; not sent late"
_LATER = aliased(OutboxRow)
_OUTBOX = table_of(OutboxRow)


def _same_person_conversation() -> Any:
    """`_LATER` is a reply or notice to the same person as the outbox row in the outer query."""
    return and_(
        col(_LATER.platform) == col(OutboxRow.platform),
        col(_LATER.workspace) == col(OutboxRow.workspace),
        col(_LATER.user_id) == col(OutboxRow.user_id),
        col(_LATER.purpose).in_(CONVERSATION),
    )


def later_sent() -> Any:
    """A later reply to the same person went out: this one would arrive late and out of order."""
    return exists().where(
        _same_person_conversation(), col(_LATER.id) > col(OutboxRow.id), col(_LATER.status) == "sent"
    )


def earlier_open(now: datetime) -> Any:
    """An earlier reply to the same person is still waiting (rate limited) or being sent elsewhere:
    this one waits behind it, so one person's messages arrive in order."""
    waiting = (col(_LATER.status) == "pending") & (col(_LATER.not_before) > now)
    sending = (col(_LATER.status) == "sending") & (col(_LATER.lease_until) >= now)
    return and_(
        col(OutboxRow.purpose).in_(CONVERSATION),
        exists().where(
            _same_person_conversation(), col(_LATER.id) < col(OutboxRow.id), or_(waiting, sending)
        ),
    )


async def release_claims(store: Store, now: datetime, address: Address) -> int:
    """Let claims on `address`'s rows lapse now. Only for a sender that is the one process able to
    reach that person (a terminal session): the claims it finds were left by a session that died."""
    async with store.connection() as conn:
        released = await conn.execute(
            update(_OUTBOX)
            .where(
                _OUTBOX.c.platform == address.platform,
                _OUTBOX.c.workspace == address.workspace,
                _OUTBOX.c.user_id == address.user_id,
                _OUTBOX.c.status == "sending",
                _OUTBOX.c.lease_until >= now,
            )
            .values(lease_until=now - timedelta(seconds=1))
        )
    return int(released.rowcount or 0)


async def next_lapse(store: Store, now: datetime) -> datetime | None:
    """When the earliest claim still held lapses (a claim left by a process that died), if any."""
    async with store.session() as s:
        found = await s.exec(
            select(func.min(OutboxRow.lease_until)).where(
                col(OutboxRow.status) == "sending", col(OutboxRow.lease_until) >= now
            )
        )
        return found.one()


async def last_sent(store: Store, address: Address) -> OutboxRow | None:
    """The latest reply or notice `address` was sent."""
    async with store.session() as s:
        return (await s.exec(_conversation_sent(address).limit(1))).first()


def _conversation_sent(address: Address) -> SelectOfScalar[OutboxRow]:
    """The replies and notices sent to `address`, newest first."""
    return (
        select(OutboxRow)
        .where(
            OutboxRow.platform == address.platform,
            OutboxRow.workspace == address.workspace,
            OutboxRow.user_id == address.user_id,
            OutboxRow.status == "sent",
            col(OutboxRow.purpose).in_(CONVERSATION),
        )
        .order_by(col(OutboxRow.id).desc())
    )


async def open_question(store: Store, address: Address) -> OutboxRow | None:
    """The question `address`'s latest interview waits on, as it was sent: the latest message with
    buttons, or carrying the interviewer's latest question. None when that interview is paused or over
    (nothing is asked), or when the latest message sent is that question already."""
    async with store.session() as s:
        of_interviews = _conversation_sent(address).where(col(OutboxRow.interview_id).is_not(None))
        rows = (await s.exec(of_interviews.limit(QUESTION_LOOKBACK))).all()
        if not rows:
            return None
        interview = await s.get(Interview, rows[0].interview_id)
        if interview is None or State(interview.state) not in ASKING:
            return None
        asked = (
            await s.exec(
                select(Turn.text)
                .where(Turn.interview_id == interview.id, Turn.role == "interviewer")
                .order_by(col(Turn.seq).desc())
                .limit(1)
            )
        ).first()
        for row in rows:
            if row.interview_id == interview.id and (row.prompt or (asked and asked.strip() in row.text)):
                return None if row is rows[0] else row
        return None


async def settle_lapsed(s: AsyncSession, now: datetime, due: Any) -> None:
    """Before claiming: an invitation or reminder whose send was interrupted is not sent again (a missed
    one beats a double); a reply or notice overtaken by a later message sent to the same person is
    superseded. An interrupted retraction is tried again: deleting twice finds the message gone."""
    await s.exec(
        update(OutboxRow)
        .where(
            col(OutboxRow.status) == "sending",
            col(OutboxRow.lease_until) < now,
            col(OutboxRow.purpose).not_in((*RESENDABLE, RETRACTION)),
        )
        .values(status="failed", error="interrupted while sending; not sent again", lease_until=None)
    )
    await s.exec(
        update(OutboxRow)
        .where(due, col(OutboxRow.purpose).in_(RESENDABLE), later_sent())
        .values(status="superseded", error=SUPERSEDED, lease_until=None)
    )
