"""`/interviewer studies` and `/interviewer status <study>`: the studies someone manages, and how far
one has got (interviews per state and group, time to complete, the invitation funnel, Claude trouble)."""

from __future__ import annotations

import statistics

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.access import REFUSAL, Actor, UsageError, role_in, study_access
from bot.engine.claude_trouble import incident_line
from bot.engine.engine import Engine
from bot.engine.missing_permissions import waiting_line
from bot.interview.conversation import TERMINAL, State
from bot.outreach.funnel import funnel_lines
from bot.storage.models import Interview, Participant, ScreeningAnswer
from bot.studies.study import Study


async def studies_command(engine: Engine, actor: Actor, args: list[str]) -> str:
    mine = [(s, role_in(engine, s, actor)) for s in engine.catalog.studies()]
    mine = [(s, r) for s, r in mine if r]
    if not mine:
        return REFUSAL.format(who=actor.access_id)
    return "Your studies:\n" + "\n".join(f"• `{s.id}`: {s.title} ({r})" for s, r in mine)


async def status_command(engine: Engine, actor: Actor, args: list[str]) -> str:
    if len(args) != 1:
        raise UsageError()
    return await status_text(engine, study_access(engine, actor, args[0]).study)


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
        groups = await _groups(s, study, group_q) if group_q else {}
        claude = await incident_line(s, study.id)
        cut_off = await _cut_off(s, study)
        unsent = await waiting_line(s, study.id)
    total = sum(counts.values())
    lines = [
        f"*{study.title}* (`{study.id}`, plan v{engine.catalog.current(study.id).version}): "
        f"{total} interview(s)"
    ]
    for state in State:
        if counts.get(state.value):
            lines.append(f"• {state.value.replace('_', ' ')}: {counts[state.value]}")
    if cut_off:
        lines.append(
            f"• of the open ones, {cut_off} cannot be reached: a message to them failed (DMs closed to the "
            "bot, or they left); nothing more is sent until they write again"
        )
    if done:
        minutes = statistics.median((end - start).total_seconds() / 60 for start, end in done if end)
        lines.append(f"• median time to complete: {minutes:.0f} min")
    if groups:
        lines.append(f"By {group_q}: " + ", ".join(f"{k}: {v}" for k, v in sorted(groups.items())))
    lines += await funnel_lines(engine, study)
    return "\n".join(lines + [line for line in (claude, unsent) if line])


async def _groups(s: AsyncSession, study: Study, group_q: str) -> dict[str, int]:
    return dict(
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


async def _cut_off(s: AsyncSession, study: Study) -> int:
    """Open interviews whose participant a message has since failed to reach (`Participant.unreachable`)."""
    found = await s.exec(
        select(func.count())
        .select_from(Interview)
        .join(Participant, col(Participant.id) == col(Interview.participant_id))
        .where(
            Interview.study_id == study.id,
            col(Interview.pilot).is_(False),
            col(Interview.state).not_in([state.value for state in TERMINAL]),
            col(Participant.unreachable).is_(True),
        )
    )
    return found.one()
