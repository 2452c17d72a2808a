"""Offline coding: evidence per passage, read for stance, against a background of unrelated passages.

Passage scores. Each code becomes a set of query texts (its label and definition, each `include` line
and each example) whose mean vector is the code's centroid; every participant passage (a run of whole
sentences of one answer) is scored by its cosine similarity to that centroid, less half its similarity
to the closest other code's centroid (interviews about AI at work resemble every AI code a little; the
contrast makes a passage count most for the code it is most about), less a penalty when it is closer to
the code's `exclude` lines than to the code.

Background. Almost every passage of a corpus is unrelated to any one code, so each code's passage
scores over the whole corpus are its background; a passage's evidence is its robust z-score against
that background (median and MAD, so the related passages themselves barely move it).

Evidence for a code must also be about as like that code as like any other code of the codebook
(within NEAREST_TOLERANCE): an answer about job worries is not evidence of stigma merely because both
are about AI at work. The tolerance keeps codes that share a topic with opposite stances (worried,
secure) from taking each other's evidence.

Stance. For each interview and code the best few such passages are read: the clause of the passage most
similar to the code (clauses are embedded for passages that have several) must be affirmed by the
participant (`bot.analysis.stance`): a denial, a wish or someone else's view is not evidence unless the
code's `counts` says so. An interview's evidence for a code is its best such passage's z-score.

Zero-shot rule (no gold). An interview has the code when its evidence is an outlier even for the best
of its n passages: above the (1 - ALPHA) quantile of the maximum of n background z-scores,
`Phi^-1((1 - ALPHA)^(1/n))`, a cut that does not depend on the code's prevalence. Were the background
normal and the filters above absent, an interview that says nothing about a code would pass with
probability ALPHA; the filters make it rarer. ALPHA = 0.35 was chosen on two hand-coded codebooks
(docs/analysis.md): 0.05 coded almost nothing, 0.5 (about the old rule, the expected maximum) coded too
much. The margin over the cut is the interview's score; `bot.analysis.calibrate` moves the cut per code
with hand-coded gold labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.analysis import stance
from bot.analysis.embed import CachedEmbedder, Embedder
from bot.analysis.model import Code, CodeAssignment, Doc
from bot.analysis.quotes import Passage, passages
from bot.analysis.stages import Estimate
from bot.records.redact import redact

ALPHA = 0.35  # share of interviews unrelated to a code that the zero-shot rule may still code present
FLOOR = 0.1  # no code is present zero-shot below this passage score, whatever the background
CONTRAST = 0.5  # share of a passage's similarity to the closest other code subtracted from its score
EXCLUDE_MARGIN = 0.03  # a passage this much closer to an exclusion than to the code is penalised
NEAREST_TOLERANCE = 0.05  # evidence may be this much less like its code than like the closest other one
READ = 3  # passages per interview and code whose stance is read, best first
EVIDENCE = 2
BELOW = 100.0  # how far below every other interview one without usable evidence is ranked
MAD_SD = 1.4826  # MAD times this estimates the standard deviation of a normal background
CLAUSES = 8192  # clauses embedded at a time when reading stance

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
    """Passage evidence and per-interview margins for every code."""

    interviews: list[str]
    codes: list[str]
    passage: np.ndarray  # (passages, codes) adjusted similarity
    z: np.ndarray  # (passages, codes) robust z-score against the code's background
    margin: np.ndarray  # (interviews, codes) best affirmed passage's z less the zero-shot cut
    floor_ok: np.ndarray  # (interviews, codes) that passage's score reaches FLOOR
    features: np.ndarray  # (interviews, codes, 4) for the gold classifier
    # (interview, code) -> (margin, index into `items`) of each affirmed passage read, best first
    candidates: dict[tuple[str, str], list[tuple[float, int]]] = field(default_factory=dict)
    items: list[Passage] = field(default_factory=list)  # the passage index's, not a copy

    def present(self) -> np.ndarray:
        """The zero-shot rule."""
        return np.asarray((self.margin >= 0) & self.floor_ok)

    def ranking(self) -> np.ndarray:
        """(interviews, codes) the margin, finite, with interviews under FLOOR ranked below all others."""
        finite = np.where(np.isfinite(self.margin), self.margin, -BELOW)
        return np.where(self.floor_ok, finite, np.minimum(finite, 0) - BELOW)

    def confidence(self, cut: np.ndarray | float = 0.0) -> np.ndarray:
        """A [0, 1] score: 0.5 at the cut, rising with the margin (in background sds)."""
        return 1 / (1 + np.exp(-(self.margin - cut)))

    def evidence(self, interview: str, code: str, cut: float = 0.0) -> list[str]:
        """Affirmed passages over the cut; the best affirmed one when none is (a coder or model saw it)."""
        read = self.candidates.get((interview, code), [])
        over = [i for m, i in read if m >= cut]
        # redacted only here, for the few passages shown: most candidates are never shown
        return [redact(self.items[i].text) for i in (over or [i for _, i in read[:1]])[:EVIDENCE]]


def _centroid(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0)
    return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-12))


def centroids(codebook: list[Code], embedder: Embedder) -> np.ndarray:
    return np.stack([_centroid(embedder.encode(queries(code))) for code in codebook])


def passage_scores(
    vectors: np.ndarray, codebook: list[Code], embedder: Embedder, centres: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted scores, and whether each passage is more like the code than like any other code.

    The score is the similarity to the code, less the contrast with the closest other code and the
    exclusion penalty.
    """
    similarity = vectors @ centres.T  # (passages, codes)
    out = similarity.copy()
    nearest = np.ones(similarity.shape, dtype=bool)
    if len(codebook) > 1:  # a passage counts most for the code it is most about
        for c in range(len(codebook)):
            others = np.delete(similarity, c, axis=1).max(axis=1)
            out[:, c] -= CONTRAST * others
            nearest[:, c] = similarity[:, c] >= others - NEAREST_TOLERANCE
    for c, code in enumerate(codebook):
        if code.exclude:
            negative = vectors @ _centroid(embedder.encode(code.exclude))
            over = negative - similarity[:, c] - EXCLUDE_MARGIN
            out[:, c] = np.where(over > 0, out[:, c] - over, out[:, c])
    return out, nearest


def robust_z(scores: np.ndarray) -> np.ndarray:
    """Per column: (x - median) / (1.4826 MAD), the background's z-score."""
    median = np.median(scores, axis=0)
    spread = MAD_SD * np.median(np.abs(scores - median), axis=0)
    return np.asarray((scores - median) / np.maximum(spread, 1e-6))


def cut(n: int, alpha: float = ALPHA) -> float:
    """The (1 - alpha) quantile of the largest of n standard normal background z-scores."""
    from scipy.stats import norm

    return float(norm.ppf((1 - alpha) ** (1 / max(n, 1))))


def _stances(
    idx: PassageIndex, read: set[int], codebook: list[Code], embedder: Embedder, centres: np.ndarray
) -> dict[int, list[stance.Stance]]:
    """Per passage read, the stance of its clause most similar to each code.

    Only passages whose clauses differ in stance need to know which clause is closest, so only their
    clauses are embedded: in the others every clause gives the same answer.
    """
    pieces = {i: stance.clauses(idx.items[i].text) or [idx.items[i].text] for i in sorted(read)}
    kinds = {i: [stance.stance(p) for p in parts] for i, parts in pieces.items()}
    mixed = [i for i, k in kinds.items() if len(set(k)) > 1]
    several = sorted({c for i in mixed for c in pieces[i]})
    similarity = _clause_similarity(several, embedder, centres)
    row = {clause: r for r, clause in enumerate(several)}
    out: dict[int, list[stance.Stance]] = {i: [k[0]] * len(codebook) for i, k in kinds.items()}
    for i in mixed:
        closest = np.argmax(similarity[[row[p] for p in pieces[i]]], axis=0)
        out[i] = [kinds[i][int(k)] for k in closest]
    return out


def _clause_similarity(clauses: list[str], embedder: Embedder, centres: np.ndarray) -> np.ndarray:
    """(clauses, codes) each clause's similarity to each code's centroid, embedded CLAUSES at a time.

    Only the similarities are kept: at 10,000 interviews the clauses' vectors take hundreds of MB. The
    vector store is told to let go of them (`forget`); they stay in its files for the next run.
    """
    out = np.empty((len(clauses), len(centres)), dtype=np.float32)
    for at in range(0, len(clauses), CLAUSES):
        chunk = clauses[at : at + CLAUSES]
        out[at : at + len(chunk)] = embedder.encode(chunk) @ centres.T
        if isinstance(embedder, CachedEmbedder):  # the one embedder that holds what it returned
            embedder.forget(chunk)
    return out


def score(
    docs: list[Doc], codebook: list[Code], embedder: Embedder, idx: PassageIndex | None = None
) -> Scores:
    """Evidence of every interview for every code, read for stance, as margins over the zero-shot cut."""
    idx = idx or index(docs, embedder)
    centres = centroids(codebook, embedder)
    passage, nearest = passage_scores(idx.vectors, codebook, embedder, centres)
    z = robust_z(passage)
    ranked = np.where(nearest, z, -np.inf)  # evidence must be more like this code than any other
    top = {
        d.code: np.argsort(-ranked[idx.by_interview[d.code]], axis=0, kind="stable")[: READ + 1]
        for d in docs
        if idx.by_interview[d.code].size
    }
    read = {
        int(idx.by_interview[k][r])
        for k, order in top.items()
        for c, column in enumerate(order[:READ].T)
        for r in column
        if nearest[idx.by_interview[k][r], c]
    }
    stances = _stances(idx, read, codebook, embedder, centres)
    shape = (len(docs), len(codebook))
    margin, floor_ok = np.full(shape, -np.inf, dtype=np.float32), np.zeros(shape, dtype=bool)
    features = np.zeros((*shape, 4), dtype=np.float32)
    candidates: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for r, doc in enumerate(docs):
        rows = idx.by_interview[doc.code]
        if rows.size == 0:
            continue
        line = cut(rows.size)
        for c, code in enumerate(codebook):
            order = rows[top[doc.code][:, c]]
            kept = [i for i in order[:READ] if nearest[i, c] and stance.counted(stances[i][c], code.counts)]
            # when no passage read is affirmed, the next best (unread) one stands in, weaker by construction
            best = kept[0] if kept else (order[READ] if len(order) > READ else None)
            if best is not None and not nearest[best, c]:
                best = None
            if best is not None:
                margin[r, c], floor_ok[r, c] = z[best, c] - line, passage[best, c] >= FLOOR
            mine = z[rows, c]
            features[r, c] = [
                margin[r, c] if best is not None else -line,
                mine.mean(),
                mine.std(),
                (mine >= line).mean(),
            ]
            candidates[(doc.code, code.id)] = [(float(z[i, c] - line), int(i)) for i in kept]
    features[~np.isfinite(features)] = 0.0
    return Scores(
        [d.code for d in docs],
        [c.id for c in codebook],
        passage,
        z,
        margin,
        floor_ok,
        features,
        candidates,
        idx.items,
    )


def assignments(
    scores: Scores,
    present: np.ndarray,
    confidence: np.ndarray,
    source: str,
    cuts: dict[str, float] | None = None,
) -> list[CodeAssignment]:
    """One assignment per interview and code; evidence only for present codes."""
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
                    evidence=scores.evidence(interview, code, (cuts or {}).get(code, 0.0)) if yes else [],
                    source=source,  # type: ignore[arg-type]  # a Source literal passed through as str
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
