"""The analysis pipeline: embed, themes, names, coding, prevalence, quotes, emotions, roles, survey.

The same steps run in both modes; the judgement stages come from a `Toolkit` (offline here, Claude in
`bot.analysis.claude.toolkit`). Each expensive stage's result is kept as JSON in the cache directory under a
key that hashes everything it depends on (the corpus, the vector model, the mode, and for coding the
codebook and gold labels), and every vector is kept by `CachedEmbedder`. So an interrupted run resumes
where it stopped, and a re-run with a new codebook recomputes only coding and what follows it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.analysis import coding, discovery, profiles, themes
from bot.analysis import prevalence as shares
from bot.analysis.embed import Embedder
from bot.analysis.model import Analysis, Code, Doc, Theme
from bot.analysis.run import Labels, Progress, Run, part_notes, start
from bot.analysis.stages import Estimate, Toolkit

EMOTIONS_OFFLINE = (
    "Emotions are rated only with --mode claude: offline word lists and sentence similarity put nearly "
    "every interview near the middle of the scale, and no labelled data shows that they measure emotion."
)


def offline_toolkit(embedder: Embedder) -> Toolkit:
    """Every judgement stage done locally with sentence vectors; emotions are left to Claude mode."""
    from bot.analysis.roles import OfflineRoleRater

    indexer = coding.Indexer(embedder)
    return Toolkit(
        facets=themes.OfflineFacets(),
        namer=themes.OfflineNamer(embedder),
        coder=coding.OfflineCoder(embedder, indexer),
        emotions=None,
        roles=OfflineRoleRater(embedder, indexer),
    )


async def discover_themes(
    docs: list[Doc],
    *,
    toolkit: Toolkit,
    embedder: Embedder,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    mode: str = "offline",
    procedural: list[str] | None = None,
) -> list[Theme]:
    """Only the emergent themes (for drafting a codebook); shares the cache with `analyze`."""
    run = start(docs, toolkit, embedder, cache_dir, progress, mode, None, procedural)
    _, named = await discovery.discover(run)
    return named


async def analyze(
    docs: list[Doc],
    *,
    toolkit: Toolkit,
    embedder: Embedder,
    codebook: list[Code] | None = None,
    gold: Labels | None = None,
    group_field: str | None = None,
    min_cell: int = 10,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    mode: str = "offline",
    study: Any = None,
    name: str = "analysis",
    confirm: Callable[[Estimate], bool] | None = None,
    notes: list[str] | None = None,
    procedural: list[str] | None = None,
) -> Analysis:
    """Run every stage over `docs` and return everything the report shows.

    `confirm` is asked with the cost estimate before the first paid request (Claude mode); False cancels.
    `procedural` lists questions (or parts of them) whose answers the themes leave out (the codebook's
    `procedural:`); the opening and closing question of each interview are always left out.
    """
    codebook = codebook or []
    run = start(docs, toolkit, embedder, cache_dir, progress, mode, notes, procedural)
    if mode == "claude":
        _confirm_cost(toolkit, docs, codebook, confirm)
    gold = {k: v for k, v in (gold or {}).items() if v} or None
    run.notes += shares.check_gold(docs, codebook, gold)
    idx, named = await discovery.discover(run)
    coded = await shares.code(run, codebook, gold, idx)
    run.progress.start("prevalence and quotes", 1)
    cells = shares.prevalence(docs, codebook, coded, gold, group_field, min_cell)
    chosen = [q for t in named for q in t.quotes] + shares.code_quotes(run, codebook, coded, idx)
    run.progress.advance()
    emotion_scores = await profiles.emotions(run)
    roles = await profiles.roles(run)
    run.progress.start("survey", 1)
    survey = profiles.survey(docs, study, group_field, min_cell)
    run.progress.advance()
    return Analysis(
        study=name,
        mode=mode,  # type: ignore[arg-type]  # "offline" or "claude": the CLI checks it against MODES
        interviews=len(docs),
        segments=sum(len(d.segments) for d in docs),
        group_field=group_field,
        themes=named,
        codebook=codebook,
        assignments=coded.assignments,
        prevalence=cells,
        quotes=chosen,
        emotions=emotion_scores,
        emotion_summary=profiles.emotion_summary(docs, emotion_scores, group_field, min_cell),
        roles=profiles.role_shares(docs, roles, group_field, min_cell),
        survey=survey,
        agreement=shares.held_out_agreement(coded, gold) if gold else [],
        notes=list(dict.fromkeys(run.notes + coded.notes + _notes(run, min_cell, gold, codebook))),
        min_cell=min_cell,
    )


class AnalysisCancelled(Exception):
    """The researcher declined the cost estimate."""


def _confirm_cost(
    toolkit: Toolkit, docs: list[Doc], codebook: list[Code], confirm: Callable[[Estimate], bool] | None
) -> None:
    """Ask before the first paid request; a refusal cancels the analysis."""
    estimate = toolkit.coder.estimate(docs, codebook)
    if estimate is not None and confirm is not None and not confirm(estimate):
        raise AnalysisCancelled(f"cancelled before any request to Claude ({estimate.text()})")


def _notes(run: Run, min_cell: int, gold: Labels | None, codebook: list[Code]) -> list[str]:
    out = part_notes(run)
    if run.toolkit.emotions is None:
        out.append(EMOTIONS_OFFLINE)
    if codebook and run.mode == "offline" and not gold:
        out.append(
            "Codes were assigned by similarity to the codebook (zero-shot) without a hand-coded check; "
            "these shares are uncorrected machine coding. Hand-code 30 or more randomly drawn interviews and "
            "pass them with --gold for calibrated coding, held-out agreement and bias-corrected shares."
        )
    out.append(
        f"Groups with fewer than {min_cell} participants are not shown, nor the next smallest where that "
        "is needed to keep their figures from being worked out from the totals."
    )
    return list(dict.fromkeys(out))
