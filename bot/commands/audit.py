"""`/interviewer audit <study>`: who exported or imported a study's transcripts (researchers only)."""

from __future__ import annotations

from bot.commands.access import Actor, UsageError, study_access
from bot.engine.engine import Engine
from bot.records import audit


async def audit_command(engine: Engine, actor: Actor, args: list[str]) -> str:
    if len(args) != 1:
        raise UsageError()
    study = study_access(engine, actor, args[0], researchers_only="read its audit log").study
    rows = await audit.entries(engine.store, study.id, limit=30)
    if not rows:
        return f"No exports of `{study.id}` yet."
    return f"Audit log of `{study.id}` (newest last):\n" + "\n".join(audit.describe(r) for r in rows)
