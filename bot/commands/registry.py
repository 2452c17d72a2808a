"""Researcher and organizer commands, the same on every platform: `/interviewer help|studies|status ...`."""

from __future__ import annotations

import shlex
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel import col, func, select

from bot.engine.claude_trouble import incident_line
from bot.engine.engine import Engine
from bot.interview.transitions import State
from bot.messages import Address
from bot.outreach.funnel import funnel_lines
from bot.storage.models import Interview, ScreeningAnswer
from bot.studies.study import Study

USAGE = {
    "help": "/interviewer help",
    "studies": "/interviewer studies",
    "status": "/interviewer status <study>",
}
REFUSAL = (
    "Sorry, only the researchers and organizers named in a study can use this command. "
    "Ask the study's lead researcher to add you ({who})."
)


@dataclass(frozen=True)
class Actor:
    """Who runs a command: their address and their `platform:user_id` as written in study files."""

    address: Address

    @property
    def access_id(self) -> str:
        return f"{self.address.platform}:{self.address.user_id}"


def role_in(engine: Engine, study: Study, actor: Actor) -> str | None:
    """'researcher', 'organizer' or None. Workspace admins (ADMINS setting) are researchers everywhere."""
    if actor.access_id in engine.settings.admin_ids or actor.access_id in study.researchers:
        return "researcher"
    if actor.access_id in study.organizers:
        return "organizer"
    return None


async def execute(engine: Engine, actor: Address, text: str) -> str:
    """Run one command line (the text after `/interviewer`) and return the reply to show the actor only."""
    try:
        words = shlex.split(text.strip())
    except ValueError:
        return f"I could not read that command (unbalanced quotes?). {_usage_lines()}"
    if not words:
        return _help()
    name, args = words[0].lower(), words[1:]
    handler = HANDLERS.get(name)
    if handler is None:
        return f"Unknown command `{name}`. {_usage_lines()}"
    return await handler(engine, Actor(actor), args)


def _usage_lines() -> str:
    return "Usage: " + " | ".join(f"`{u}`" for u in USAGE.values())


def _help() -> str:
    return (
        "*interviewer* runs research interviews in direct messages.\n"
        "• `/interviewer studies`: the studies you can manage\n"
        "• `/interviewer status <study>`: how far a study has got\n"
        "• `/interviewer export <study> [jsonl|csv|markdown|qdpx]`: transcripts to your DMs (researchers)\n"
        "Participants: send the bot a direct message to take part; they can type `help`, `pause`, `stop` "
        "or `withdraw` at any time."
    )


async def _cmd_help(engine: Engine, actor: Actor, args: list[str]) -> str:
    return _help()


async def _cmd_studies(engine: Engine, actor: Actor, args: list[str]) -> str:
    mine = [(s, role_in(engine, s, actor)) for s in engine.catalog.studies()]
    mine = [(s, r) for s, r in mine if r]
    if not mine:
        return REFUSAL.format(who=actor.access_id)
    return "Your studies:\n" + "\n".join(f"• `{s.id}`: {s.title} ({r})" for s, r in mine)


async def _cmd_status(engine: Engine, actor: Actor, args: list[str]) -> str:
    if len(args) != 1:
        return f"Usage: `{USAGE['status']}`"
    study = engine.catalog.get(args[0])
    if study is None:
        known = ", ".join(f"`{i}`" for i in engine.catalog.ids()) or "none"
        return f"There is no study `{args[0]}`. Known studies: {known}."
    if role_in(engine, study, actor) is None:
        return REFUSAL.format(who=actor.access_id)
    return await status_text(engine, study)


async def status_text(engine: Engine, study: Study) -> str:
    """The study's funnel: interviews per state, per group when the study has a group question."""
    async with engine.store.session() as s:
        counts = dict(
            (
                await s.exec(
                    select(Interview.state, func.count())
                    .where(Interview.study_id == study.id, col(Interview.pilot).is_(False))
                    .group_by(Interview.state)
                )
            ).all()
        )
        done = (
            await s.exec(
                select(Interview.created_at, Interview.completed_at).where(
                    Interview.study_id == study.id,
                    col(Interview.completed_at).is_not(None),
                    col(Interview.pilot).is_(False),
                )
            )
        ).all()
        group_q = next((q.id for q in study.screening if q.group), None)
        groups: dict[str, int] = {}
        if group_q:
            groups = dict(
                (
                    await s.exec(
                        select(ScreeningAnswer.value, func.count())
                        .join(Interview)
                        .where(
                            Interview.study_id == study.id,
                            ScreeningAnswer.question_id == group_q,
                            col(Interview.pilot).is_(False),
                        )
                        .group_by(ScreeningAnswer.value)
                    )
                ).all()
            )
    total = sum(counts.values())
    lines = [
        f"*{study.title}* (`{study.id}`, plan v{engine.catalog.current(study.id).version}): "
        f"{total} interview(s)"
    ]
    for state in State:
        if counts.get(state.value):
            lines.append(f"• {state.value.replace('_', ' ')}: {counts[state.value]}")
    if done:
        minutes = statistics.median((end - start).total_seconds() / 60 for start, end in done)
        lines.append(f"• median time to complete: {minutes:.0f} min")
    if groups:
        lines.append(f"By {group_q}: " + ", ".join(f"{k}: {v}" for k, v in sorted(groups.items())))
    lines += await funnel_lines(engine, study)
    async with engine.store.session() as s:
        claude = await incident_line(s, study.id)
    return "\n".join(lines + ([claude] if claude else []))


Handler = Callable[[Engine, Actor, list[str]], Awaitable[str]]
HANDLERS: dict[str, Handler] = {"help": _cmd_help, "studies": _cmd_studies, "status": _cmd_status}


async def _cmd_export(engine: Engine, actor: Actor, args: list[str]) -> str:
    from bot.commands.export import export_command  # late: it imports this module's role checks

    return await export_command(engine, actor, args)


async def _cmd_audit(engine: Engine, actor: Actor, args: list[str]) -> str:
    from bot.commands.export import audit_command

    return await audit_command(engine, actor, args)


USAGE["export"] = (
    "/interviewer export <study> [jsonl|csv|markdown|qdpx] [--since DATE] [--group G] [--include-incomplete]"
)
USAGE["audit"] = "/interviewer audit <study>"
HANDLERS.update(export=_cmd_export, audit=_cmd_audit)


async def _cmd_invite(engine: Engine, actor: Actor, args: list[str]) -> str:
    from bot.outreach.cohorts import invite_command

    return await invite_command(engine, actor, args)


async def _cmd_timezone(engine: Engine, actor: Actor, args: list[str]) -> str:
    from bot.outreach.cohorts import timezone_command

    return await timezone_command(engine, actor, args)


USAGE["invite"] = "/interviewer invite <study> #channel | members:#channel | role:@Role [confirm]"
USAGE["timezone"] = "/interviewer timezone <Area/City>"
HANDLERS.update(invite=_cmd_invite, timezone=_cmd_timezone)


async def _cmd_pilot(engine: Engine, actor: Actor, args: list[str]) -> str:
    from bot.commands.pilot import pilot_command  # late: it imports this module's role checks

    return await pilot_command(engine, actor, args)


USAGE["pilot"] = "/interviewer pilot <study>"
HANDLERS.update(pilot=_cmd_pilot)
