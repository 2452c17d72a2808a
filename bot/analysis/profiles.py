"""Per-interview profiles summarised per group: emotions (Claude mode), roles AI plays, survey items."""

from __future__ import annotations

from typing import Any

from bot.analysis.model import Doc, EmotionScore, EmotionSummary, RoleShare
from bot.analysis.prevalence import groups_of
from bot.analysis.run import Run, cached
from bot.analysis.stats import bootstrap_median, wilson
from bot.analysis.suppression import hidden_groups


async def emotions(run: Run) -> list[EmotionScore]:
    rater = run.toolkit.emotions
    if rater is None:
        return []
    return await cached(
        run,
        "emotions",
        "emotions",
        lambda: rater.rate(run.docs),
        lambda v: [EmotionScore(**e) for e in v],
    )


def emotion_summary(
    docs: list[Doc], scores: list[EmotionScore], group_field: str | None, min_cell: int
) -> list[EmotionSummary]:
    by = {(s.interview, s.emotion): s.intensity for s in scores}
    emotions = list(dict.fromkeys(s.emotion for s in scores))
    out = []
    for group, members in groups_of(docs, group_field).items():
        for emotion in emotions:
            values = [by[(m, emotion)] for m in members if (m, emotion) in by]
            if len(values) >= min_cell:
                out.append(EmotionSummary(group, emotion, len(values), bootstrap_median(values)))
    return out


async def roles(run: Run) -> dict[str, str | None]:
    async def compute() -> dict[str, str | None]:
        return dict(await run.toolkit.roles.roles(run.docs))

    return await cached(run, "roles", "roles", compute, dict)


def role_shares(
    docs: list[Doc], roles: dict[str, str | None], group_field: str | None, min_cell: int
) -> list[RoleShare]:
    """Augmentation and automation shares per group among those who talk about AI's role; groups under
    `min_cell`, and those hidden with them so that "all" cannot give them back, show n only."""
    said = {
        group: [roles[m] for m in members if roles.get(m)]
        for group, members in groups_of(docs, group_field).items()
    }
    hidden = hidden_groups({g: len(s) for g, s in said.items()}, min_cell)
    out = []
    for group, answers in said.items():
        n, k = len(answers), sum(r == "augmentation" for r in answers)
        if n < min_cell or group in hidden:
            out.append(RoleShare(group, n, None, None))
        else:
            out.append(RoleShare(group, n, wilson(k, n), wilson(n - k, n)))
    return out


def survey(docs: list[Doc], study: Any, group_field: str | None, min_cell: int) -> list[Any]:
    try:
        from bot.analysis.survey import survey_stats
    except ImportError:
        return []
    return survey_stats(docs, study, group_field, min_cell)
