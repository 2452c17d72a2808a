"""The invitation funnel of a study, per wave (the main interview, then each follow-up) and per group."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from bot.engine.engine import Engine
from bot.interview.conversation import State
from bot.outreach.invitations import MAIN
from bot.storage.models import ConsentRecord, Interview, InvitationRow, OutboxRow, Participant
from bot.studies.study import Study


@dataclass(frozen=True)
class Invited:
    """One invitation and how far it got."""

    wave: str
    group: str | None
    state: str
    reached: bool  # the invitation message was delivered
    unreachable: bool
    consented: bool
    answered_consent: bool  # said yes or no to the consent question; "Not now" never reaches it
    created_at: datetime | None
    completed_at: datetime | None


def counts(invited: list[Invited]) -> dict[str, int]:
    """invited, reached, started, consented, completed, expired, declined ("Not now" included), unreachable."""
    states = Counter(i.state for i in invited)
    return {
        "invited": len(invited),
        "reached": sum(i.reached for i in invited),
        "started": sum(1 for i in invited if i.state != State.INVITED.value and not _not_now(i)),
        "consented": sum(i.consented for i in invited),
        "completed": states[State.COMPLETED.value],
        "expired": states[State.EXPIRED.value],
        "declined": states[State.DECLINED.value],
        "unreachable": sum(i.unreachable for i in invited),
    }


def _not_now(invited: Invited) -> bool:
    """Declined before the consent question: the invitation's "Not now" (counted as declined, not started)."""
    return invited.state == State.DECLINED.value and not invited.answered_consent


async def invitations(engine: Engine, study: Study) -> list[Invited]:
    """Every invitation of the study with its interview's outcome."""
    async with engine.store.connection() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    col(InvitationRow.wave),
                    col(InvitationRow.cohort_group),
                    col(Interview.id),
                    col(Interview.state),
                    col(Participant.unreachable),
                    col(OutboxRow.status),
                    col(Interview.created_at),
                    col(Interview.completed_at),
                )
                .join(Interview, col(Interview.id) == col(InvitationRow.interview_id))
                .join(Participant, col(Participant.id) == col(InvitationRow.participant_id))
                .join(OutboxRow, col(OutboxRow.interview_id) == col(Interview.id))
                .where(col(InvitationRow.study_id) == study.id, col(OutboxRow.purpose) == "invitation")
            )
        ).all()
        # keyed like the rows' interview ids, which the table declares optional (unset before insert)
        consent: dict[int | None, bool] = dict(
            (
                await conn.execute(
                    sa.select(col(ConsentRecord.interview_id), col(ConsentRecord.granted))
                    .join(Interview)
                    .where(col(Interview.study_id) == study.id, col(ConsentRecord.kind) == "participation")
                )
            ).all()
        )
    return [
        Invited(
            wave,
            group,
            state,
            reached=status == "sent",
            unreachable=bool(unreachable),
            consented=consent.get(iid) is True,
            answered_consent=iid in consent,
            created_at=start,
            completed_at=done,
        )
        for wave, group, iid, state, unreachable, status, start, done in rows
    ]


def _line(label: str, invited: list[Invited]) -> str:
    return f"{label}: " + ", ".join(f"{k} {v}" for k, v in counts(invited).items())


async def funnel_lines(engine: Engine, study: Study) -> list[str]:
    """The funnel for the main interview and then each follow-up wave, each split by roster group."""
    everyone = await invitations(engine, study)
    waves = [MAIN] + [w.id for w in study.schedule.waves]
    waves += sorted({i.wave for i in everyone} - set(waves))  # a wave since removed from the study file
    out: list[str] = []
    for wave in waves:
        invited = [i for i in everyone if i.wave == wave]
        if not invited:
            continue
        name = "main interview" if wave == MAIN else f"wave {wave}"
        out.append(_line(f"Invitation funnel, {name}", invited))
        minutes = [
            (i.completed_at - i.created_at).total_seconds() / 60
            for i in invited
            if i.completed_at is not None and i.created_at is not None
        ]
        if minutes:
            out.append(f"  median time to complete: {statistics.median(minutes):.0f} min")
        for group in sorted({i.group for i in invited if i.group}):
            out.append(_line(f"  group {group}", [i for i in invited if i.group == group]))
    return out
