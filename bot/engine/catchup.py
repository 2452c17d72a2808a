"""What to read back after downtime: the open conversations on a platform, with where to start reading.

Discord replays nothing to a new session, and Slack stops retrying an event after about five minutes, so
an adapter that (re)connects reads each open conversation's DM history after the newest message it
stored and feeds what it missed through `Engine.receive`: the inbox's dedupe keys make that exactly once.

Where a read-back starts is kept until it has finished (`start_reading` / `finished_reading`): a live
message stored while older history is still unread would otherwise be "the newest message stored", and a
catch-up cut short (a stop, a crash, a history that stays rate limited) would resume after it at the next
start, skipping the history before it for good.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.errors import DeliveryError, RateLimited
from bot.interview.conversation import TERMINAL, State
from bot.messages import Address
from bot.storage import Store
from bot.storage.models import InboxRow, Interview, OutboxRow, Participant, Setting

log = logging.getLogger(__name__)
OPEN_STATES = sorted(state.value for state in set(State) - TERMINAL)
# rate limits in a row, with no page read between them, before a history waits for the next start
RATE_LIMIT_TRIES = 5
wait = asyncio.sleep  # how a rate limit is waited out (a test shortens it)
MARK = "catchup:"  # instance_settings names of unfinished read-backs: catchup:{platform}:{hash of who}


async def read_patiently(
    platform: str, read: Callable[[], Awaitable[int]], progress: Callable[[], object] = lambda: None
) -> int:
    """Run one conversation's read-back (`read` returns how many messages were new). A rate limit is
    waited out for as long as Slack's or Discord's Retry-After asks and the read tried again: a `read`
    that keeps its place (`progress` changes as it reads) goes on from there, one that does not starts
    over, the inbox dropping what it already has. Only RATE_LIMIT_TRIES limits in a row without progress
    leave it to the next start, as does any other delivery error; the other conversations go on."""
    strikes, seen = 0, progress()
    while True:
        try:
            return await read()
        except RateLimited as exc:
            now = progress()
            strikes, seen = (1 if now != seen else strikes + 1), now
            if strikes >= RATE_LIMIT_TRIES:
                log.warning("%s: a DM history stayed rate limited; it is read at the next start", platform)
                return 0
            log.info("%s: reading DM histories is rate limited; waiting %.0f s", platform, exc.retry_after)
            await wait(exc.retry_after)
        except DeliveryError as exc:
            log.warning("%s: could not read a DM history after downtime: %s", platform, exc)
            return 0


@dataclass(frozen=True)
class OpenConversation:
    """A participant with an unfinished interview, and the last things stored on either side."""

    who: Address
    last_message_key: str | None  # dedupe key of the newest message they wrote that we stored
    first_sent_id: str | None  # platform id of the first message the bot sent them
    unfinished_from: str | None = None  # where a read-back that did not finish started (`start_reading`)


def _mark(who: Address) -> str:
    digest = hashlib.sha256(who.key.encode()).hexdigest()
    return f"{MARK}{who.platform}:{digest}"[:64]  # the column's length


async def open_conversations(store: Store, platform: str) -> list[OpenConversation]:
    """Everyone on `platform` whose latest interview is not finished (paused ones included), in the
    order they first wrote."""
    marks = await _marks(store, platform)
    async with store.session() as s:
        people = (
            await s.exec(
                select(Participant.id, Participant.platform, Participant.workspace, Participant.user_id)
                .join(Interview, col(Interview.participant_id) == col(Participant.id))
                .where(Participant.platform == platform, col(Interview.state).in_(OPEN_STATES))
                .distinct()
                .order_by(col(Participant.id))  # who came first is read first
            )
        ).all()
        found = []
        for _, platform_, workspace, user_id in people:
            who = Address(platform_, workspace, user_id)
            last = (
                await s.exec(
                    select(InboxRow.dedupe_key)
                    .where(InboxRow.participant_key == who.key, col(InboxRow.choice).is_(None))
                    .order_by(col(InboxRow.id).desc())
                    .limit(1)
                )
            ).first()
            first_sent = (
                await s.exec(
                    select(OutboxRow.platform_message_id)
                    .where(
                        OutboxRow.platform == platform_,
                        OutboxRow.workspace == workspace,
                        OutboxRow.user_id == user_id,
                        col(OutboxRow.platform_message_id).is_not(None),
                    )
                    .order_by(col(OutboxRow.id))
                    .limit(1)
                )
            ).first()
            first = first_sent.split()[0] if first_sent else None  # a split message: its first piece
            found.append(OpenConversation(who, last, first, marks.get(_mark(who))))
    return found


async def hold_unfinished(store: Store, platform: str, hold: Callable[[Address], object]) -> int:
    """`hold` each participant whose read-back the last stop cut short: what they wrote live during it
    waits in the inbox, and answered at the first tick it would go before the history still unread.
    Called before the scheduler starts; the platform's catch-up releases them. Returns how many."""
    if not await _marks(store, platform):
        return 0
    held = [c.who for c in await open_conversations(store, platform) if c.unfinished_from]
    for who in held:
        hold(who)
    return len(held)


async def _marks(store: Store, platform: str) -> dict[str, str]:
    async with store.session() as s:
        rows = await s.exec(select(Setting).where(col(Setting.name).startswith(f"{MARK}{platform}:")))
        return {row.name: row.value for row in rows}


async def start_reading(store: Store, platform: str, starts: dict[Address, str]) -> None:
    """Remember where each conversation's read-back starts, before anything live is stored; an earlier
    unfinished start is kept (the caller passes it back). Marks of conversations no longer open go."""
    wanted = {_mark(who): start for who, start in starts.items()}
    kept = await _marks(store, platform)
    async with store.session() as s:
        for name in set(kept) - set(wanted):
            row = await s.get(Setting, name)
            if row is not None:
                await s.delete(row)
    for name, start in wanted.items():
        if kept.get(name) != start:
            await _put(store, name, start)


async def _put(store: Store, name: str, value: str) -> None:
    try:
        async with store.session() as s:
            row = await s.get(Setting, name)
            s.add(Setting(name=name, value=value) if row is None else row)
            if row is not None:
                row.value = value
    except IntegrityError:  # another worker starting at the same moment wrote it first
        log.debug("a catch-up mark was written by another worker")


async def finished_reading(store: Store, who: Address) -> None:
    """Everything `who` wrote up to now is in the inbox: the next start reads after their newest message."""
    async with store.session() as s:
        row = await s.get(Setting, _mark(who))
        if row is not None:
            await s.delete(row)
