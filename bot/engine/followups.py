"""A follow-up wave's interview, as the interviewer sees it: the wave's topics in place of the plan's, and
a short summary of what the participant said in their earlier interview of the study."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.interview.conversation import State
from bot.storage.models import Interview, Turn
from bot.studies.study import Study

SUMMARY_CHARS = 600  # the earlier-interview summary a follow-up interview's context carries


def wave_study(study: Study, wave_id: str) -> Study:
    """The study as a follow-up wave runs it: the wave's topics (and intro) replace the plan's."""
    wave = next((w for w in study.schedule.waves if w.id == wave_id), None)
    if wave is None:
        return study
    plan = study.plan.model_copy(update={"topics": wave.topics, "intro": wave.intro or study.plan.intro})
    return study.model_copy(update={"plan": plan})


async def earlier_summary(s: AsyncSession, interview: Interview) -> str | None:
    """A short extractive summary of the participant's previous interview in the same study."""
    earlier = (
        await s.exec(
            select(Interview)
            .where(
                Interview.participant_id == interview.participant_id,
                Interview.study_id == interview.study_id,
                Interview.id != interview.id,
                Interview.state == State.COMPLETED.value,
            )
            .order_by(col(Interview.id).desc())
        )
    ).first()
    if earlier is None:
        return None
    turns = (await s.exec(select(Turn).where(Turn.interview_id == earlier.id).order_by(col(Turn.seq)))).all()
    lines, asked, used = [], None, 0
    for turn in turns:
        if turn.role == "interviewer":
            asked = turn.text
            continue
        answer = turn.text.split(". ")[0].strip()[:200]  # first sentence: the gist, not the whole answer
        line = f"- Asked: {asked}\n  Said: {answer}" if asked else f"- Said: {answer}"
        if used + len(line) > SUMMARY_CHARS:
            break
        lines.append(line)
        used += len(line)
    if not lines:
        return None
    when = f"{earlier.completed_at:%Y-%m-%d}" if earlier.completed_at else "earlier"
    return f"Earlier interview ({when}):\n" + "\n".join(lines)
