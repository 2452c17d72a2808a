"""Messages a platform refused because the app lacks a permission (Slack's `missing_scope`).

Such a message is no failure of the participant's, and retrying cannot help until someone grants the
permission, so it is set aside (outbox status `dead`, its error naming the permission) instead of being
marked failed: `interviewer db problems` lists it, `interviewer doctor` names the permission, and
`interviewer db problems --retry out:ID` sends it once the permission is granted. The log says it at
ERROR once per permission and process, not once per message. As with Claude trouble
(`bot.engine.claude_trouble`), the study's researchers on that platform (and the ADMINS there) are told by
DM, once per permission, study and day while messages wait; with nobody to tell, the log says so at
WARNING.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine.claude_trouble import unsent_only
from bot.engine.outbox import Sendable, queue
from bot.errors import MissingPermission, Permanent
from bot.messages import RETRACTION, Address
from bot.settings import Settings
from bot.storage import Store
from bot.storage.models import Interview, OutboxRow, table_of
from bot.studies.catalog import Catalog

log = logging.getLogger(__name__)
PREFIX = "missing permission "
_NAMED = re.compile(r"missing permission `([^`]*)`: (.*)", re.DOTALL)
_OUTBOX = table_of(OutboxRow)
_INTERVIEWS = table_of(Interview)
_WAITING = (
    sa.select(_OUTBOX.c.platform, _OUTBOX.c.workspace, _OUTBOX.c.error, _INTERVIEWS.c.study_id)
    .select_from(_OUTBOX.outerjoin(_INTERVIEWS, _INTERVIEWS.c.id == _OUTBOX.c.interview_id))
    .where(_OUTBOX.c.status == "dead", _OUTBOX.c.error.like(PREFIX + "%"))
    .distinct()
)
_logged: set[tuple[str, str, str]] = set()  # (platform, workspace, permission) said at ERROR or WARNING


def refused(row: Sendable, exc: Permanent) -> dict[str, Any]:
    """The outcome to store for a row the platform refused for good: failed, or, when the app lacks a
    permission, set aside to be sent again once it is granted (a refused deletion stays failed: `db
    problems` lists those as such, `bot.engine.retraction`)."""
    if not isinstance(exc, MissingPermission) or row.purpose == RETRACTION:
        log.error("outbox %s rejected by %s: %s", row.id, row.platform, exc)
        return {"status": "failed", "error": f"permanent: {exc}"[:500]}
    if (row.platform, row.workspace, exc.permission) not in _logged:
        _logged.add((row.platform, row.workspace, exc.permission))
        log.error(
            "%s refused a message for a missing permission (%s); messages that need it are set aside "
            "until it is granted: `interviewer db problems`",
            row.platform,
            exc,
        )
    return {"status": "dead", "error": f"{PREFIX}`{exc.permission}`: {exc}"[:500], "lease_until": None}


def named(error: str) -> tuple[str, str] | None:
    """(permission, what to do) of a set-aside row's error, or None for another error."""
    found = _NAMED.fullmatch(error)
    return (found.group(1), found.group(2)) if found else None


def _recipients(
    study_researchers: Sequence[str], admins: frozenset[str], platform: str, workspace: str
) -> list[Address]:
    """The study's researchers and the ADMINS on the platform, as addresses in that workspace."""
    users = []
    for entry in [*study_researchers, *sorted(admins)]:
        where, _, user = entry.partition(":")
        if where == platform and user and user not in users:
            users.append(user)
    return [Address(platform, workspace, user) for user in users]


async def alert(store: Store, catalog: Catalog, settings: Settings, now: datetime) -> int:
    """Queue the alerts due for messages set aside for a missing permission; returns how many."""
    async with store.session() as s:
        waiting = (await (await s.connection()).execute(_WAITING)).all()
        messages: list[tuple[str, Address, str]] = []
        for platform, workspace, error, study_id in waiting:
            permission, fix = named(error) or ("", error)
            study = catalog.get(study_id) if study_id else None
            people = _recipients(study.researchers if study else (), settings.admin_ids, platform, workspace)
            about = f"Study `{study_id}`: " if study_id else ""
            text = (
                f"{about}messages are set aside, not sent (nothing is lost). {fix}. Then `interviewer db "
                "problems` lists them and `interviewer db problems --retry out:ID` sends each one."
            )
            key = f"alert:permission:{platform}:{workspace}:{permission}:{study_id or '-'}:{now:%Y%m%d}"
            messages += [(f"{key}:{who.user_id}", who, text) for who in people]
            if not people and (platform, workspace, f"{permission}:alert") not in _logged:
                _logged.add((platform, workspace, f"{permission}:alert"))
                log.warning("no researcher or admin on %s to tell: %s", platform, fix)
        return await _queue(s, messages)


async def _queue(s: AsyncSession, messages: list[tuple[str, Address, str]]) -> int:
    fresh = await unsent_only(s, messages)
    for key, who, text in fresh:
        queue(s, key, who, text, purpose="notice")
    return len(fresh)


def waiting_for(errors: Sequence[str]) -> str | None:
    """What set-aside messages wait for, as `interviewer doctor` and `db problems` say it (None: nothing),
    from their errors: "3 wait for the `im:write` permission: <what to do>"."""
    found = [pair for pair in map(named, errors) if pair is not None]
    if not found:
        return None
    fixes = {permission: fix for permission, fix in found}
    return "; ".join(
        f"{sum(1 for p, _ in found if p == permission)} wait for the `{permission}` permission: {fix}"
        for permission, fix in sorted(fixes.items())
    )


async def waiting_line(s: AsyncSession, study_id: str) -> str | None:
    """'Messages set aside: ...' for `/interviewer status`, or None when none of the study's waits."""
    errors = (
        await (await s.connection()).execute(
            sa.select(_OUTBOX.c.error)
            .select_from(_OUTBOX.join(_INTERVIEWS, _INTERVIEWS.c.id == _OUTBOX.c.interview_id))
            .where(
                _INTERVIEWS.c.study_id == study_id,
                _OUTBOX.c.status == "dead",
                _OUTBOX.c.error.like(PREFIX + "%"),
            )
        )
    ).scalars()
    waiting = waiting_for([e for e in errors if e])
    return f"Messages set aside, not sent: {waiting}." if waiting else None
