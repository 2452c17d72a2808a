"""`interviewer doctor`'s checks of what the database holds for an organizer to act on: Claude alerts no
researcher received, messages set aside (and the permission they wait for), outreach set aside, and
deletions refused after a withdrawal; and `Check`, the line every check gives."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    note: bool = False  # information for the organizer, not a problem with the configuration


async def unalerted(settings: Settings, days: int = 7) -> Check | None:
    """Claude alerts of the last `days` that no researcher received (see bot.engine.claude_trouble), if any."""
    from datetime import timedelta

    from sqlmodel import col, func, select

    from bot.engine.claude_trouble import UNALERTED_WHY
    from bot.messages import utcnow
    from bot.storage import Store
    from bot.storage.models import ClaudeIncident

    store = Store(settings.database_url)
    try:
        async with store.session() as s:
            since = utcnow() - timedelta(days=days)
            rows = (
                await s.exec(
                    select(ClaudeIncident.study_id, ClaudeIncident.kind, func.count())
                    .where(col(ClaudeIncident.unalerted).is_(True), col(ClaudeIncident.created_at) >= since)
                    .group_by(ClaudeIncident.study_id, ClaudeIncident.kind)
                )
            ).all()
    finally:
        await store.close()
    if not rows:
        return None
    counts = ", ".join(f"{study} {kind}: {n}" for study, kind, n in sorted(rows))
    return Check(
        "claude alerts",
        True,
        f"in the last {days} days no researcher received {counts} ({UNALERTED_WHY})",
        note=True,
    )


async def set_aside(settings: Settings) -> Check:
    """Messages set aside after three failed tries (see bot.engine.dead_letters): each one is a participant
    waiting for an answer, so any is a problem to look at."""
    from bot.engine.dead_letters import dead_letters
    from bot.engine.missing_permissions import waiting_for
    from bot.storage import Store

    store = Store(settings.database_url)
    try:
        found = await dead_letters(store)
    finally:
        await store.close()
    if not found:
        return Check("set-aside messages", True, "none")
    kinds = {"in": "received", "out": "to send"}
    counts = ", ".join(f"{sum(1 for d in found if d.kind == k)} {word}" for k, word in kinds.items())
    waiting = waiting_for([d.error for d in found if d.kind == "out"])  # a permission the app lacks
    return Check(
        "set-aside messages",
        False,
        f"{len(found)} message(s) could not be processed or sent ({counts})"
        + (f"; {waiting}" if waiting else ""),
        "See them with `interviewer db problems`, mend the cause, then `interviewer db problems --retry in:ID`.",
    )


async def refused_deletions(settings: Settings) -> Check | None:
    """The bot's messages a platform refused to delete after a withdrawal (bot.engine.retraction): a
    participant asked for them to go, so any is a problem to look at; None when there are none."""
    from bot.engine.retraction import refused
    from bot.storage import Store

    store = Store(settings.database_url)
    try:
        found = await refused(store)
    finally:
        await store.close()
    if not found:
        return None
    return Check(
        "refused deletions",
        False,
        f"{len(found)} of the bot's messages are still in DMs after withdrawals: the platform refused to delete them",
        "See them and what to do with `interviewer db problems`; `--retry out:ID` once the cause is mended.",
    )


async def set_aside_outreach(settings: Settings) -> Check | None:
    """What `db problems` lists of outreach (bot.outreach.set_aside, bot.outreach.cohort_problems): members
    get no reminder, or no invitation, until someone acts; None when there is none."""
    from bot.outreach.cohort_problems import given_up
    from bot.outreach.set_aside import MAX_PLAN_FAILURES, how_many
    from bot.outreach.study_waves import study_waves
    from bot.storage import Store

    store = Store(settings.database_url)
    try:
        found = await how_many(store, study_waves(settings.studies_dir).removed)
        requests = len(await given_up(store))
    finally:
        await store.close()
    failed = f"set aside after {MAX_PLAN_FAILURES} failed plans in a row"
    unwritten = "member(s) set aside from follow-up waves (their invitation could not be written)"
    counts = [
        f"{n} {what}"
        for n, what in (
            (found.invitations, f"invitation(s) {failed}"),
            (found.members, unwritten),
            (found.waves, f"follow-up wave(s) {failed}"),
            (requests, "cohort invitation(s) given up (not resumed within a day, or failing at each run)"),
        )
        if n
    ]
    if not counts:
        return None
    return Check(
        "set-aside outreach",
        False,
        "; ".join(counts),
        "See them with `interviewer db problems`, mend the cause (the bot's log names the error), then "
        "`interviewer db problems --retry inv:ID` (or wave:ID); a cohort invitation given up is run again "
        "with its invite command.",
    )
