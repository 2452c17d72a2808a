"""One run of a cohort request (`bot.outreach.cohort_requests`): the members' profiles read under the
request's claim, renewed as the lookups go on, then their invitations, then the request finished.

The runs of a process are known to it, so that a stop (`stop_cohort_runs`) interrupts them at once,
instead of waiting minutes for the lookups, and gives their requests back for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.engine.engine import Engine
from bot.errors import MissingPermission
from bot.messages import Address
from bot.outreach.cohort_requests import RENEW_EVERY, Claim, Pending, finish, give_back, renew
from bot.outreach.cohorts import Directory, Profile
from bot.outreach.invitations import Member, NotInvitable, invite
from bot.outreach.profiles import ListPlace, read_profiles
from bot.studies.study import Study

log = logging.getLogger(__name__)
T = TypeVar("T")
GIVE_BACK_SECONDS = 10.0  # a stop waits this long at most to give a request back (else its lease runs out)


class ClaimLost(Exception):
    """The run's lease ran out and another run took its request over: that run answers."""


@dataclass
class _Runs:
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    stopped: bool = False  # the process is stopping: no request is resumed any more


_RUNS: weakref.WeakKeyDictionary[Engine, _Runs] = weakref.WeakKeyDictionary()


def _runs(engine: Engine) -> _Runs:
    return _RUNS.setdefault(engine, _Runs())


def stopping(engine: Engine) -> bool:
    """The process is stopping: its runs were interrupted and no request may be resumed now."""
    return _runs(engine).stopped


def start_run(engine: Engine, work: Coroutine[Any, Any, None], name: str) -> None:
    """Run `work` (a resumed request) in the background, as one of the runs a stop interrupts."""
    runs = _runs(engine)
    task = asyncio.get_running_loop().create_task(work, name=name)
    runs.tasks.add(task)
    task.add_done_callback(runs.tasks.discard)


async def stop_cohort_runs(engine: Engine) -> None:
    """Interrupt this process's runs (each gives its request back for the next start) and resume none
    from now on: the process is stopping."""
    runs = _runs(engine)
    runs.stopped = True
    running = [task for task in runs.tasks if not task.done()]
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)


async def run_request(
    engine: Engine,
    directory: Directory,
    study: Study,
    request: Pending,
    claim: Claim,
    *,
    notice: Callable[[str, str], str] | None = None,
) -> str | None:
    """Read the profiles still unread, write the invitations and finish the request; the report the
    command gives. With `notice`, which makes a DM of the report and the outcome (invited | refused),
    that DM is queued to the asker in the transaction that finishes the request. None when the claim
    was lost: the run that took the request over answers. Other errors are raised, the request left
    unfinished."""
    runs, task = _runs(engine), asyncio.current_task()
    if task is not None:
        runs.tasks.add(task)
    profiles, place = dict(request.profiles), ListPlace(request.list_cursor)
    try:
        report, outcome = await _while_claimed(
            engine, claim, profiles, place, _invite(engine, directory, study, request, profiles, place)
        )
    except ClaimLost:
        log.warning("cohort request %s was taken over by another run", request.id)
        return None
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(give_back(engine, claim, profiles, place), GIVE_BACK_SECONDS)
        log.info("cohort request %s: stopped; a restart resumes it", request.id)
        raise
    finally:
        if task is not None:
            runs.tasks.discard(task)
    told = (request.asker, notice(report, outcome)) if notice is not None else None
    if not await finish(engine, claim, outcome, notice=told):
        log.warning("cohort request %s was taken over by another run before it finished", request.id)
        return None
    return report


async def _while_claimed(
    engine: Engine, claim: Claim, profiles: dict[str, Profile], place: ListPlace, work: Coroutine[Any, Any, T]
) -> T:
    """`work`'s result, renewing the claim (and saving `profiles` and `place`) every RENEW_EVERY seconds;
    raises ClaimLost, with `work` cancelled, when a renewal finds the request taken over."""
    task = asyncio.get_running_loop().create_task(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=RENEW_EVERY)
            if done:
                return task.result()
            try:
                kept = await renew(engine, claim, profiles, place)
            except Exception as exc:  # the database is busy or away: the lease still has time
                log.warning(
                    "could not renew the claim on cohort request %s (%s)",
                    claim.request_id,
                    type(exc).__name__,
                )
                continue
            if not kept:
                raise ClaimLost()
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _invite(
    engine: Engine,
    directory: Directory,
    study: Study,
    request: Pending,
    profiles: dict[str, Profile],
    place: ListPlace,
) -> tuple[str, str]:
    """The lookups and the invitations: the command's report, and the request's outcome."""
    asker = request.asker
    try:
        await read_profiles(directory, asker.workspace, request.member_ids, profiles, place)
    except MissingPermission as exc:  # asking again cannot help until someone grants it
        return (
            f"Not sent: the members' profiles cannot be read. {exc}; then run the command again.",
            "refused",
        )
    # Discord addresses a member by user id alone, whichever server the command came from
    members_in = getattr(directory, "participant_workspace", None) or asker.workspace
    # a member whose profile could not be read is not known to be a person: bots and deactivated
    # accounts are never invited
    unchecked = sum(1 for user_id in request.member_ids if user_id not in profiles)
    members = [
        Member(Address(asker.platform, members_in, user_id), profiles[user_id].timezone)
        for user_id in request.member_ids
        if user_id in profiles and profiles[user_id].person
    ]
    try:
        report = await invite(engine, study, members, source="members")
    except NotInvitable as exc:
        return f"Not sent: {exc}.", "refused"
    text = report.text(study.id)
    if unchecked:
        text += (
            f" {unchecked} member(s) could not be looked up now and were not invited; run the same "
            "command again later to invite them (no one is invited twice)."
        )
    return text, "invited"
