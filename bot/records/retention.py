"""Retention: past a study's `retention_days`, participants' content is deleted the way a withdrawal
deletes it (`bot.records.erasure`); `interviewer db purge` does the same by hand for a cut-off date.

An interview is due when its last activity (`updated_at`) is older than the cut-off, whatever its state;
its row stays as a tombstone with the state it ended in. Exports already made are the researcher's and
are not touched. The periodic job also finishes withdrawals made before erasure covered a participant's
whole study (interviews `withdrawn` but not yet `erased_at`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from bot.messages import Address, utcnow
from bot.records.erasure import Erased, after_erasure, blank_inbox, erase_interviews, withdraw
from bot.storage import Store
from bot.storage.models import AuditEntry, Interview, Participant

log = logging.getLogger(__name__)
BATCH = 500  # interviews erased per transaction


@dataclass
class PurgeReport:
    interviews: int = 0
    participants: int = 0


async def purge(
    store: Store, study_id: str, before: datetime, *, cache_dir: Path | None, actor: str = "retention"
) -> PurgeReport:
    """Erase the content of `study_id`'s interviews whose last activity was before `before`."""
    report = PurgeReport()
    while True:
        async with store.connection() as conn:
            rows = (
                await conn.execute(
                    sa.select(
                        col(Interview.id),
                        col(Interview.participant_code),
                        col(Interview.data),
                        col(Participant.platform),
                        col(Participant.workspace),
                        col(Participant.user_id),
                    )
                    .join(Participant, col(Participant.id) == col(Interview.participant_id))
                    .where(
                        col(Interview.study_id) == study_id,
                        col(Interview.updated_at) < before,
                        col(Interview.erased_at).is_(None),
                    )
                    .limit(BATCH)
                )
            ).all()
            if not rows:
                break
            erased = await erase_interviews(conn, [r[:3] for r in rows], withdrawn=False, now=utcnow())
            people = {Address(r.platform, r.workspace, r.user_id).key for r in rows}
            for key in people:
                await blank_inbox(conn, key, before=before)
            report.interviews += len(rows)
            report.participants += len(people)
        await after_erasure(store, erased, cache_dir)
    if report.interviews:
        async with store.connection() as conn:
            await conn.execute(
                sa.insert(AuditEntry).values(
                    study_id=study_id,
                    actor=actor,
                    action="purge",
                    outcome="ok",
                    detail={"before": before.isoformat(), "interviews": report.interviews},
                    created_at=utcnow(),
                )
            )
    return report


async def finish_withdrawals(store: Store, cache_dir: Path | None) -> int:
    """Withdrawn interviews whose erasure predates whole-study erasure: erase the rest of their study."""
    async with store.connection() as conn:
        pending = (
            await conn.execute(
                sa.select(col(Interview.participant_id), col(Interview.study_id), col(Participant.platform))
                .add_columns(col(Participant.workspace), col(Participant.user_id))
                .join(Participant, col(Participant.id) == col(Interview.participant_id))
                .where(col(Interview.state) == "withdrawn", col(Interview.erased_at).is_(None))
                .distinct()
            )
        ).all()
    for participant_id, study_id, platform, workspace, user_id in pending:
        async with store.connection() as conn:
            erased: Erased = await withdraw(
                conn, participant_id, Address(platform, workspace, user_id).key, study_id
            )
        await after_erasure(store, erased, cache_dir)
    return len(pending)


async def count_due(store: Store, study_id: str, before: datetime) -> int:
    """How many interviews `purge` would erase."""
    async with store.connection() as conn:
        found = await conn.execute(
            sa.select(sa.func.count())
            .select_from(Interview)
            .where(
                col(Interview.study_id) == study_id,
                col(Interview.updated_at) < before,
                col(Interview.erased_at).is_(None),
            )
        )
        return int(found.scalar_one())
