"""Emergent themes: participant answers clustered into a two-level hierarchy with keyword labels.

Units (offline: the passages of the answers, since one answer often touches several themes; Claude mode:
per-interview facet summaries) are clustered with k-means on their sentence vectors. A theme's size is the
number of distinct answers with a unit in it. The number of top-level themes is the k in 4..12 with the best
silhouette (on a seeded sample, so large corpora stay fast); each large enough theme is split again into
2..6 sub-themes the same way when the split is better than none at all. Keywords come from class-based
TF-IDF: a term counts for a theme when it is frequent there and rare in the other themes. Fixed seeds make
a re-run give the same themes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from bot.analysis.model import Doc, Segment, Theme
from bot.records.redact import redact

SEED = 0
MIN_WORDS = 5  # "Yes.", "Sounds good!" carry no theme
TOP_K = range(6, 17)
SUB_K = range(2, 6)
TOLERANCE = 0.01  # silhouettes this close count as equal, and then the finer split wins
SUB_MIN = 40  # a theme needs this many units before it is split into sub-themes
SUB_MIN_SIZE, SUB_MIN_SHARE = 5, 0.08  # no sub-theme smaller than this (units, share of the theme)
SUB_SILHOUETTE = 0.03  # a split must separate at least this well to be kept
SILHOUETTE_SAMPLE = 2000
SELECTION_SAMPLE = 3000
REDUCED = 48  # PCA dimensions for clustering
# Conversational words that c-TF-IDF would otherwise promote in small themes.
FILLER = {
    "yeah", "yes", "like", "just", "really", "think", "know", "thing", "things", "lot", "kind", "sort",
    "actually", "pretty", "maybe", "probably", "definitely", "mean", "stuff", "ve", "don", "didn", "doesn",
    "isn", "ll", "re", "going", "got", "get", "way", "time", "use", "using", "used", "ai", "would", "could",
    "ask", "asking", "help", "helps", "make", "makes", "need", "needs", "want", "usually", "able", "try",
    "trying", "tell", "say", "said", "good", "great", "sure", "okay", "ok", "thank", "thanks", "sounds", "let",
}  # fmt: skip


@dataclass
class Clustering:
    """Which theme each clustered segment belongs to, and each theme's centroid."""

    themes: list[Theme]
    members: dict[str, list[int]]  # theme id -> indexes into the clustered units, nearest centroid first
    centroids: dict[str, np.ndarray] = field(default_factory=dict)


class OfflineFacets:
    """Offline, the segments are clustered as they are: each answer with its question."""

    async def facets(self, docs: list[Doc]) -> list[Segment]:
        return [s for d in docs for s in d.segments]


def substantive(segments: list[Segment]) -> list[int]:
    """Indexes of segments long enough to carry a theme."""
    return [i for i, s in enumerate(segments) if len(s.answer.split()) >= MIN_WORDS]


def _reduced(vectors: np.ndarray) -> np.ndarray:
    """PCA to at most REDUCED dimensions: k-means is several times faster and the themes hardly change."""
    from sklearn.decomposition import PCA

    dims = min(REDUCED, vectors.shape[0] - 1, vectors.shape[1])
    if dims < 2:
        return vectors
    return PCA(n_components=dims, random_state=SEED).fit_transform(vectors)


def _kmeans(vectors: np.ndarray, ks: range, min_size: int = 1) -> tuple[np.ndarray, float]:
    """Labels for the k in `ks` with the best silhouette (no cluster under min_size), and that silhouette.

    k is chosen on a seeded sample of at most SELECTION_SAMPLE units; the chosen k is then fitted on all.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(SEED)
    sample = (
        vectors[rng.choice(len(vectors), SELECTION_SAMPLE, replace=False)]
        if len(vectors) > SELECTION_SAMPLE
        else vectors
    )
    scale = len(sample) / len(vectors)
    scores: dict[int, float] = {}
    for k in ks:
        if k >= len(sample):
            break
        labels = KMeans(n_clusters=k, n_init=2, random_state=SEED).fit_predict(sample)
        sizes = np.bincount(labels, minlength=k)
        if len(set(labels)) < 2 or sizes.min() < min_size * scale:
            continue
        scores[k] = float(
            silhouette_score(
                sample, labels, sample_size=min(SILHOUETTE_SAMPLE, len(sample)), random_state=SEED
            )
        )
    # Interview answers rarely fall into well separated clusters: where silhouettes are flat, prefer
    # the finer split, which gives a researcher specific themes rather than a few vague ones.
    best = max(((k, v) for k, v in scores.items() if v >= max(scores.values()) - TOLERANCE), default=None)
    if best is None:
        return np.zeros(len(vectors), dtype=int), 0.0
    labels = KMeans(n_clusters=best[0], n_init=2, random_state=SEED).fit_predict(vectors)
    return labels, best[1]


def _ordered(labels: np.ndarray) -> list[np.ndarray]:
    """Member index arrays per cluster, largest cluster first (ties by first member, deterministic)."""
    groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    return sorted(groups, key=lambda g: (-len(g), int(g[0])))


def _by_centrality(members: np.ndarray, vectors: np.ndarray) -> tuple[list[int], np.ndarray]:
    centroid = vectors[members].mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    order = np.argsort(-(vectors[members] @ centroid), kind="stable")
    return [int(i) for i in members[order]], centroid


def cluster(segments: list[Segment], vectors: np.ndarray) -> Clustering:
    """Two-level themes over the units `segments` (substantive ones only) with their vectors."""
    themes: list[Theme] = []
    members: dict[str, list[int]] = {}
    centroids: dict[str, np.ndarray] = {}

    def add(theme_id: str, idx: np.ndarray, parent: str | None) -> None:
        ordered, centroid = _by_centrality(idx, vectors)
        members[theme_id], centroids[theme_id] = ordered, centroid
        themes.append(
            Theme(
                id=theme_id,
                name=theme_id,
                description="",
                size=len({(segments[i].interview, segments[i].index) for i in idx}),
                interviews=len({segments[i].interview for i in idx}),
                parent=parent,
            )
        )

    reduced = _reduced(vectors)
    top_labels, _ = (
        _kmeans(reduced, TOP_K, min_size=3) if len(vectors) > TOP_K.start else (np.zeros(len(vectors)), 0.0)
    )
    for n, idx in enumerate(_ordered(top_labels), start=1):
        tid = f"t{n}"
        add(tid, idx, None)
        if len(idx) < SUB_MIN:
            continue
        sub_labels, score = _kmeans(
            reduced[idx], SUB_K, min_size=max(SUB_MIN_SIZE, int(SUB_MIN_SHARE * len(idx)))
        )
        if score < SUB_SILHOUETTE or len(set(sub_labels)) < 2:
            continue
        for m, sub in enumerate(_ordered(sub_labels), start=1):
            add(f"{tid}.{m}", idx[sub], tid)
    return Clustering(themes=themes, members=members, centroids=centroids)


PLACEHOLDER = re.compile(r"\[[A-Z]+\]")


def keywords(texts: dict[str, list[str]], top: int = 6) -> dict[str, list[str]]:
    """Class-based TF-IDF: per theme, the terms frequent in it and rare across the other themes."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    ids = list(texts)
    if not ids:
        return {}
    # Names, emails and the like never become keywords (they label a theme in the report): redact first,
    # then drop the placeholders themselves.
    docs = [PLACEHOLDER.sub(" ", redact(" ".join(texts[i]))) for i in ids]
    vectorizer = CountVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | FILLER),
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b",
        min_df=1,
    )
    try:
        counts = vectorizer.fit_transform(docs).toarray().astype(float)
    except ValueError:  # only stop words
        return {i: [] for i in ids}
    terms = vectorizer.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    average = counts.sum() / len(ids)
    idf = np.log(1 + average / np.maximum(counts.sum(axis=0), 1.0))
    scores = tf * idf
    out = {}
    for row, theme_id in enumerate(ids):
        best = [terms[j] for j in np.argsort(-scores[row], kind="stable") if scores[row, j] > 0]
        picked: list[str] = []
        for term in best:
            # "customer emails" makes "emails" redundant and the other way round
            if any(term in p.split() or p in term.split() for p in picked):
                continue
            picked.append(term)
            if len(picked) >= top:
                break
        out[theme_id] = picked
    return out


def _short(question: str, words: int = 14) -> str:
    """The question itself, without the interviewer's preamble ("Great! Let's dive in. Could you...")."""
    asked = [q for q in re.split(r"(?<=[.!?])\s+", question.strip()) if q.endswith("?")]
    parts = (asked[-1] if asked else question).split()
    return " ".join(parts[:words]) + ("..." if len(parts) > words else "")


class OfflineNamer:
    """Names a theme from its keywords and says which question its answers mostly respond to."""

    async def name(
        self, themes: list[Theme], members: dict[str, list[Segment]], nearby: dict[str, list[Segment]]
    ) -> list[Theme]:
        named = []
        for theme in themes:
            words = theme.keywords[:3] or ["miscellaneous answers"]
            name = words[0].capitalize() + (
                f", {', '.join(words[1:-1])} and {words[-1]}"
                if len(words) > 2
                else (f" and {words[1]}" if len(words) == 2 else "")
            )
            questions = Counter(s.question for s in members.get(theme.id, []) if s.question)
            about = ", ".join(theme.keywords[:5]) or "varied matters"
            description = f"Participants talk about {about}"
            if questions:
                question, count = questions.most_common(1)[0]
                if count >= 2:
                    description += f", often answering “{_short(question)}”"
            named.append(_renamed(theme, name, description + "."))
        return named


def _renamed(theme: Theme, name: str, description: str) -> Theme:
    from dataclasses import replace

    return replace(theme, name=name, description=description)
