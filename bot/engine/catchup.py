"""What to read back after downtime: the open conversations on a platform, with where to start reading.

Discord replays nothing to a new session, and Slack stops retrying an event after about five minutes, so
an adapter that (re)connects reads each open conversation's DM history after the newest message it
stored and feeds what it missed through `Engine.receive`: the inbox's dedupe keys make that exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from bot.interview.conversation import TERMINAL, State
from bot.messages import Address
from bot.storage import Store
from bot.storage.models import InboxRow, Interview, OutboxRow, Participant

OPEN_STATES = sorted(state.value for state in set(State) - TERMINAL)


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
