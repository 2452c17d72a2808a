"""Dead letters: an event that keeps failing is set aside so that it cannot stall anyone.

An inbound event whose processing raised is tried again on its own, in its own transaction; each try is
counted on its inbox rows *before* it runs (so a try that kills the process counts too). After
MAX_ATTEMPTS failed tries the rows are set aside (`dead_at`, with the last error), the participant is
told plainly that this one message could not be processed, and their later messages go on. An outbound
message whose sending keeps raising is set aside the same way (outbox status `dead`).
`interviewer db problems` lists both; `--retry` puts them back once the cause is fixed.

Errors of the database connection itself (it went away, a lock timed out) are not the event's fault:
they are not counted, and the tick tries again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from bot.engine.outbox import Queued, queue_claimed
from bot.interview.texts import Texts
from bot.messages import Address
from bot.storage import Store
from bot.storage.models import InboxRow, Interview, OutboxRow, Participant, table_of

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
ERROR_CHARS = 500
_INBOX = table_of(InboxRow)
_OUTBOX = table_of(OutboxRow)
_IDS: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
_COUNT_TRY = (
    sa.update(_INBOX)
    .where(_INBOX.c.id.in_(_IDS), _INBOX.c.processed_at.is_(None))
    .values(attempts=_INBOX.c.attempts + 1)
    .returning(_INBOX.c.attempts)
)
_NOTE = sa.update(_INBOX).where(_INBOX.c.id.in_(_IDS)).values(error=sa.bindparam("error"))
_SET_ASIDE = (
    sa.update(_INBOX)
    .where(_INBOX.c.id.in_(_IDS), _INBOX.c.processed_at.is_(None))
    .values(processed_at=sa.bindparam("now"), dead_at=sa.bindparam("now"))
    .returning(_INBOX.c.id, _INBOX.c.text, _INBOX.c.choice, _INBOX.c.study_id)
)
_INTERVIEWS, _PARTICIPANTS = table_of(Interview), table_of(Participant)
_LATEST_STUDY = (  # the study of the participant's newest interview: the language of the notice
    sa.select(_INTERVIEWS.c.study_id)
    .join(_PARTICIPANTS, _PARTICIPANTS.c.id == _INTERVIEWS.c.participant_id)
    .where(
        _PARTICIPANTS.c.platform == sa.bindparam("platform"),
        _PARTICIPANTS.c.workspace == sa.bindparam("workspace"),
        _PARTICIPANTS.c.user_id == sa.bindparam("user_id"),
    )
    .order_by(_INTERVIEWS.c.id.desc())
    .limit(1)
)


def is_transient(exc: BaseException) -> bool:
    """True for failures of the database connection rather than of the event being processed."""
    if isinstance(exc, OperationalError | InterfaceError | TimeoutError | ConnectionError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def describe(exc: BaseException) -> str:
    """The stored form of an error: its type and message, bounded."""
    return f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]


async def count_try(store: Store, ids: Sequence[int]) -> int:
    """Count one more try on these inbox rows; the new count (0: another worker processed them)."""
    async with store.connection() as c:
        counts = [row[0] for row in (await c.execute(_COUNT_TRY, {"ids": list(ids)})).all()]
    return max(counts, default=0)


async def note_failure(store: Store, ids: Sequence[int], exc: BaseException) -> None:
    log.error("processing inbox rows %s failed: %s", list(ids), type(exc).__name__)
    log.debug("the failure of inbox rows %s", list(ids), exc_info=exc)
    async with store.connection() as c:
        await c.execute(_NOTE, {"ids": list(ids), "error": describe(exc)})


async def set_aside(
    store: Store,
    ids: Sequence[int],
    who: Address,
    now: datetime,
    claim_until: datetime | None,
    texts_of: Callable[[str | None], Texts],
) -> list[Queued]:
    """Mark the rows dead and queue the participant's notice, in one transaction; `texts_of` gives the
    fixed texts of a study id (the row's, else the participant's newest interview's)."""
    async with store.connection() as c:
        rows = (await c.execute(_SET_ASIDE, {"ids": list(ids), "now": now})).all()
        if not rows:
            return []
        log.error("inbox rows %s set aside after %d failed tries", list(ids), MAX_ATTEMPTS)
        first = min(rows, key=lambda r: r.id)
        study_id = (
            first.study_id
            or (
                await c.execute(
                    _LATEST_STUDY,
                    {"platform": who.platform, "workspace": who.workspace, "user_id": who.user_id},
                )
            ).scalar()
        )
        texts = texts_of(study_id)
        what = texts.dead_letter_answer if first.choice is not None else texts.dead_letter_message
        text = texts.dead_letter.format(what=what)
        key = f"inbox:{first.id}:dead"
        return [await queue_claimed(c, key, who, text, purpose="notice", claim_until=claim_until)]


async def pause_before_retry(tries: int) -> None:
    """A short pause before the next try: enough for a brief hiccup, too short to keep anyone waiting."""
    await asyncio.sleep(0.05 * tries)


@dataclass(frozen=True)
class DeadLetter:
    """One set-aside event or message, as `interviewer db problems` shows it."""

    kind: str  # "in" (an inbound event) or "out" (an outbox row)
    id: int
    who: str  # platform:workspace:user
    at: datetime | None
    attempts: int
    error: str
    text: str

    def line(self, show_text: bool) -> str:
        when = f"{self.at:%Y-%m-%d %H:%M} UTC" if self.at else "?"
        shown = f" text={self.text[:200]!r}" if show_text else f" ({len(self.text)} characters)"
        direction = "from" if self.kind == "in" else "to"
        return (
            f"{self.kind}:{self.id} {when} {direction} {self.who} tries={self.attempts} {self.error}{shown}"
        )


async def dead_letters(store: Store, limit: int = 1000) -> list[DeadLetter]:
    found: list[DeadLetter] = []
    async with store.connection() as c:
        inbound = await c.execute(
            sa.select(_INBOX).where(_INBOX.c.dead_at.is_not(None)).order_by(_INBOX.c.id).limit(limit)
        )
        for r in inbound.all():
            who = f"{r.platform}:{r.workspace}:{r.user_id}"
            text = r.text if r.choice is None else f"[button {r.prompt}={r.choice}]"
            found.append(DeadLetter("in", r.id, who, r.dead_at, r.attempts, r.error or "", text))
        outbound = await c.execute(
            sa.select(_OUTBOX).where(_OUTBOX.c.status == "dead").order_by(_OUTBOX.c.id).limit(limit)
        )
        for r in outbound.all():
            who = f"{r.platform}:{r.workspace}:{r.user_id}"
            when = r.sent_at or r.created_at
            found.append(DeadLetter("out", r.id, who, when, r.attempts, r.error or "", r.text))
    return found


async def retry(store: Store, inbound: Sequence[int], outbound: Sequence[int]) -> int:
    """Put set-aside rows back to be processed (or sent) again; returns how many were put back."""
    async with store.connection() as c:
        back = await c.execute(
            sa.update(_INBOX)
            .where(_INBOX.c.id.in_(list(inbound)), _INBOX.c.dead_at.is_not(None))
            .values(dead_at=None, processed_at=None, attempts=0, error=None)
        )
        out = await c.execute(
            sa.update(_OUTBOX)
            .where(_OUTBOX.c.id.in_(list(outbound)), _OUTBOX.c.status == "dead")
            .values(status="pending", attempts=0, lease_until=None)
        )
    return int(back.rowcount or 0) + int(out.rowcount or 0)
