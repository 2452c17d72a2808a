"""Cohort invitations (`/interviewer invite <study> members:#channel` or `role:@Role`) kept in the
database while their members' profiles are read, so that a restart resumes them instead of losing them.

A request is written before the first lookup, already claimed by the run that works on it: `claim` is
that run's random token, valid until `lease_until`. The run renews its lease, with the profiles read so
far, every RENEW_EVERY seconds, and finishes the request under its claim once the invitations are
written (or when it fails for good). A run that ends otherwise leaves the request unfinished: a stop
gives the claim back at once, a crash lets the lease run out. Then the next scheduler tick of a process
that serves the platform claims it (`claim_due`, one conditional UPDATE: of two processes, one wins) and
decides its `fate`: resumed, or closed because it is older than MAX_AGE or MAX_ATTEMPTS runs ended
without finishing it. A run whose lease ran out and was taken over learns it at its next renewal, and
stops without answering: the new run answers.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select, update

from bot.engine.engine import Engine
from bot.engine.outbox import queue
from bot.messages import Address
from bot.outreach.cohorts import Profile
from bot.outreach.profiles import ListPlace
from bot.storage.models import CohortRequest

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)  # a crashed run's request waits this long at most before it is resumed
RENEW_EVERY = 20.0  # seconds: a renewal or two may fail (a busy database) before the lease runs out
# A request not finished within a day is closed, not resumed: by then the organizer may have run the
# command again, the channel's members have changed, and invitations a day late would surprise them
MAX_AGE_HOURS = 24
MAX_AGE = timedelta(hours=MAX_AGE_HOURS)
MAX_ATTEMPTS = 3  # runs that ended without finishing (crashes, errors) before a request is given up


@dataclass(frozen=True)
class Claim:
    """One run's hold on a request: valid while the request's `claim` is still its token."""

    request_id: int
    token: str


@dataclass(frozen=True)
class Pending:
    """An unfinished request, as a run needs it."""

    id: int
    study_id: str
    asker: Address
    target: str  # as typed
    member_ids: list[str]
    profiles: dict[str, Profile]  # read by earlier runs
    created_at: datetime
    attempts: int  # runs started, this one included
    list_cursor: str | None = None  # where an earlier run left the workspace's member list


def fate(request: Pending, now: datetime) -> str:
    """What a claimed request's run does: "resume" it, or close it as "lapsed" (older than MAX_AGE) or
    "failed" (more than MAX_ATTEMPTS runs, this one included, ended without finishing it)."""
    if now - request.created_at > MAX_AGE:
        return "lapsed"
    if request.attempts > MAX_ATTEMPTS:
        return "failed"
    return "resume"


def _saved(profiles: dict[str, Profile]) -> dict[str, Any]:
    return {user_id: [p.timezone, p.person] for user_id, p in profiles.items()}


def _loaded(saved: dict[str, Any]) -> dict[str, Profile]:
    return {user_id: Profile(zone, person=bool(person)) for user_id, (zone, person) in saved.items()}


def _pending(row: CohortRequest) -> Pending:
    return Pending(
        id=row.id or 0,
        study_id=row.study_id,
        asker=Address(row.platform, row.workspace, row.asker),
        target=row.target,
        member_ids=list(row.member_ids),
        profiles=_loaded(row.profiles),
        created_at=row.created_at,
        attempts=row.attempts,
        list_cursor=row.list_cursor,
    )


def _mine(claim: Claim) -> Any:
    return (
        col(CohortRequest.id) == claim.request_id,
        col(CohortRequest.claim) == claim.token,
        col(CohortRequest.finished_at).is_(None),
    )


async def record(
    engine: Engine, study_id: str, asker: Address, target: str, member_ids: list[str]
) -> tuple[Pending, Claim]:
    """Write a new request, claimed by the caller's run."""
    now, token = engine.clock(), secrets.token_hex(16)
    row = CohortRequest(
        study_id=study_id,
        platform=asker.platform,
        workspace=asker.workspace,
        asker=asker.user_id,
        target=target,
        member_ids=member_ids,
        claim=token,
        lease_until=now + LEASE,
        attempts=1,
        created_at=now,
    )
    async with engine.store.session() as s:
        s.add(row)
        await s.flush()
        request = _pending(row)
    log.info("cohort request %s: %d member(s) of %s to look up", request.id, len(member_ids), study_id)
    return request, Claim(request.id, token)


async def renew(engine: Engine, claim: Claim, profiles: dict[str, Profile], place: ListPlace) -> bool:
    """Extend the claim's lease and save the profiles read so far, and the member list's place; False
    when the claim is no longer this run's (its lease ran out and another run took the request over, or
    it was finished)."""
    values = {
        "lease_until": engine.clock() + LEASE,
        "profiles": _saved(profiles),
        "list_cursor": place.cursor,
    }
    async with engine.store.session() as s:
        renewed = await s.exec(update(CohortRequest).where(*_mine(claim)).values(**values))
    return bool(renewed.rowcount == 1)


async def give_back(engine: Engine, claim: Claim, profiles: dict[str, Profile], place: ListPlace) -> None:
    """A stop: the request is left for the next start at once, with the profiles read so far and the
    member list's place, and the run it interrupted does not count as a failed attempt."""
    values = {
        "claim": None,
        "lease_until": None,
        "profiles": _saved(profiles),
        "list_cursor": place.cursor,
        "attempts": col(CohortRequest.attempts) - 1,
    }
    async with engine.store.session() as s:
        await s.exec(update(CohortRequest).where(*_mine(claim)).values(**values))


async def finish(
    engine: Engine, claim: Claim, outcome: str, *, notice: tuple[Address, str] | None = None
) -> bool:
    """Close the request under the claim, with `notice` (to whom, what) queued as a DM in the same
    transaction and sent now: the request is finished and its answer owed exactly once. False (and
    nothing queued) when the claim is no longer this run's."""
    # the member list and profiles served their purpose: who was invited is in the invitations, with
    # their time zones; a channel's membership is not kept beyond the work it was read for
    values = {
        "finished_at": engine.clock(),
        "outcome": outcome,
        "claim": None,
        "lease_until": None,
        "member_ids": [],
        "profiles": {},
        "list_cursor": None,
    }
    async with engine.store.session() as s:
        closed = await s.exec(update(CohortRequest).where(*_mine(claim)).values(**values))
        if closed.rowcount != 1:
            return False
        if notice is not None:
            to, text = notice
            queue(s, f"cohort:{claim.request_id}:{outcome}", to, text, purpose="notice")
    log.info("cohort request %s: %s", claim.request_id, outcome)
    if notice is not None:
        await engine.dispatcher.send_due(notice[0])
    return True


async def claim_due(engine: Engine, platforms: set[str], limit: int = 20) -> list[tuple[Pending, Claim]]:
    """Claim the unfinished requests of `platforms` that no run holds (none ever did, or its lease ran
    out), oldest first; each claim counts as an attempt. Another process claiming at the same moment
    gets each request or not, never both."""
    now = engine.clock()
    free = or_(col(CohortRequest.lease_until).is_(None), col(CohortRequest.lease_until) < now)
    async with engine.store.session() as s:
        ids = (
            await s.exec(
                select(CohortRequest.id)
                .where(
                    col(CohortRequest.finished_at).is_(None),
                    col(CohortRequest.platform).in_(sorted(platforms)),
                    free,
                )
                .order_by(col(CohortRequest.id))
                .limit(limit)
            )
        ).all()
    claimed: list[tuple[Pending, Claim]] = []
    for request_id in ids:
        token = secrets.token_hex(16)
        values = {"claim": token, "lease_until": now + LEASE, "attempts": col(CohortRequest.attempts) + 1}
        async with engine.store.session() as s:
            won = await s.exec(
                update(CohortRequest)
                .where(col(CohortRequest.id) == request_id, col(CohortRequest.finished_at).is_(None), free)
                .values(**values)
            )
            if won.rowcount != 1:
                continue  # another process was first
            row = (await s.exec(select(CohortRequest).where(CohortRequest.id == request_id))).one()
            claimed.append((_pending(row), Claim(request_id or 0, token)))
    return claimed
