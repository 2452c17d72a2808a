"""Coding with a hand-coded gold subset: a per-code cut calibrated on gold, or a classifier if it does better.

Per code, two ways of using the gold labels are compared by cross-validation on the gold interviews
(stratified folds, seeded), never by their fit to the labels they were made from:

- threshold: the zero-shot margin (`bot.analysis.coding`) with its cut moved so that the share coded
  present on the gold interviews equals the gold share (`rule="share"`), or so that kappa on them is
  highest (`rule="kappa"`). The share rule was the better of the two on held-out gold (docs/analysis.md).
- classifier: a logistic regression on four interview features (the margin, and the mean, spread and
  share over the cut of the interview's passage z-scores).

The classifier is used for a code only when its out-of-fold kappa beats the threshold's by MARGIN; with
30 gold interviews that rarely happens, and a noisy choice would cost more than it gains. Either way the
chosen method's out-of-fold labels on the gold interviews are kept: they measure agreement honestly and
feed the bias correction of prevalence. Gold interviews keep their hand-coded labels in the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from bot.analysis.coding import Scores, assignments
from bot.analysis.model import CodeAssignment
from bot.analysis.stats import cohen_kappa

Labels = dict[str, dict[str, bool]]
Rule = Literal["share", "kappa"]
FOLDS = 5
SEED = 0
MARGIN = 0.05  # out-of-fold kappa the classifier must gain over the calibrated cut to replace it
MIN_CLASS = 5  # gold interviews needed in each class before a classifier is tried
THRESHOLD, CLASSIFIER = "threshold calibrated on gold", "classifier trained on gold"


def share_cut(margins: np.ndarray, y: np.ndarray) -> float:
    """The cut that codes present the same share of these interviews as the gold labels do."""
    ordered = np.sort(margins)[::-1]
    k = int(round(float(y.mean()) * len(y)))
    if k <= 0:
        return float(ordered[0]) + 1e-3
    if k >= len(ordered):
        return float(ordered[-1])
    return float((ordered[k - 1] + ordered[k]) / 2)  # halfway between the k-th and the next


def kappa_cut(margins: np.ndarray, y: np.ndarray) -> float:
    """The cut with the highest kappa on these interviews; ties go to the cut nearest the share cut."""
    values = np.unique(margins)
    options = np.concatenate([[values[0] - 1e-3], (values[1:] + values[:-1]) / 2, [values[-1] + 1e-3]])
    share = share_cut(margins, y)
    best, best_key = share, (-np.inf, 0.0)
    for option in options:
        kappa = cohen_kappa(margins >= option, y)
        key = (-np.inf if kappa is None else kappa, -abs(option - share))
        if key > best_key:
            best, best_key = float(option), key
    return best


def fit_cut(margins: np.ndarray, y: np.ndarray, rule: Rule) -> float:
    return share_cut(margins, y) if rule == "share" else kappa_cut(margins, y)


def _classifier():  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), LogisticRegression(C=0.5, class_weight="balanced", max_iter=2000, random_state=0)
    )


def _folds(y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds when both classes allow it, plain shuffled folds otherwise (seeded)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    smaller = int(min(y.sum(), len(y) - y.sum()))
    if smaller >= 2:
        split = StratifiedKFold(n_splits=min(FOLDS, smaller), shuffle=True, random_state=SEED)
        return list(split.split(np.zeros(len(y)), y))
    split_plain = KFold(n_splits=min(FOLDS, len(y)), shuffle=True, random_state=SEED)
    return list(split_plain.split(np.zeros(len(y))))


def out_of_fold(
    margins: np.ndarray, features: np.ndarray, y: np.ndarray, method: str, rule: Rule
) -> np.ndarray:
    """Labels for the gold interviews, each from a cut or model fitted without it."""
    predicted = np.zeros(len(y), dtype=bool)
    for train, test in _folds(y):
        if method == THRESHOLD or len(set(y[train].tolist())) < 2:
            predicted[test] = margins[test] >= fit_cut(margins[train], y[train], rule)
        else:
            model = _classifier().fit(features[train], y[train])
            predicted[test] = model.predict(features[test]).astype(bool)
    return predicted


@dataclass
class GoldCoding:
    """Codes for every interview, with the out-of-fold labels and the method chosen per code."""

    assignments: list[CodeAssignment]
    out_of_fold: Labels  # gold interview -> code -> label from a fit that never saw it
    methods: dict[str, str]  # code -> THRESHOLD or CLASSIFIER
    notes: list[str] = field(default_factory=list)


def _kappa(predicted: np.ndarray, y: np.ndarray) -> float:
    kappa = cohen_kappa(predicted, y)
    return -1.0 if kappa is None else kappa


def _one_code(
    scores: Scores, c: int, rows: np.ndarray, y: np.ndarray, rule: Rule
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, float]:
    """(method, out-of-fold labels, labels for all interviews, confidence, cut) for code column c."""
    margins, features = scores.margin[:, c], scores.features[:, c, :]
    finite = np.where(np.isfinite(margins), margins, np.min(margins[np.isfinite(margins)], initial=0.0) - 1)
    threshold = out_of_fold(finite[rows], features[rows], y, THRESHOLD, rule)
    method, oof = THRESHOLD, threshold
    if min(y.sum(), len(y) - y.sum()) >= MIN_CLASS:
        trained = out_of_fold(finite[rows], features[rows], y, CLASSIFIER, rule)
        if _kappa(trained, y) >= _kappa(threshold, y) + MARGIN:
            method, oof = CLASSIFIER, trained
    line = fit_cut(finite[rows], y, rule)
    if method == CLASSIFIER:
        probability = _classifier().fit(features[rows], y).predict_proba(features)[:, 1]
        return method, oof, probability >= 0.5, probability, line
    return method, oof, finite >= line, 1 / (1 + np.exp(-(finite - line))), line


def code_with_gold(scores: Scores, gold: Labels, rule: Rule = "share") -> GoldCoding:
    """Per code with gold labels: the better of calibrated cut and classifier, by out-of-fold kappa."""
    at = {interview: r for r, interview in enumerate(scores.interviews)}
    present, confidence = scores.present().copy(), scores.confidence().copy()
    sources = np.full(present.shape, "model", dtype=object)
    oof: Labels = {}
    methods: dict[str, str] = {}
    cuts: dict[str, float] = {}
    for c, code in enumerate(scores.codes):
        labelled = [(at[i], v[code]) for i, v in gold.items() if i in at and code in v]
        if len(labelled) < 2:
            continue
        rows = np.array([r for r, _ in labelled])
        y = np.array([bool(v) for _, v in labelled])
        method, fold_labels, present[:, c], confidence[:, c], cuts[code] = _one_code(scores, c, rows, y, rule)
        methods[code] = method
        sources[:, c] = "classifier" if method == CLASSIFIER else "model"
        for r, label in zip(rows, fold_labels, strict=True):
            oof.setdefault(scores.interviews[r], {})[code] = bool(label)
        for r, v in zip(rows, y, strict=True):  # gold interviews keep their hand-coded labels
            present[r, c], confidence[r, c], sources[r, c] = v, 1.0 if v else 0.0, "gold"
    out = assignments(scores, present, confidence, "model", cuts)
    for a in out:
        a.source = sources[at[a.interview], scores.codes.index(a.code)]
    return GoldCoding(out, oof, methods, _notes(scores.codes, gold, methods))


def _notes(codes: list[str], gold: Labels, methods: dict[str, str]) -> list[str]:
    missing = [c for c in codes if c not in methods]
    out = []
    if missing:
        out.append(
            f"Code(s) {', '.join(missing)} have fewer than 2 gold labels, so they keep zero-shot coding; "
            "hand-code them in the gold file to calibrate them."
        )
    trained = [c for c, m in methods.items() if m == CLASSIFIER]
    if trained:
        out.append(
            f"A classifier trained on the gold subset codes {', '.join(trained)} (its out-of-fold kappa beat "
            f"the calibrated cut by {MARGIN} or more); the other codes use the zero-shot score with a cut "
            "calibrated on the gold subset."
        )
    return out
