"""A participant's preferences, as the engine and the commands write them: opting out of invitations,
declining one with "Not now" (and taking part after all), snoozing reminders, and their time zone.

Each write also settles the queued invitations and reminders it affects, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine.outreach_gate import drop
from bot.messages import BULK_PURPOSES, Address
from bot.storage import Store
from bot.storage.models import InvitationRow, OutboxRow, Participant
from bot.studies.study import parse_duration

OPTED_OUT = "opted_out"  # an invitation's status once an opt-out closed it: `optin` opens it again
CLOSED = ("closed", OPTED_OUT)


async def _cancel(s: AsyncSession, outbox: Any, invitation: Any, why: str, closed: str = "closed") -> None:
    """Cancel the queued invitations and reminders matching `outbox`; close the invitations matching
    `invitation` (status `closed`)."""
    await s.exec(
        update(OutboxRow)
        .where(outbox, col(OutboxRow.purpose).in_(BULK_PURPOSES), col(OutboxRow.status) == "pending")
        .values(status="cancelled", error=why)
    )
    await s.exec(
        update(InvitationRow).where(invitation, col(InvitationRow.status) == "open").values(status=closed)
    )


async def set_opted_out(s: AsyncSession, participant: Participant, value: bool, now: datetime) -> None:
    """Opt a participant out of invitations, or back in.

    Opting out cancels what is queued (a queued reminder gives its number back, as one the outreach gate
    drops) and closes their open invitations as `opted_out`. Opting back in opens those again, quiet
    from `now`: nothing cancelled is sent again, the next reminder comes a study's `reminder_after`
    later, within its `max_reminders` (each number at most once), and it is the invitation itself when
    the invitation never arrived. Invitations closed otherwise ("Not now", expiry) stay closed."""
    was_out = participant.opted_out
    participant.opted_out = value
    s.add(participant)
    mine = (
        (col(OutboxRow.platform) == participant.platform)
        & (col(OutboxRow.workspace) == participant.workspace)
        & (col(OutboxRow.user_id) == participant.user_id)
    )
    if value:
        queued = await s.exec(
            select(OutboxRow.id, OutboxRow.key, OutboxRow.interview_id).where(
                mine, col(OutboxRow.purpose) == "reminder", col(OutboxRow.status) == "pending"
            )
        )
        for row in queued.all():
            await drop(s, row, "participant opted out")
        why = "participant opted out"
        await _cancel(s, mine, col(InvitationRow.participant_id) == participant.id, why, OPTED_OUT)
    elif was_out:
        await s.exec(
            update(InvitationRow)
            .where(
                col(InvitationRow.participant_id) == participant.id, col(InvitationRow.status) == OPTED_OUT
            )
            .values(status="open", last_contact_at=now)
        )


async def close_invitation(s: AsyncSession, interview_id: int | None) -> None:
    """ "Not now": this interview's invitation gets no more reminders; queued ones are cancelled."""
    await _cancel(
        s,
        col(OutboxRow.interview_id) == interview_id,
        col(InvitationRow.interview_id) == interview_id,
        "invitation declined (not now)",
    )


async def reopen_invitation(s: AsyncSession, interview_id: int | None, now: datetime) -> None:
    """A late "Take part" after "Not now": the invitation is open again, so a stalled interview is
    reminded as any other; its reminder count carries on from where it was."""
    await s.exec(
        update(InvitationRow)
        .where(col(InvitationRow.interview_id) == interview_id, col(InvitationRow.status).in_(CLOSED))
        .values(status="open", last_contact_at=now)
    )


async def snooze(s: AsyncSession, interview_id: int | None, now: datetime, duration: str) -> None:
    """No reminders for this interview for `duration`; its queued reminders move past it too."""
    until = now + parse_duration(duration)
    await s.exec(
        update(InvitationRow)
        .where(col(InvitationRow.interview_id) == interview_id)
        .values(snoozed_until=until)
    )
    await s.exec(
        update(OutboxRow)
        .where(
            col(OutboxRow.interview_id) == interview_id,
            col(OutboxRow.purpose).in_(BULK_PURPOSES),
            col(OutboxRow.status) == "pending",
            col(OutboxRow.not_before) < until,
        )
        .values(not_before=until)
    )


async def set_timezone(store: Store, who: Address, zone_name: str) -> None:
    """The IANA zone invitations and reminders use for `who` (a participant row is made if needed)."""
    async with store.session() as s:
        found = (
            await s.exec(
                select(Participant).where(
                    Participant.platform == who.platform,
                    Participant.workspace == who.workspace,
                    Participant.user_id == who.user_id,
                )
            )
        ).first()
        participant = found or Participant(
            platform=who.platform, workspace=who.workspace, user_id=who.user_id
        )
        participant.timezone = zone_name
        participant.timezone_chosen = True  # kept when a later invitation reads the profile's zone
        s.add(participant)
