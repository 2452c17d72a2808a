"""Offline coding: zero-shot similarity to each code, and a classifier trained on a hand-coded gold subset.

Zero-shot. Each code becomes a set of query texts (its label and definition, each `include` line and each
example) whose mean vector is the code's centroid; every participant passage is scored by its cosine
similarity to that centroid, less half its similarity to the closest other code's centroid (a passage
counts most for the code it is most about: interviews about AI at work resemble every AI code a little),
less a penalty when it is closer to the centroid of the code's `exclude` lines. On hand-coded real
interviews and on synthetic ones, the centroid and the contrast each separated present from absent
better than the best single query text alone.

An interview has the code when its best passage beats what the best of its n passages would score if none
were about the code: `mean + sd * E[max of n standard normals]` (Blom's approximation), with mean and sd
of that code's scores over all passages of the corpus. Almost every passage is unrelated to any one code,
so that distribution is the background; the expected maximum grows with n, so a long interview needs a
higher best passage than a short one (without it, interviews of 28 passages were coded present for
every code). A floor keeps a code from firing on a corpus where nothing is relevant. The passages over the
threshold are the evidence (redacted).

With gold. Per code, a logistic regression on interview features (the best, second best and mean passage
similarity to the code, the share of passages over the threshold, and the mean passage vector) is trained
on the hand-coded interviews. Its stratified cross-validated accuracy is reported, its out-of-fold
predictions on the gold interviews feed the bias correction of prevalence, and it codes every other
interview. Gold interviews keep their hand-coded labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.analysis.embed import Embedder
from bot.analysis.model import Code, CodeAssignment, Doc
from bot.analysis.quotes import Passage, passages
from bot.analysis.stages import Estimate
from bot.records.redact import redact

FLOOR = 0.1  # no code is present below this score, whatever the background
CONTRAST = 0.5  # share of a passage's similarity to the closest other code subtracted from its score
EXCLUDE_MARGIN = 0.03  # a passage this much closer to an exclusion than to the code is penalised
EVIDENCE = 2
MIN_CLASS = 3  # each class needs this many gold interviews before a classifier is trained for the code

Labels = dict[str, dict[str, bool]]


@dataclass
class PassageIndex:
    """Every passage of the corpus with its vector, grouped by interview."""

    items: list[Passage]
    vectors: np.ndarray
    by_interview: dict[str, np.ndarray]  # interview code -> indexes into items


def index(docs: list[Doc], embedder: Embedder) -> PassageIndex:
    items = passages(docs)
    vectors = embedder.encode([p.text for p in items])
    groups: dict[str, list[int]] = {d.code: [] for d in docs}
    for i, p in enumerate(items):
        groups[p.interview].append(i)
    return PassageIndex(items, vectors, {k: np.array(v, dtype=int) for k, v in groups.items()})


class Indexer:
    """Builds the PassageIndex once per corpus and shares it between the offline stages."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._docs: list[Doc] | None = None
        self._index: PassageIndex | None = None

    def prime(self, docs: list[Doc], idx: PassageIndex) -> None:
        """Use an index built elsewhere (the pipeline embeds passages with a progress bar)."""
        self._docs, self._index = docs, idx

    def __call__(self, docs: list[Doc]) -> PassageIndex:
        if self._docs is not docs or self._index is None:
            self._index, self._docs = index(docs, self.embedder), docs
        return self._index


def queries(code: Code) -> list[str]:
    """The texts an interview is compared with for one code."""
    return [f"{code.label}: {code.definition}", *code.include, *code.examples]


@dataclass
class Scores:
    """Zero-shot similarity of every passage and interview to every code."""

    interviews: list[str]
    codes: list[str]
    passage: np.ndarray  # (passages, codes) adjusted similarity
    best: np.ndarray  # (interviews, codes) the best passage's similarity
    threshold: np.ndarray  # (interviews, codes)
    spread: np.ndarray  # (codes,) background standard deviation
    features: np.ndarray  # (interviews, codes, 4) for the gold classifier
    evidence: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def present(self) -> np.ndarray:
        return self.best >= self.threshold

    def confidence(self) -> np.ndarray:
        """A [0, 1] score: 0.5 at the threshold, rising with the margin in background sds."""
        return 1 / (1 + np.exp(-(self.best - self.threshold) / np.maximum(self.spread, 1e-6)))


def _centroid(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


def _passage_scores(idx: PassageIndex, codebook: list[Code], embedder: Embedder) -> np.ndarray:
    centroids = np.stack([_centroid(embedder.encode(queries(code))) for code in codebook])
    similarity = idx.vectors @ centroids.T  # (passages, codes)
    out = similarity.copy()
    if len(codebook) > 1:  # a passage counts most for the code it is most about
        for c in range(len(codebook)):
            others = np.delete(similarity, c, axis=1).max(axis=1)
            out[:, c] -= CONTRAST * others
    for c, code in enumerate(codebook):
        if code.exclude:
            negative = idx.vectors @ _centroid(embedder.encode(code.exclude))
            over = negative - similarity[:, c] - EXCLUDE_MARGIN
            out[:, c] = np.where(over > 0, out[:, c] - over, out[:, c])
    return out


def expected_max(n: int) -> float:
    """E[max of n independent standard normals], Blom's approximation (0 for a single passage)."""
    from scipy.stats import norm

    return float(norm.ppf((n - 0.375) / (n + 0.25))) if n > 1 else 0.0


def score(
    docs: list[Doc], codebook: list[Code], embedder: Embedder, idx: PassageIndex | None = None
) -> Scores:
    """Similarity of every interview to every code, with calibrated thresholds and evidence."""
    idx = idx or index(docs, embedder)
    passage = _passage_scores(idx, codebook, embedder)
    mean, sd = passage.mean(axis=0), passage.std(axis=0)
    interviews = [d.code for d in docs]
    best = np.zeros((len(docs), len(codebook)), dtype=np.float32)
    threshold = np.full((len(docs), len(codebook)), np.inf, dtype=np.float32)
    features = np.zeros((len(docs), len(codebook), 4), dtype=np.float32)
    evidence: dict[tuple[str, str], list[str]] = {}
    for r, doc in enumerate(docs):
        rows = idx.by_interview[doc.code]
        if rows.size == 0:
            continue
        mine = passage[rows]
        threshold[r] = np.maximum(mean + sd * expected_max(rows.size), FLOOR)
        ordered = np.sort(mine, axis=0)[::-1]
        best[r] = ordered[0]
        second = ordered[1] if len(ordered) > 1 else ordered[0]
        features[r] = np.stack(
            [ordered[0], second, mine.mean(axis=0), (mine >= threshold[r]).mean(axis=0)], axis=1
        )
        for c, code in enumerate(codebook):
            top = rows[np.argsort(-passage[rows, c], kind="stable")[:EVIDENCE]]
            evidence[(doc.code, code.id)] = [
                redact(idx.items[i].text) for i in top if passage[i, c] >= threshold[r, c]
            ]
    return Scores(interviews, [c.id for c in codebook], passage, best, threshold, sd, features, evidence)


def assignments(
    scores: Scores, present: np.ndarray, confidence: np.ndarray, source: str
) -> list[CodeAssignment]:
    out = []
    for r, interview in enumerate(scores.interviews):
        for c, code in enumerate(scores.codes):
            yes = bool(present[r, c])
            out.append(
                CodeAssignment(
                    interview=interview,
                    code=code,
                    present=yes,
                    score=round(float(confidence[r, c]), 4),
                    evidence=scores.evidence.get((interview, code), []) if yes else [],
                    source=source,  # type: ignore[arg-type]
                )
            )
    return out


class OfflineCoder:
    """Zero-shot coding by similarity; free, so there is nothing to estimate."""

    def __init__(self, embedder: Embedder, indexer: Indexer | None = None) -> None:
        self.embedder = embedder
        self.indexer = indexer or Indexer(embedder)

    def estimate(self, docs: list[Doc], codebook: list[Code]) -> Estimate | None:
        return None

    async def code(self, docs: list[Doc], codebook: list[Code]) -> list[CodeAssignment]:
        s = score(docs, codebook, self.embedder, self.indexer(docs))
        return assignments(s, s.present(), s.confidence(), "model")


# ---- the gold-trained classifier ----------------------------------------------------------------------


@dataclass
class GoldResult:
    assignments: list[CodeAssignment]
    accuracy: dict[str, float]  # code -> stratified cross-validated accuracy on the gold interviews
    out_of_fold: Labels  # code predictions on gold interviews from models that never saw them
    notes: list[str] = field(default_factory=list)


def _mean_vectors(docs: list[Doc], idx: PassageIndex) -> np.ndarray:
    dim = idx.vectors.shape[1] if idx.vectors.ndim == 2 and idx.vectors.size else 1
    out = np.zeros((len(docs), dim), dtype=np.float32)
    for r, doc in enumerate(docs):
        rows = idx.by_interview[doc.code]
        if rows.size:
            out[r] = idx.vectors[rows].mean(axis=0)
    return out


def _model():  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), LogisticRegression(C=0.05, class_weight="balanced", max_iter=2000, random_state=0)
    )


def train_on_gold(
    docs: list[Doc], codebook: list[Code], scores: Scores, idx: PassageIndex, gold: Labels
) -> GoldResult:
    """Per code with enough gold of both classes: CV accuracy, out-of-fold labels, classifier labels."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rows = {d.code: r for r, d in enumerate(docs)}
    mean_vectors = _mean_vectors(docs, idx)
    present, confidence = scores.present().copy(), scores.confidence().copy()
    sources = np.full(present.shape, "model", dtype=object)
    accuracy: dict[str, float] = {}
    oof: Labels = {}
    notes = []
    for c, code in enumerate(codebook):
        labelled = [(rows[i], v[code.id]) for i, v in gold.items() if i in rows and code.id in v]
        if not labelled:
            continue
        ids, y = np.array([r for r, _ in labelled]), np.array([int(v) for _, v in labelled])
        x_all = np.hstack([scores.features[:, c, :] * 10, mean_vectors])
        smaller = int(min(y.sum(), len(y) - y.sum()))
        if smaller < MIN_CLASS:
            notes.append(
                f"Code {code.id}: the gold subset has only {smaller} interview(s) in its rarer class, too few "
                f"to train a classifier (at least {MIN_CLASS} needed); zero-shot coding was used instead."
            )
            for r, _ in labelled:
                oof.setdefault(docs[r].code, {})[code.id] = bool(present[r, c])
        else:
            folds = StratifiedKFold(n_splits=min(5, smaller), shuffle=True, random_state=0)
            predicted = cross_val_predict(_model(), x_all[ids], y, cv=folds)
            accuracy[code.id] = round(float((predicted == y).mean()), 4)
            for r, p in zip(ids, predicted, strict=True):
                oof.setdefault(docs[r].code, {})[code.id] = bool(p)
            model = _model().fit(x_all[ids], y)
            probability = model.predict_proba(x_all)[:, 1]
            present[:, c], confidence[:, c] = probability >= 0.5, probability
            sources[:, c] = "classifier"
        for r, v in labelled:  # gold interviews keep their hand-coded labels
            present[r, c], confidence[r, c], sources[r, c] = v, 1.0 if v else 0.0, "gold"
    out = []
    for a in assignments(scores, present, confidence, "model"):
        r, c = rows[a.interview], scores.codes.index(a.code)
        a.source = sources[r, c]
        if a.present and not a.evidence:  # the classifier or a coder saw it where zero-shot did not
            a.evidence = _best_evidence(scores, idx, a.interview, c)
        out.append(a)
    return GoldResult(out, accuracy, oof, notes)


def _best_evidence(scores: Scores, idx: PassageIndex, interview: str, c: int) -> list[str]:
    rows = idx.by_interview[interview]
    top = rows[np.argsort(-scores.passage[rows, c], kind="stable")[:EVIDENCE]]
    return [redact(idx.items[i].text) for i in top]
