"""Scheduled messages are checked again when they fall due, not only when they were planned.

An invitation or reminder is planned hours or days ahead; by the time it is due the member may have
started, finished or stopped the interview, the study file may allow fewer reminders or other hours, and
a bot that was down, rate limited or slower than planned may reach the row outside the member's send
window. So the dispatcher hands every due invitation and reminder to `hold_back` before claiming it:

- a message that is no longer wanted is cancelled: an invitation (or a reminder of one) once the
  interview has started or ended, a reminder of an interview that has ended, is paused, or saw the
  participant since the reminder was planned, a reminder past the study's `max_reminders`, anything to
  a member who opted out or whom a DM since failed to reach (unreachable). A cancelled reminder no
  longer counts as sent, so planning decides afresh (a later reminder, or expiry);
- a message due outside the study's window, quiet hours or days in the member's zone waits for the next
  allowed instant, and its invitation's `last_contact_at` moves with it, so the next reminder keeps its
  spacing from the one actually sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.interview.conversation import State
from bot.messages import BULK_PURPOSES
from bot.storage.models import Interview, InvitationRow, OutboxRow, Participant
from bot.studies.catalog import Catalog
from bot.studies.study import Study
from bot.studies.timing import allowed, next_send_time, zone

MIDWAY = frozenset({State.AWAITING_CONSENT, State.SCREENING, State.INTERVIEWING, State.SURVEYING})


def reminder_number(key: str) -> int | None:
    """N of a reminder's outbox key `inv:<study>:<wave>:<participant>:reminder:N`."""
    head, _, tail = key.rpartition(":")
    return int(tail) if head.endswith(":reminder") and tail.isdigit() else None


def _wanted(row: Any, interview: Any, study: Study | None) -> bool:
    if study is None or interview.opted_out or interview.unreachable:
        return False
    state = State(interview.state)
    if row.purpose == "invitation" or row.prompt == "start":  # the invitation, or a reminder of it
        wanted = state is State.INVITED
    else:  # "our interview is waiting for you": only while it is, and nobody has written since
        wanted = state in MIDWAY and interview.updated_at <= row.created_at
    if row.purpose == "reminder":
        number = reminder_number(row.key) or 0
        wanted = wanted and study.invitation is not None and number <= study.invitation.max_reminders
    return wanted


async def hold_back(s: AsyncSession, rows: Sequence[Any], now: datetime, catalog: Catalog) -> set[int]:
    """Cancel or postpone the due scheduled rows among `rows` (id, key, purpose, prompt, interview_id,
    created_at); returns the ids that must not be sent now."""
    scheduled = [r for r in rows if r.purpose in BULK_PURPOSES]
    ids = {r.interview_id for r in scheduled if r.interview_id is not None}
    if not ids:
        return set()
    connection = await s.connection()
    found = await connection.execute(
        sa.select(
            col(Interview.id),
            col(Interview.state),
            col(Interview.study_id),
            col(Interview.updated_at),
            col(Participant.timezone),
            col(Participant.opted_out),
            col(Participant.unreachable),  # a failed DM since: another try only counts against the bot
        )
        .join(Participant, col(Participant.id) == col(Interview.participant_id))
        .where(col(Interview.id).in_(ids))
    )
    interviews = {r.id: r for r in found.all()}
    held: set[int] = set()
    for row in scheduled:
        interview = interviews.get(row.interview_id)
        if interview is None:
            continue  # not an interview's message: nothing to check it against
        study = catalog.get(interview.study_id)
        if not _wanted(row, interview, study):
            await drop(s, row, "no longer wanted when it fell due")
            held.add(row.id)
            continue
        assert study is not None
        sched = study.schedule
        tz = zone(interview.timezone, sched.timezone)
        if not allowed(now, tz, sched.send_window, sched.quiet_hours, sched.days):
            due = next_send_time(now, tz, sched.send_window, sched.quiet_hours, sched.days)
            await _postpone(s, row, due)
            held.add(row.id)
    return held


async def drop(s: AsyncSession, row: Any, why: str) -> None:
    """Cancel a pending scheduled row (id, key, interview_id); a reminder no longer counts as sent."""
    number = reminder_number(row.key)
    # a dropped reminder gives up its key: the reminder planned afresh under the same number needs it
    key = row.key if number is None else f"{row.key}:dropped:{row.id}"
    await s.exec(
        update(OutboxRow)
        .where(col(OutboxRow.id) == row.id, col(OutboxRow.status) == "pending")
        .values(status="cancelled", error=why, key=key)
    )
    if number is not None:  # not sent: planning decides afresh whether and when the next one goes
        await s.exec(
            update(InvitationRow)
            .where(
                col(InvitationRow.interview_id) == row.interview_id,
                col(InvitationRow.reminders_sent) == number,
            )
            .values(reminders_sent=number - 1)
        )


async def _postpone(s: AsyncSession, row: Any, due: datetime) -> None:
    await s.exec(
        update(OutboxRow)
        .where(col(OutboxRow.id) == row.id, col(OutboxRow.status) == "pending")
        .values(not_before=due)
    )
    await s.exec(
        update(InvitationRow)
        .where(col(InvitationRow.interview_id) == row.interview_id, col(InvitationRow.last_contact_at) < due)
        .values(last_contact_at=due)
    )
