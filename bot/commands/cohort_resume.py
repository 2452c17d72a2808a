"""Cohort invitations a stop or a crash interrupted (`bot.outreach.cohort_requests`), resumed from the
scheduler's tick: the lookups go on where they stopped, the invitations are written, and the organizer
who ran the command gets its report as a direct message. Requests older than a day, or that failed
again and again, are closed instead, and the organizer is told so, also by DM."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from bot.commands.access import Actor, Refused, study_access
from bot.engine.engine import Engine
from bot.outreach.cohort_requests import MAX_AGE_HOURS, MAX_ATTEMPTS, Claim, Pending, claim_due, fate, finish
from bot.outreach.cohort_run import run_request, start_run, stopping
from bot.outreach.cohorts import Directory, parse_target

log = logging.getLogger(__name__)
_NAMED = re.compile(r"\|([^>]+)>")

FINISHED = "{what} was interrupted when the bot restarted, and is now finished: {report}"
LAPSED = (
    "{what} was interrupted when the bot stopped, and the bot was not back within {hours} hours, so it "
    "was dropped. To invite them now, run the same command again (nobody is invited twice)."
)
FAILED = (
    "{what} could not be finished: it was interrupted {attempts} times (the bot's log names the errors), "
    "so it was dropped. To try again, run the same command again (nobody is invited twice)."
)
NOT_FINISHED = "{what} was interrupted when the bot restarted, and cannot go on: {why}"


def described(request: Pending) -> str:
    """ "Your invitation of the members of #team to `study`", from the target as typed; plain text, so
    that it reads the same in a DM on either platform."""
    kind, ident = parse_target(request.target) or ("members", request.target)
    named = _NAMED.search(request.target)
    whose = f"role {ident}" if kind == "role" else f"#{named[1] if named else ident}"
    return f"Your invitation of the members of {whose} to `{request.study_id}`"


async def resume_cohort_requests(engine: Engine) -> int:
    """The scheduler's step: claim the interrupted requests of the platforms this process can send on,
    start a run for each one to resume, close the others. Returns how many were claimed."""
    if stopping(engine):
        return 0
    try:
        return await _claim_and_start(engine)
    except Exception:  # the tick goes on to send what is due; the next tick looks again
        log.exception("could not resume interrupted cohort invitations")
        return 0


async def _claim_and_start(engine: Engine) -> int:
    directories = {
        name: sender for name, sender in engine.dispatcher.senders.items() if isinstance(sender, Directory)
    }
    if not directories:
        return 0
    claimed = await claim_due(engine, set(directories))
    for request, claim in claimed:
        what = described(request)
        ending = fate(request, engine.clock())
        if ending == "resume":
            directory = directories[request.asker.platform]
            start_run(
                engine, _resume(engine, directory, request, claim, what), f"cohort-request-{request.id}"
            )
            continue
        log.warning("cohort request %s: %s, not resumed", request.id, ending)
        text = LAPSED if ending == "lapsed" else FAILED
        notice = text.format(what=what, hours=MAX_AGE_HOURS, attempts=MAX_ATTEMPTS)
        await finish(engine, claim, ending, notice=(request.asker, notice))
    return len(claimed)


def _notice(what: str) -> Callable[[str, str], str]:
    """The DM of a resumed request's report (the command's answer): finished, or refused."""

    def notice(report: str, outcome: str) -> str:
        if outcome == "invited":
            return FINISHED.format(what=what, report=report)
        return NOT_FINISHED.format(what=what, why=report)

    return notice


async def _resume(engine: Engine, directory: Directory, request: Pending, claim: Claim, what: str) -> None:
    """One resumed run. An error leaves the request to its lease: a later tick tries again, up to
    MAX_ATTEMPTS runs in all."""
    try:
        study = study_access(engine, Actor(request.asker), request.study_id).study
    except Refused as refused:  # the study is gone, or the asker no longer runs its invitations
        notice = NOT_FINISHED.format(what=what, why=str(refused))
        await finish(engine, claim, "refused", notice=(request.asker, notice))
        return
    log.info("cohort request %s: resuming, %d profile(s) read before", request.id, len(request.profiles))
    try:
        await run_request(engine, directory, study, request, claim, notice=_notice(what))
    except Exception:
        log.exception("cohort request %s failed; it is tried again once its lease runs out", request.id)
