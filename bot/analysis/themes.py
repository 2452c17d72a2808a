"""Emergent themes: participant answers clustered into a two-level hierarchy, named by central phrases.

Units (offline: the passages of the answers, since one answer often touches several themes; Claude mode:
per-interview facet summaries) are clustered with k-means on their sentence vectors. Offline, answers to
each interview's opening and closing question, and to questions a codebook marks `procedural`, are left
out: they gather replies such as "No questions, let's begin" into a theme about the interview itself.
A theme's size is the number of distinct answers with a unit in it. The number of top-level themes is the
k with the best silhouette (on a seeded sample, so large corpora stay fast); each large enough theme is
split again into sub-themes the same way when the split is better than none at all. Themes whose centroids
are nearly the same direction are merged. Keywords come from class-based TF-IDF (`bot.analysis.keywords`).
Offline names are the theme's most central and distinctive phrase. Fixed seeds make a re-run give the same themes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from bot.analysis.embed import Embedder
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
# Two clusters whose centroids, measured from the corpus mean, are at least this similar say nearly the
# same thing and are merged. On the workforce interviews top-level pairs reach 0.70 and sub-theme pairs
# 0.81; at 0.8 only the vaguest sub-themes ("work, job, skills") merge (docs/analysis.md).
MERGE = 0.8
NAME_WORDS = 8  # a longer phrase is cut with an ellipsis
NAME_CONTRAST = 0.5  # weight of a phrase's similarity to the nearest other theme: names say what differs


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


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def procedural_answers(docs: list[Doc], procedural: list[str] | None = None) -> set[tuple[str, int]]:
    """(interview, answer index) of answers about the interview itself rather than its subject.

    These are the answers to each interview's opening and closing question (the interviewer turns before
    its first and its last answer) and to any question containing one of `procedural` (case and spacing
    ignored): "Do you have any questions before we begin?" gathers "No, let's start" from everyone.
    """
    patterns = [_plain(p) for p in procedural or [] if p.strip()]
    out: set[tuple[str, int]] = set()
    for doc in docs:
        if not doc.segments:
            continue
        edges = {doc.segments[0].question, doc.segments[-1].question}
        for s in doc.segments:
            if s.question in edges or any(p in _plain(s.question) for p in patterns):
                out.add((doc.code, s.index))
    return out


def _reduced(vectors: np.ndarray) -> np.ndarray:
    """PCA to at most REDUCED dimensions: k-means is several times faster and the themes hardly change."""
    from sklearn.decomposition import PCA

    dims = min(REDUCED, vectors.shape[0] - 1, vectors.shape[1])
    if dims < 2:
        return vectors
    return np.asarray(PCA(n_components=dims, random_state=SEED).fit_transform(vectors))


def _kmeans(vectors: np.ndarray, ks: range, min_size: int = 1) -> tuple[np.ndarray, float]:
    """Labels for the k in `ks` with the best silhouette (no cluster under min_size), and that silhouette.

    k is chosen on a seeded sample of at most SELECTION_SAMPLE units; the chosen k is then fitted on all.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rng, n = np.random.default_rng(SEED), len(vectors)
    sample = vectors[rng.choice(n, SELECTION_SAMPLE, replace=False)] if n > SELECTION_SAMPLE else vectors
    scale = len(sample) / len(vectors)
    scores: dict[int, float] = {}
    for k in ks:
        if k >= len(sample):
            break
        labels = KMeans(n_clusters=k, n_init=2, random_state=SEED).fit_predict(sample)
        sizes = np.bincount(labels, minlength=k)
        if len(set(labels)) < 2 or sizes.min() < min_size * scale:
            continue
        size = min(SILHOUETTE_SAMPLE, len(sample))
        scores[k] = float(silhouette_score(sample, labels, sample_size=size, random_state=SEED))
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


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def merge_close(
    labels: np.ndarray, vectors: np.ndarray, origin: np.ndarray | None = None, threshold: float = MERGE
) -> np.ndarray:
    """`labels` with near-duplicate clusters joined, the most similar pair first.

    Similarity is the cosine of the clusters' centroids less `origin` (the corpus mean; by default the
    mean of `vectors`): sentence vectors all point roughly the same way, and what tells two clusters apart
    is where they lie relative to everything said.
    """
    labels = labels.copy()
    mean = vectors.mean(axis=0) if origin is None else origin
    while True:
        ids = np.unique(labels)
        if len(ids) < 2:
            return labels
        centroids = np.stack([_unit(vectors[labels == c].mean(axis=0) - mean) for c in ids])
        similarity = centroids @ centroids.T
        np.fill_diagonal(similarity, -1.0)
        i, j = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        if similarity[i, j] < threshold:
            return labels
        labels[labels == ids[j]] = ids[i]


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
    origin = vectors.mean(axis=0)
    few = len(vectors) <= TOP_K.start
    top_labels = np.zeros(len(vectors), dtype=int) if few else _kmeans(reduced, TOP_K, min_size=3)[0]
    for n, idx in enumerate(_ordered(merge_close(top_labels, vectors, origin)), start=1):
        tid = f"t{n}"
        add(tid, idx, None)
        if len(idx) < SUB_MIN:
            continue
        sub_labels, score = _kmeans(
            reduced[idx], SUB_K, min_size=max(SUB_MIN_SIZE, int(SUB_MIN_SHARE * len(idx)))
        )
        sub_labels = merge_close(sub_labels, vectors[idx], origin)
        if score < SUB_SILHOUETTE or len(set(sub_labels)) < 2:
            continue
        for m, sub in enumerate(_ordered(sub_labels), start=1):
            add(f"{tid}.{m}", idx[sub], tid)
    return Clustering(themes=themes, members=members, centroids=centroids)


def _short(question: str, words: int = 14) -> str:
    """The question itself, without the interviewer's preamble ("Great! Let's dive in. Could you...")."""
    asked = [q for q in re.split(r"(?<=[.!?])\s+", question.strip()) if q.endswith("?")]
    parts = (asked[-1] if asked else question).split()
    return " ".join(parts[:words]) + ("..." if len(parts) > words else "")


# Clauses end at sentence ends, commas, semicolons, colons, brackets and dashes between words.
CLAUSE = re.compile(r"(?<=[.!?…])\s+|[,;:()\[\]]\s*|\s+[-–—]+\s+")
# Openers that carry no content ("So honestly, ..."), dropped from the start of a phrase.
OPENER = re.compile(
    r"^(?:and|but|so|or|because|also|then|well|yes|yeah|um|uh|oh|ok|okay|honestly|basically|"
    r"i mean|i guess|i think|i would say|i'd say)\b\W*",
    re.IGNORECASE,
)


def phrases(text: str, shortest: int = 3, longest: int = 16) -> list[str]:
    """The clauses of `text` that could name a theme, without leading fillers or closing punctuation."""
    out = []
    for part in CLAUSE.split(text):
        phrase = part.strip()
        while (trimmed := OPENER.sub("", phrase)) != phrase:
            phrase = trimmed
        phrase = phrase.strip(" .!?…\"'“”‘’")
        if shortest <= len(phrase.split()) <= longest:
            out.append(phrase)
    return out


def shortened(phrase: str, words: int = NAME_WORDS) -> str:
    """At most `words` words, an ellipsis where cut, the first letter upper-case."""
    parts = phrase.split()
    text = " ".join(parts[:words]) + ("…" if len(parts) > words else "")
    return text[:1].upper() + text[1:]


class OfflineNamer:
    """Names a theme by its most central, distinctive phrase and says which question its answers respond to.

    A theme's candidates are the clauses of its most central units (those the pipeline passes in); one
    of at most NAME_WORDS words is preferred to a longer one, which is cut. Each is scored by its similarity to
    the mean of the theme's central units, less NAME_CONTRAST times its similarity to the nearest other
    theme at the same level (a sub-theme is compared with its siblings), so a name says what sets the theme
    apart rather than what every answer shares. No two themes get the same name.
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    async def name(
        self, themes: list[Theme], members: dict[str, list[Segment]], nearby: dict[str, list[Segment]]
    ) -> list[Theme]:
        centres = {
            t.id: _unit(self.embedder.encode([s.answer for s in members[t.id]]).mean(axis=0))
            for t in themes
            if members.get(t.id)
        }
        taken: set[str] = set()
        named = []
        for theme in themes:
            rivals = [
                o.id for o in themes if o.parent == theme.parent and o.id != theme.id and o.id in centres
            ]
            name = self._phrase(theme, members.get(theme.id, []), centres, rivals, taken)
            taken.add(name.lower())
            named.append(
                replace(theme, name=name, description=_description(theme, members.get(theme.id, [])))
            )
        return named

    def _phrase(
        self,
        theme: Theme,
        members: list[Segment],
        centres: dict[str, np.ndarray],
        rivals: list[str],
        taken: set[str],
    ) -> str:
        # a phrase with a name, email or any digit in it never names a theme ("Give me 10 dishes ...")
        candidates = [
            p
            for p in dict.fromkeys(p for s in members for p in phrases(s.answer))
            if not any(ch.isdigit() for ch in p) and redact(p) == p
        ]
        if not candidates or theme.id not in centres:
            return _keyword_name(theme)
        vectors = self.embedder.encode(candidates)
        score = vectors @ centres[theme.id]
        if rivals:
            score = score - NAME_CONTRAST * (vectors @ np.stack([centres[r] for r in rivals]).T).max(axis=1)
        # a whole phrase short enough to be a name comes before any that must be cut
        cut = np.array([len(c.split()) > NAME_WORDS for c in candidates])
        for i in np.lexsort((-score, cut)):
            name = "“" + shortened(candidates[int(i)]) + "”"
            if name.lower() not in taken:
                return name
        return _keyword_name(theme)


def _keyword_name(theme: Theme) -> str:
    """Names from keywords, where a theme has no phrase to offer ("Deadlines, emails and reports")."""
    words = theme.keywords[:3] or ["miscellaneous answers"]
    if len(words) == 1:
        return words[0].capitalize()
    return (
        words[0].capitalize()
        + (f", {', '.join(words[1:-1])}" if len(words) > 2 else "")
        + f" and {words[-1]}"
    )


def _description(theme: Theme, members: list[Segment]) -> str:
    about = ", ".join(theme.keywords[:5]) or "varied matters"
    description = f"Participants talk about {about}"
    questions = Counter(s.question for s in members if s.question)
    if questions:
        question, count = questions.most_common(1)[0]
        if count >= 2:
            description += f", often answering “{_short(question)}”"
    return description + "."
