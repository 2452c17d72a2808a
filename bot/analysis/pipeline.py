"""The analysis pipeline: embed, themes, names, coding, prevalence, quotes, emotions, roles, survey.

The same steps run in both modes; the judgement stages come from a `Toolkit` (offline here, Claude in
`bot.analysis.claude.toolkit`). Each expensive stage's result is kept as JSON in the cache directory under a
key that hashes everything it depends on (the corpus, the vector model, the mode, and for coding the
codebook and gold labels), and every vector is kept by `CachedEmbedder`. So an interrupted run resumes
where it stopped, and a re-run with a new codebook recomputes only coding and what follows it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.analysis import calibrate, coding, quotes, stance, themes
from bot.analysis.cache import StageCache, digest
from bot.analysis.embed import Embedder
from bot.analysis.gold_size import gold_need
from bot.analysis.model import (
    Analysis,
    Code,
    CodeAssignment,
    Doc,
    EmotionScore,
    EmotionSummary,
    Prevalence,
    Quote,
    RoleShare,
    Segment,
    Theme,
)
from bot.analysis.stages import Estimate, Toolkit
from bot.analysis.stats import bootstrap_median, ppi_share, wilson
from bot.records.redact import redact

log = logging.getLogger(__name__)
Labels = dict[str, dict[str, bool]]
CHUNK = 512  # texts per embedding call: the progress bar's step and the vector cache's shard size
GOLD_MIN = 5  # gold interviews a cell needs before its prevalence is bias-corrected
THEME_QUOTES = 3
CODE_QUOTES = 5
NAMING_MEMBERS, NAMING_NEARBY = 20, 5
UNKNOWN_GROUP = "(not given)"
FEW_UNITS = 200
EMOTIONS_OFFLINE = (
    "Emotions are rated only with --mode claude: offline word lists and sentence similarity put nearly "
    "every interview near the middle of the scale, and no labelled data shows that they measure emotion."
)


class Progress(Protocol):
    """Where the pipeline reports its stages; the CLI draws a rich progress bar."""

    def start(self, stage: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class NoProgress:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


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


def _theme(d: dict[str, Any]) -> Theme:
    return Theme(**{**d, "quotes": [Quote(**q) for q in d.get("quotes", [])]})


# ---- the run ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    """What every stage of one analysis shares."""

    docs: list[Doc]
    toolkit: Toolkit
    embedder: Embedder
    cache: StageCache
    progress: Progress
    mode: str
    corpus_key: str
    notes: list[str] = field(default_factory=list)
    procedural: list[str] = field(default_factory=list)  # questions whose answers themes leave out

    def key(self, *parts: Any) -> str:
        return digest([self.corpus_key, self.embedder.name, self.mode, *parts])

    def embed(self, texts: list[str], stage: str) -> np.ndarray:
        self.progress.start(stage, len(texts))
        # Shortest first across the whole corpus, so that each chunk, and each batch the model pads to its
        # longest text, holds texts of about the same length: 10% less work than sorting within chunks.
        order = np.argsort([len(t) for t in texts], kind="stable")
        vectors: np.ndarray | None = None
        for at in range(0, len(texts), CHUNK):
            rows = order[at : at + CHUNK]
            chunk = self.embedder.encode([texts[i] for i in rows])
            if vectors is None:  # filled in place: no second copy of a large corpus's vectors
                vectors = np.empty((len(texts), chunk.shape[1]), dtype=np.float32)
            vectors[rows] = chunk
            self.progress.advance(len(rows))
        return vectors if vectors is not None else np.zeros((0, 1), dtype=np.float32)


def corpus_key(docs: list[Doc]) -> str:
    return digest([[d.code, d.group, d.survey, [[s.question, s.answer] for s in d.segments]] for d in docs])


async def _cached(
    run: Run,
    stage: str,
    title: str,
    compute: Callable[[], Awaitable[Any]],
    load: Callable[[Any], Any],
    *key: Any,
) -> Any:
    """The stage's cached result, or compute it (one progress step) and cache it."""
    digest_ = run.key(stage, *key)
    cached = run.cache.get(stage, digest_)
    if isinstance(cached, dict) and set(cached) == {"value", "notes"}:
        run.notes.extend(cached["notes"])  # failures reported by the run that computed it still apply
        return load(cached["value"])
    run.progress.start(title, 1)
    before = set(_part_notes(run))
    value = await compute()
    stage_notes = [n for n in _part_notes(run) if n not in before]
    run.cache.put(stage, digest_, {"value": value, "notes": stage_notes})
    run.progress.advance()
    return value


async def _facets(run: Run) -> list[Segment]:
    if run.mode == "offline":  # the segments themselves: nothing worth caching
        return await run.toolkit.facets.facets(run.docs)
    return await _cached(
        run,
        "facets",
        "facets",
        lambda: run.toolkit.facets.facets(run.docs),
        lambda v: [Segment(**s) for s in v],
    )


@dataclass
class Units:
    """What is clustered: offline, the passages of the answers; Claude mode, the facet summaries."""

    items: list[Segment]  # answer = the unit's text; interview and index locate its answer
    vectors: np.ndarray
    passages: list[int] | None  # offline: each unit's index into the passage index


def _units(run: Run, facets: list[Segment], idx: coding.PassageIndex) -> Units:
    if run.mode == "offline":  # passages, not whole answers: one answer often touches several themes
        skip = themes.procedural_answers(run.docs, run.procedural)
        questions = {(f.interview, f.index): f.question for f in facets if (f.interview, f.index) not in skip}
        rows = [
            i
            for i, p in enumerate(idx.items)
            if (p.interview, p.segment) in questions and len(p.text.split()) >= themes.MIN_WORDS
        ]
        items = [
            Segment(
                idx.items[i].interview,
                idx.items[i].segment,
                questions[(idx.items[i].interview, idx.items[i].segment)],
                idx.items[i].text,
            )
            for i in rows
        ]
        return Units(items, idx.vectors[rows], rows)
    keep = [facets[i] for i in themes.substantive(facets)]
    return Units(keep, run.embed([f.answer for f in keep], "embed facets"), None)


@dataclass
class ThemeResult:
    themes: list[Theme]
    members: dict[str, list[int]]  # theme id -> indexes into the units, nearest the centroid first
    nearby: dict[str, list[int]]


async def _themes(run: Run, units: Units, idx: coding.PassageIndex) -> ThemeResult:
    key = run.key(
        "themes",
        str(themes.TOP_K),
        str(themes.SUB_K),
        themes.SUB_MIN,
        themes.SUB_SILHOUETTE,
        themes.TOLERANCE,
        themes.MERGE,
        sorted(themes.FILLER),
        run.procedural,
    )
    if len(units.items) < FEW_UNITS:  # said on every run, cached or not
        run.notes.append(
            f"Only {len(units.items)} passages to cluster: themes are tentative below a few hundred."
        )
    cached = run.cache.get("themes", key)
    if cached is not None:
        return ThemeResult([_theme(t) for t in cached["themes"]], cached["members"], cached["nearby"])
    run.progress.start("themes", 1)
    if len(units.items) < 2:
        result = ThemeResult([], {}, {})
    else:
        found = themes.cluster(units.items, units.vectors)
        result = _described(run, found, units, idx)
    run.cache.put(
        "themes", key, {"themes": result.themes, "members": result.members, "nearby": result.nearby}
    )
    run.progress.advance()
    return result


def _described(run: Run, found: themes.Clustering, units: Units, idx: coding.PassageIndex) -> ThemeResult:
    """Keywords, representative quotes and naming material for each clustered theme."""
    words = themes.keywords(
        {t.id: [units.items[i].answer for i in found.members[t.id]] for t in found.themes}
    )
    sources = quotes.sources(run.docs)
    members, nearby = {}, {}
    for theme in found.themes:
        theme.keywords = words.get(theme.id, [])
        own = found.members[theme.id]
        centroid = found.centroids[theme.id]
        members[theme.id] = own[:NAMING_MEMBERS]
        outside = np.setdiff1d(np.arange(len(units.items)), own)
        if theme.parent:  # a sub-theme's near misses are its siblings' answers
            outside = np.intersect1d(outside, found.members[theme.parent])
        closest = outside[np.argsort(-(units.vectors[outside] @ centroid), kind="stable")]
        nearby[theme.id] = [int(i) for i in closest[:NAMING_NEARBY]]
        if units.passages is not None:  # members are passages, already nearest the centroid first
            ranked = [units.passages[i] for i in own]
        else:  # facets are summaries: quote the passages of the theme's interviews nearest its centroid
            interviews = {units.items[i].interview for i in own}
            pool = np.array(sorted(int(p) for code in interviews for p in idx.by_interview.get(code, [])))
            ranked = (
                [int(i) for i in pool[np.argsort(-(idx.vectors[pool] @ centroid), kind="stable")]]
                if pool.size
                else []
            )
        theme.quotes = quotes.pick(
            ranked, idx.items, idx.vectors, sources, limit=THEME_QUOTES, theme=theme.id
        )
    return ThemeResult(found.themes, members, nearby)


async def _names(run: Run, found: ThemeResult, units: Units) -> list[Theme]:
    if not found.themes:
        return []
    members = {tid: [units.items[i] for i in ids] for tid, ids in found.members.items()}
    nearby = {tid: [units.items[i] for i in ids] for tid, ids in found.nearby.items()}

    async def compute() -> list[Theme]:
        named = await run.toolkit.namer.name(found.themes, members, nearby)
        for theme in named:  # a name or description must not carry a participant's identifiers either
            theme.name, theme.description = redact(theme.name), redact(theme.description)
        return named

    return await _cached(
        run,
        "names",
        "name themes",
        compute,
        lambda v: [_theme(t) for t in v],
        [asdict(t) for t in found.themes],
        [themes.NAME_WORDS, themes.NAME_CONTRAST],
    )


# ---- coding and prevalence ---------------------------------------------------------------------------


@dataclass
class Coded:
    assignments: list[CodeAssignment]
    model_on_gold: Labels = field(default_factory=dict)  # model labels on gold interviews (out of fold)
    notes: list[str] = field(default_factory=list)
    methods: dict[str, str] = field(default_factory=dict)  # code -> how the non-gold interviews were coded


async def _code(
    run: Run,
    codebook: list[Code],
    gold: Labels | None,
    idx: coding.PassageIndex,
) -> Coded:
    if not codebook:
        return Coded([])

    async def compute() -> Coded:
        if run.mode != "offline":
            coded = Coded(await run.toolkit.coder.code(run.docs, codebook))
            return _with_gold(coded, gold) if gold else coded
        scores = coding.score(run.docs, codebook, run.embedder, idx)
        if not gold:
            return Coded(coding.assignments(scores, scores.present(), scores.confidence(), "model"))
        fitted = calibrate.code_with_gold(scores, gold)
        return Coded(fitted.assignments, fitted.out_of_fold, fitted.notes, fitted.methods)

    def load(v: dict[str, Any]) -> Coded:
        return Coded(
            [CodeAssignment(**a) for a in v["assignments"]], v["model_on_gold"], v["notes"], v["methods"]
        )

    # the rules' settings are part of the key, so a changed rule never reads a stale coding
    rules = [coding.ALPHA, coding.FLOOR, coding.CONTRAST, coding.READ, coding.NEAREST_TOLERANCE]
    rules += [calibrate.GAIN, calibrate.MARGIN, calibrate.MIN_CLASS, *stance.RULES]
    key = [[asdict(c) for c in codebook], gold or {}, rules]
    return await _cached(run, "code", "code interviews", compute, load, *key)


def _with_gold(coded: Coded, gold: Labels) -> Coded:
    """Gold interviews keep their hand-coded labels; Claude's own labels there (it never saw the gold) measure it."""
    for a in coded.assignments:
        value = gold.get(a.interview, {}).get(a.code)
        if value is None:
            continue
        coded.model_on_gold.setdefault(a.interview, {})[a.code] = a.present
        a.present, a.source, a.score = value, "gold", 1.0 if value else 0.0
    return coded


def groups_of(docs: list[Doc], group_field: str | None) -> dict[str, list[str]]:
    """Interview codes per group value ("all" first), values sorted."""
    out: dict[str, list[str]] = {"all": [d.code for d in docs]}
    if group_field:
        by: dict[str, list[str]] = {}
        for d in docs:
            by.setdefault(d.group.get(group_field, "").strip() or UNKNOWN_GROUP, []).append(d.code)
        out.update(dict(sorted(by.items())))
    return out


def prevalence(
    docs: list[Doc],
    codebook: list[Code],
    coded: Coded,
    gold: Labels | None,
    group_field: str | None,
    min_cell: int,
) -> list[Prevalence]:
    """Share coded present per code and group with Wilson intervals; PPI-corrected where gold allows."""
    present = {(a.interview, a.code): a.present for a in coded.assignments}
    out = []
    for code in codebook:
        for group, everyone in groups_of(docs, group_field).items():
            # an interview whose coding failed (Claude mode) is left out, not counted as absent
            members = [m for m in everyone if (m, code.id) in present]
            n = len(members)
            k = sum(present.get((m, code.id), False) for m in members)
            if n < min_cell:
                out.append(Prevalence(code.id, group, n, k, None, suppressed=True))
                continue
            cell = Prevalence(code.id, group, n, k, wilson(k, n))
            if gold:
                cell.corrected, cell.gold_need = _corrected(
                    code.id, members, present, coded.model_on_gold, gold
                )
            out.append(cell)
    return out


def _corrected(
    code: str, members: list[str], present: dict[tuple[str, str], bool], model_on_gold: Labels, gold: Labels
) -> Any:
    labelled = [m for m in members if code in gold.get(m, {}) and code in model_on_gold.get(m, {})]
    if len(labelled) < GOLD_MIN:
        return None, None
    rest = [present.get((m, code), False) for m in members if m not in set(labelled)]
    model, truth = [model_on_gold[m][code] for m in labelled], [gold[m][code] for m in labelled]
    return ppi_share(rest, model, truth), gold_need(rest, model, truth)


# ---- quotes, emotions, roles ---------------------------------------------------------------------------


def code_quotes(run: Run, codebook: list[Code], coded: Coded, idx: coding.PassageIndex) -> list[Quote]:
    """Per code, passages of interviews coded present that are most similar to the code's description."""
    sources = quotes.sources(run.docs)
    yes: dict[str, set[str]] = {}
    for a in coded.assignments:
        if a.present:
            yes.setdefault(a.code, set()).add(a.interview)
    out = []
    for code in codebook:
        pool = np.array([int(p) for m in sorted(yes.get(code.id, ())) for p in idx.by_interview.get(m, [])])
        if pool.size == 0:
            continue
        query = run.embedder.encode(coding.queries(code))
        ranked = pool[np.argsort(-(idx.vectors[pool] @ query.T).max(axis=1), kind="stable")]
        out += quotes.pick(
            [int(i) for i in ranked], idx.items, idx.vectors, sources, limit=CODE_QUOTES, code=code.id
        )
    return out


async def _emotions(run: Run) -> list[EmotionScore]:
    if run.toolkit.emotions is None:
        return []
    return await _cached(
        run,
        "emotions",
        "emotions",
        lambda: run.toolkit.emotions.rate(run.docs),
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


async def _roles(run: Run) -> dict[str, str | None]:
    async def compute() -> dict[str, str | None]:
        return dict(await run.toolkit.roles.roles(run.docs))

    return await _cached(run, "roles", "roles", compute, dict)


def role_shares(
    docs: list[Doc], roles: dict[str, str | None], group_field: str | None, min_cell: int
) -> list[RoleShare]:
    out = []
    for group, members in groups_of(docs, group_field).items():
        said = [roles[m] for m in members if roles.get(m)]
        n, k = len(said), sum(r == "augmentation" for r in said)
        if n < min_cell:
            out.append(RoleShare(group, n, None, None))
        else:
            out.append(RoleShare(group, n, wilson(k, n), wilson(n - k, n)))
    return out


def _survey(docs: list[Doc], study: Any, group_field: str | None, min_cell: int) -> list[Any]:
    try:
        from bot.analysis.survey import survey_stats
    except ImportError:
        return []
    return survey_stats(docs, study, group_field, min_cell)


def _agreement(coded: Coded, gold: Labels) -> list[Any]:
    """Held-out agreement: the model's labels on gold interviews come from fits that never saw them."""
    from bot.analysis.agreement import agreement

    if not coded.model_on_gold:
        return []
    try:
        return agreement(coded.model_on_gold, gold, methods=coded.methods)
    except ValueError:
        return []


# ---- the whole analysis ---------------------------------------------------------------------------------


def _run(
    docs: list[Doc],
    toolkit: Toolkit,
    embedder: Embedder,
    cache_dir: Path | None,
    progress: Progress | None,
    mode: str,
    notes: list[str] | None,
    procedural: list[str] | None = None,
) -> Run:
    return Run(
        docs=docs,
        toolkit=toolkit,
        embedder=embedder,
        cache=StageCache(cache_dir, [d.code for d in docs]),
        progress=progress or NoProgress(),
        mode=mode,
        corpus_key=corpus_key(docs),
        notes=list(notes or []),
        procedural=list(procedural or []),
    )


async def _discover(run: Run) -> tuple[coding.PassageIndex, list[Theme]]:
    idx = _passage_index(run, quotes.passages(run.docs))
    units = _units(run, await _facets(run), idx)
    found = await _themes(run, units, idx)
    return idx, await _names(run, found, units)


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
    run = _run(docs, toolkit, embedder, cache_dir, progress, mode, None, procedural)
    _, named = await _discover(run)
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
    run = _run(docs, toolkit, embedder, cache_dir, progress, mode, notes, procedural)
    if mode == "claude":
        estimate = toolkit.coder.estimate(docs, codebook)
        if estimate is not None and confirm is not None and not confirm(estimate):
            raise AnalysisCancelled(f"cancelled before any request to Claude ({estimate.text()})")
    gold = {k: v for k, v in (gold or {}).items() if v} or None
    _check_gold(docs, codebook, gold)
    idx, named = await _discover(run)
    coded = await _code(run, codebook, gold, idx)
    run.progress.start("prevalence and quotes", 1)
    cells = prevalence(docs, codebook, coded, gold, group_field, min_cell)
    chosen = [q for t in named for q in t.quotes] + code_quotes(run, codebook, coded, idx)
    run.progress.advance()
    emotion_scores = await _emotions(run)
    roles = await _roles(run)
    run.progress.start("survey", 1)
    survey = _survey(docs, study, group_field, min_cell)
    run.progress.advance()
    return Analysis(
        study=name,
        mode=mode,  # type: ignore[arg-type]
        interviews=len(docs),
        segments=sum(len(d.segments) for d in docs),
        group_field=group_field,
        themes=named,
        codebook=codebook,
        assignments=coded.assignments,
        prevalence=cells,
        quotes=chosen,
        emotions=emotion_scores,
        emotion_summary=emotion_summary(docs, emotion_scores, group_field, min_cell),
        roles=role_shares(docs, roles, group_field, min_cell),
        survey=survey,
        agreement=_agreement(coded, gold) if gold else [],
        notes=list(dict.fromkeys(run.notes + coded.notes + _notes(run, min_cell, gold, codebook))),
        min_cell=min_cell,
    )


class AnalysisCancelled(Exception):
    """The researcher declined the cost estimate."""


def _passage_index(run: Run, items: list[quotes.Passage]) -> coding.PassageIndex:
    vectors = run.embed([p.text for p in items], "embed passages")
    groups: dict[str, list[int]] = {d.code: [] for d in run.docs}
    for i, p in enumerate(items):
        groups[p.interview].append(i)
    idx = coding.PassageIndex(items, vectors, {k: np.array(v, dtype=int) for k, v in groups.items()})
    indexer = getattr(run.toolkit.coder, "indexer", None)
    if isinstance(indexer, coding.Indexer):  # the offline stages reuse these vectors instead of re-reading
        indexer.prime(run.docs, idx)
    return idx


def _check_gold(docs: list[Doc], codebook: list[Code], gold: Labels | None) -> None:
    from bot.errors import AnalysisInputError

    if not gold:
        return
    known = {d.code for d in docs}
    if not known & set(gold):
        raise AnalysisInputError(
            f"none of the {len(gold)} interviews in the gold file is in the corpus (e.g. {next(iter(gold))!r}); "
            "the gold file's transcript_id/interview column must use the same ids"
        )
    codes = {c.id for c in codebook}
    gold_codes = {c for v in gold.values() for c in v}
    if codebook and not codes & gold_codes:
        raise AnalysisInputError(
            f"the gold file's codes ({', '.join(sorted(gold_codes))}) match none of the codebook's "
            f"({', '.join(sorted(codes))}); name the gold columns after the code ids"
        )


def _part_notes(run: Run) -> list[str]:
    """What the mode's parts report so far (e.g. Claude requests that failed for good)."""
    out: list[str] = []
    for part in (
        run.toolkit.facets,
        run.toolkit.namer,
        run.toolkit.coder,
        run.toolkit.emotions,
        run.toolkit.roles,
    ):
        out += list(getattr(part, "notes", []) or [])
    return out


def _notes(run: Run, min_cell: int, gold: Labels | None, codebook: list[Code]) -> list[str]:
    out = _part_notes(run)
    if run.toolkit.emotions is None:
        out.append(EMOTIONS_OFFLINE)
    if codebook and run.mode == "offline" and not gold:
        out.append(
            "Codes were assigned by similarity to the codebook (zero-shot) without a hand-coded check; "
            "these shares are uncorrected machine coding. Hand-code 30 or more randomly drawn interviews and "
            "pass them with --gold for calibrated coding, held-out agreement and bias-corrected shares."
        )
    out.append(f"Cells with fewer than {min_cell} participants are not shown.")
    return list(dict.fromkeys(out))
