"""What to read back after downtime: the open conversations on a platform, with where to start reading.

Discord replays nothing to a new session, and Slack stops retrying an event after about five minutes, so
an adapter that (re)connects reads each open conversation's DM history after the newest message it
stored and feeds what it missed through `Engine.receive`: the inbox's dedupe keys make that exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel import col, select

from bot.errors import DeliveryError, RateLimited
from bot.interview.conversation import TERMINAL, State
from bot.messages import Address
from bot.storage import Store
from bot.storage.models import InboxRow, Interview, OutboxRow, Participant

log = logging.getLogger(__name__)
OPEN_STATES = sorted(state.value for state in set(State) - TERMINAL)
RATE_LIMIT_TRIES = 3  # reads of one conversation while rate limited, before it waits for the next start
wait = asyncio.sleep  # how a rate limit is waited out (a test shortens it)


async def read_patiently(platform: str, read: Callable[[], Awaitable[int]]) -> int:
    """Run one conversation's read-back (`read` returns how many messages were new). A rate limit,
    however long, is waited out and the read tried again, since the inbox drops what it already has;
    any other delivery error leaves this conversation to the next start and the others go on."""
    for attempt in range(1, RATE_LIMIT_TRIES + 1):
        try:
            return await read()
        except RateLimited as exc:
            if attempt == RATE_LIMIT_TRIES:
                log.warning("%s: a DM history stayed rate limited; it is read at the next start", platform)
                return 0
            log.info("%s: reading DM histories is rate limited; waiting %.0f s", platform, exc.retry_after)
            await wait(exc.retry_after)
        except DeliveryError as exc:
            log.warning("%s: could not read a DM history after downtime: %s", platform, exc)
            return 0
    return 0


@dataclass(frozen=True)
class OpenConversation:
    """A participant with an unfinished interview, and the last things stored on either side."""

    who: Address
    last_message_key: str | None  # dedupe key of the newest message they wrote that we stored
    first_sent_id: str | None  # platform id of the first message the bot sent them


async def open_conversations(store: Store, platform: str) -> list[OpenConversation]:
    """Everyone on `platform` whose latest interview is not finished (paused ones included)."""
    async with store.session() as s:
        people = (
            await s.exec(
                select(Participant.platform, Participant.workspace, Participant.user_id)
                .join(Interview, col(Interview.participant_id) == col(Participant.id))
                .where(Participant.platform == platform, col(Interview.state).in_(OPEN_STATES))
                .distinct()
            )
        ).all()
        found = []
        for platform_, workspace, user_id in people:
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
            found.append(OpenConversation(who, last, first_sent))
    return found
