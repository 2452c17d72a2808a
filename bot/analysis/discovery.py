"""Emergent themes: the passage index, the units clustered (passages offline, facet summaries with
Claude), two-level clusters with keywords and quotes, and their names. Answers to each interview's opening
and closing question and to the codebook's procedural questions are left out."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from bot.analysis import coding, keywords, quotes, themes
from bot.analysis.model import Quote, Segment, Theme
from bot.analysis.run import Run, cached
from bot.records.redact import redact

THEME_QUOTES = 3
NAMING_MEMBERS, NAMING_NEARBY = 20, 5
FEW_UNITS = 200


def _theme(d: dict[str, Any]) -> Theme:
    return Theme(**{**d, "quotes": [Quote(**q) for q in d.get("quotes", [])]})


async def _facets(run: Run) -> list[Segment]:
    if run.mode == "offline":  # the segments themselves: nothing worth caching
        return await run.toolkit.facets.facets(run.docs)
    return await cached(
        run,
        "facets",
        "facets",
        lambda: run.toolkit.facets.facets(run.docs),
        lambda v: [Segment(**s) for s in v],
    )


@dataclass
class Units:
    """What is clustered: offline, the passages of the answers; Claude mode, the facet summaries.

    Offline, `vectors` are the passage index's own and the units are its rows `passages`: at 10,000
    interviews a copy of those rows takes 350 MB, so one is made only while clustering.
    """

    items: list[Segment]  # answer = the unit's text; interview and index locate its answer
    vectors: np.ndarray
    passages: list[int] | None  # offline: each unit's index into the passage index

    def own_vectors(self) -> np.ndarray:
        """The units' vectors, one row per unit (offline, a copy)."""
        return self.vectors if self.passages is None else self.vectors[self.passages]

    def similarity(self, centroid: np.ndarray) -> np.ndarray:
        """Each unit's similarity to `centroid`, without copying the units' vectors (the same values)."""
        every = np.asarray(self.vectors @ centroid)
        return every if self.passages is None else every[self.passages]


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
        return Units(items, idx.vectors, rows)
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
        sorted(keywords.FILLER),
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
        found = themes.cluster(units.items, units.own_vectors())  # the copy is let go once clustered
        result = _described(run, found, units, idx)
    run.cache.put(
        "themes", key, {"themes": result.themes, "members": result.members, "nearby": result.nearby}
    )
    run.progress.advance()
    return result


def _described(run: Run, found: themes.Clustering, units: Units, idx: coding.PassageIndex) -> ThemeResult:
    """Keywords, representative quotes and naming material for each clustered theme."""
    words = keywords.keywords(
        [u.answer for u in units.items], {t.id: found.members[t.id] for t in found.themes}
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
        # every unit's similarity, then those outside: no copy of (nearly) all the units' vectors per theme
        closest = outside[np.argsort(-units.similarity(centroid)[outside], kind="stable")]
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

    return await cached(
        run,
        "names",
        "name themes",
        compute,
        lambda v: [_theme(t) for t in v],
        [asdict(t) for t in found.themes],
        [themes.NAME_WORDS, themes.NAME_CONTRAST],
    )


async def discover(run: Run) -> tuple[coding.PassageIndex, list[Theme]]:
    """The passage index (shared with coding and quotes) and the named themes."""
    idx = passage_index(run, quotes.passages(run.docs))
    units = _units(run, await _facets(run), idx)
    found = await _themes(run, units, idx)
    return idx, await _names(run, found, units)


def passage_index(run: Run, items: list[quotes.Passage]) -> coding.PassageIndex:
    vectors = run.embed([p.text for p in items], "embed passages")
    groups: dict[str, list[int]] = {d.code: [] for d in run.docs}
    for i, p in enumerate(items):
        groups[p.interview].append(i)
    idx = coding.PassageIndex(items, vectors, {k: np.array(v, dtype=int) for k, v in groups.items()})
    indexer = getattr(run.toolkit.coder, "indexer", None)
    if isinstance(indexer, coding.Indexer):  # the offline stages reuse these vectors instead of re-reading
        indexer.prime(run.docs, idx)
    return idx
