"""A participant's row, locked for the transaction: one writer per participant across worker processes."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine import queries as q
from bot.messages import Address
from bot.storage.models import Participant


def _params(who: Address) -> dict[str, str]:
    return {"platform": who.platform, "workspace": who.workspace, "user_id": who.user_id}


async def lock_participant(s: AsyncSession, who: Address, *, postgres: bool) -> Participant:
    """`who`'s row, locked on PostgreSQL (SQLite has one writer anyway); added if it is new."""
    query = q.PARTICIPANT_FOR_UPDATE if postgres else q.PARTICIPANT
    participant = (await s.exec(query, params=_params(who))).first()
    return (
        participant if participant is not None else (await create_participant(s, who, postgres=postgres))[0]
    )


async def create_participant(s: AsyncSession, who: Address, *, postgres: bool) -> tuple[Participant, bool]:
    """Add `who` (their new row stays locked by this transaction), or, if another worker added them
    a moment ago, lock theirs. True when this call created the participant."""
    participant = Participant(platform=who.platform, workspace=who.workspace, user_id=who.user_id)
    try:
        async with s.begin_nested():
            s.add(participant)
        return participant, True
    except IntegrityError:
        pass  # the savepoint's rollback took our row (and object) back: lock theirs
    query = q.PARTICIPANT_FOR_UPDATE if postgres else q.PARTICIPANT
    return (await s.exec(query, params=_params(who))).one(), False
