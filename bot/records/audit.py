"""The audit log: every export of a study's transcripts, and every refused attempt, with who and when."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.storage import Store
from bot.storage.models import AuditEntry


async def record(store: Store, study_id: str, actor: str, action: str, outcome: str, **detail: Any) -> None:
    """Append one entry in its own transaction, so a later failure cannot roll it back."""
    async with store.session() as s:
        s.add(AuditEntry(study_id=study_id, actor=actor, action=action, outcome=outcome, detail=detail))


async def entries(store: Store, study_id: str, limit: int = 200) -> list[AuditEntry]:
    """The newest `limit` entries for a study, oldest first."""
    async with store.session() as s:
        rows = (
            await s.exec(
                select(AuditEntry)
                .where(AuditEntry.study_id == study_id)
                .order_by(col(AuditEntry.id).desc())
                .limit(limit)
            )
        ).all()
    return list(reversed(rows))


def describe(entry: AuditEntry) -> str:
    """One line per entry: time, actor, action, outcome and the details that matter."""
    when = entry.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    detail = " ".join(f"{k}={v}" for k, v in sorted(entry.detail.items()) if v is not None and v != "")
    return f"{when}  {entry.actor}  {entry.action}  {entry.outcome}  {detail}".rstrip()
