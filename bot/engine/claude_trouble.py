"""What the engine does when Claude gives no move: the policy for outages, permanent errors and refusals.

- Outage (429/5xx/529/timeouts after the SDK's retries) or an unusable reply: the move is retried with
  back-off (RETRY_AFTER_SECONDS, doubling up to RETRY_MAX_SECONDS), never sooner than a 429's
  `retry-after` asked (`ClaudeOutage.retry_after`). The participant hears "give me a
  moment" once; after CLAUDE_LATER_MINUTES they are told the interview will continue later and the
  researchers are alerted. Retries go on at the capped interval, so the interview resumes as soon as
  Claude answers. Never an endless silent loop.
- Permanent error (400/401/402/403/404/413, a spend limit or cap, a conversation too long for the
  model's context window): retrying cannot help. The participant is told the interview will
  continue later, the researchers are alerted with what to change, the log says it at ERROR, and the move
  waits until the bot is restarted (after the configuration is fixed), when `rearm` makes it due again.
- Refusal (also on the fallback model): the participant gets a polite, honest message and can go on
  with another message; the researchers get a note.
Alerts go to the study's researchers on the participant's platform. Where there is none (a participant
on the console, or researchers only on another platform) the alert is logged at WARNING and its
incident marked `unalerted`. Every incident is stored (`ClaudeIncident`, no participant text) and
counted in `/interviewer status`; `interviewer doctor` lists the recent unalerted ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.interview.locales import texts_for
from bot.interview.texts import Texts
from bot.messages import Address
from bot.settings import Settings
from bot.storage.models import ClaudeIncident, Interview, OutboxRow
from bot.studies.study import Study

log = logging.getLogger(__name__)

KINDS = ("outage", "permanent", "refusal", "unusable")
UNALERTED_WHY = "no researcher of the study on the participant's platform; the bot's log has them at WARNING"


@dataclass
class Decision:
    """What to do for one failed move: messages to queue (key, address, text) and when to retry."""

    messages: list[tuple[str, Address, str]] = field(default_factory=list)
    retry_at: datetime | None = None


def notice_key(interview_id: int, kind: str, token: int) -> str:
    """The outbox key of a notice about one move: "give me a moment" goes out once per move, whether a
    slow answer (`bot.engine.answers`) or a failed one (`decide`) sent it first."""
    return f"i{interview_id}:{kind}:{token}"


async def _unsent(s: AsyncSession, key: str) -> bool:
    return (await s.exec(select(OutboxRow.id).where(OutboxRow.key == key))).first() is None


def _researchers(study: Study, who: Address) -> list[Address]:
    """The study's researchers on the participant's platform (and workspace), as addresses."""
    out = []
    for entry in study.researchers:
        platform, _, user = entry.partition(":")
        if platform == who.platform and user:
            out.append(Address(platform, who.workspace, user))
    return out


def _alert(
    decision: Decision, incident: ClaudeIncident, study: Study, who: Address, key: str, text: str
) -> None:
    """Queue `text` for each researcher reachable where the participant is (`key` + their id). With none
    there (a console participant, or no researcher on that platform) the alert goes to the log at
    WARNING and the incident is marked, so `/interviewer status` and `interviewer doctor` show it."""
    researchers = _researchers(study, who)
    decision.messages += [(f"{key}:{r.user_id}", r, text) for r in researchers]
    if not researchers:
        incident.unalerted = True
        log.warning("no researcher of study %s on %s to alert: %s", study.id, who.platform, text)


async def decide(
    s: AsyncSession,
    settings: Settings,
    interview: Interview,
    study: Study,
    who: Address,
    token: int,
    error: Exception,
    now: datetime,
) -> Decision:
    """Record the incident and decide the participant's message, the alerts and the next try."""
    kind = getattr(error, "kind", "outage")
    kind = kind if kind in KINDS else "outage"
    incident = ClaudeIncident(
        study_id=study.id,
        interview_id=interview.id or 0,
        move_token=token,
        kind=kind,
        detail=str(error)[:500],
        created_at=now,
    )
    s.add(incident)
    case = _Case(Decision(), incident, study, interview, who, token, error, now)
    if kind == "permanent":
        _permanent(case)
    elif kind == "refusal":
        _refusal(case)
    else:
        await _outage(s, settings, case)
    return case.decision


@dataclass(frozen=True)
class _Case:
    """One move Claude did not give, and the decision being made about it."""

    decision: Decision
    incident: ClaudeIncident
    study: Study
    interview: Interview
    who: Address
    token: int
    error: Exception
    now: datetime

    @property
    def texts(self) -> Texts:
        return texts_for(self.study.language)

    def tell(self, kind: str, text: str) -> None:
        """A message to the participant, keyed so that it goes out once per move."""
        self.decision.messages.append((notice_key(self.interview.id or 0, kind, self.token), self.who, text))

    def alert(self, key: str, text: str) -> None:
        _alert(self.decision, self.incident, self.study, self.who, key, f"Study `{self.study.id}`: {text}")


def _permanent(case: _Case) -> None:
    """Claude rejects the requests themselves: nothing is retried until the bot is fixed and restarted."""
    log.error("Claude rejects the interviewer's requests for study %s: %s", case.study.id, case.error)
    case.tell("later", case.texts.later)
    case.alert(
        f"alert:{case.study.id}:permanent:{case.now:%Y%m%d%H}",
        f"interviews are on hold because Claude rejects the bot's requests. {case.error} Fix it, run "
        "`interviewer doctor`, then restart the bot: waiting interviews resume.",
    )


def _refusal(case: _Case) -> None:
    """Claude declined this message: the participant is asked to put it another way."""
    case.tell("refusal", case.texts.refused)
    case.alert(
        f"alert:{case.study.id}:refusal:{case.interview.id}:{case.token}",
        f"Claude declined to answer a participant's message (interview {case.interview.id}); the "
        "participant was asked to put it another way.",
    )


async def _outage(s: AsyncSession, settings: Settings, case: _Case) -> None:
    """Claude is away (or answered unusably): retry with a growing delay, and after a while tell the
    participant it will be later and alert the researchers."""
    failures, first_at = (
        await s.exec(
            select(func.count(), func.min(ClaudeIncident.created_at)).where(
                ClaudeIncident.interview_id == case.interview.id,
                ClaudeIncident.move_token == case.token,
                col(ClaudeIncident.kind).in_(("outage", "unusable")),
            )
        )
    ).one()
    failures = max(int(failures or 0), 1)
    first = cast("datetime | None", first_at)  # MIN() over no rows is NULL
    delay = min(settings.retry_after_seconds * 2 ** (failures - 1), settings.retry_max_seconds)
    asked = getattr(case.error, "retry_after", None)  # the API's retry-after, when it asked for longer
    if isinstance(asked, int | float) and asked > delay:
        delay = float(asked)
    case.decision.retry_at = case.now + timedelta(seconds=delay)
    case.tell("wait", case.texts.wait)
    if first is not None and case.now - first >= timedelta(minutes=settings.claude_later_minutes):
        case.tell("later", case.texts.later)
        case.alert(
            f"alert:{case.study.id}:outage:{case.now:%Y%m%d%H}",
            f"Claude has been unavailable for over {settings.claude_later_minutes:g} minutes "
            f"({case.error}); participants were told their interviews will continue later.",
        )
    log.warning(
        "Claude unavailable for interview %s (%s, try %d); next try in %.0fs",
        case.interview.id,
        case.incident.kind,
        failures,
        delay,
    )


async def unsent_only(
    s: AsyncSession, messages: list[tuple[str, Address, str]]
) -> list[tuple[str, Address, str]]:
    """The messages whose keys were never queued (each notice and alert goes out once)."""
    return [m for m in messages if await _unsent(s, m[0])]


async def rearm(s: AsyncSession, now: datetime) -> int:
    """On start: moves parked by a permanent error become due again (the configuration may be fixed)."""
    parked = (
        await s.exec(
            select(ClaudeIncident).where(
                ClaudeIncident.kind == "permanent", col(ClaudeIncident.resolved).is_(False)
            )
        )
    ).all()
    for incident in parked:
        interview = await s.get(Interview, incident.interview_id)
        if interview is not None and interview.move_due_at is None:
            interview.move_due_at = now
            s.add(interview)
        incident.resolved = True
        s.add(incident)
    return len(parked)


async def incident_line(s: AsyncSession, study_id: str) -> str | None:
    """'Claude problems: ...' for `/interviewer status`, or None when there were none."""
    rows = dict(
        (
            await s.exec(
                select(ClaudeIncident.kind, func.count())
                .where(ClaudeIncident.study_id == study_id)
                .group_by(ClaudeIncident.kind)
            )
        ).all()
    )
    if not rows:
        return None
    unalerted = (
        await s.exec(
            select(func.count()).where(
                ClaudeIncident.study_id == study_id, col(ClaudeIncident.unalerted).is_(True)
            )
        )
    ).one()
    names = {
        "outage": "outages",
        "permanent": "permanent errors",
        "refusal": "refusals",
        "unusable": "unusable replies",
    }
    line = "Claude problems: " + ", ".join(f"{names[k]}: {rows[k]}" for k in KINDS if rows.get(k))
    if unalerted:
        line += f"; alerts no researcher received: {unalerted} ({UNALERTED_WHY})"
    return line
