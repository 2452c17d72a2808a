"""Coding with a hand-coded gold subset: per code, the zero-shot rule, a cut calibrated on gold, or a classifier.

Per code, three ways of coding are compared by cross-validation on the gold interviews (stratified
folds, seeded), never by their fit to the labels they were made from:

- zero-shot rule: the rule of `bot.analysis.coding`, which saw no labels, so its labels on the gold
  interviews are already out of fold;
- threshold: the same score (the zero-shot margin) with its cut moved so that the share coded present
  on the gold interviews equals the gold share (`rule="share"`), or so that kappa on them is highest
  (`rule="kappa"`); the share rule did as well or better on held-out gold (docs/analysis.md);
- classifier: a logistic regression on four interview features (the margin, and the mean, spread and
  share over the cut of the interview's passage z-scores).

The zero-shot rule is kept unless the calibrated cut's out-of-fold kappa beats it by GAIN, and the
classifier replaces the better of those only when it beats it by MARGIN: with 30 gold interviews
out-of-fold kappa is noisy, and on two hand-coded codebooks a freer choice did worse on held-out
interviews. The chosen method's out-of-fold labels on the gold interviews are kept: they measure
agreement honestly and feed the bias correction of prevalence. Gold interviews keep their hand-coded
labels in the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from bot.analysis.coding import Scores, assignments
from bot.analysis.model import CodeAssignment
from bot.analysis.stats import cohen_kappa

Labels = dict[str, dict[str, bool]]
Rule = Literal["share", "kappa"]
FOLDS = 5
SEED = 0
GAIN = 0.05  # out-of-fold kappa the calibrated cut must gain over the zero-shot rule to replace it
MARGIN = 0.15  # out-of-fold kappa the classifier must gain over the better of those to replace it
MIN_CLASS = 5  # gold interviews needed in each class before a classifier is tried
# gold interviews (and per class) a code needs before its cut is calibrated: with 2 or 5 labels a "better"
# out-of-fold kappa is luck, and one lucky cut moved shares by 40 points in a researcher's trial
MIN_CALIBRATE, MIN_CALIBRATE_CLASS = 10, 2
ZERO_SHOT = "zero-shot rule"
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


def _classifier() -> Any:  # scikit-learn ships no type information
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
    methods: dict[str, str]  # code -> ZERO_SHOT, THRESHOLD or CLASSIFIER
    notes: list[str] = field(default_factory=list)


def _kappa(predicted: np.ndarray, y: np.ndarray) -> float:
    kappa = cohen_kappa(predicted, y)
    return -1.0 if kappa is None else kappa


def _one_code(
    scores: Scores, c: int, rows: np.ndarray, y: np.ndarray, rule: Rule
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, float]:
    """(method, out-of-fold labels, labels for all interviews, confidence, cut) for code column c."""
    ranking, features = scores.ranking()[:, c], scores.features[:, c, :]
    zero = scores.present()[:, c]
    method, oof = ZERO_SHOT, zero[rows]  # nothing was fitted, so its labels on gold are out of fold
    threshold = out_of_fold(ranking[rows], features[rows], y, THRESHOLD, rule) if calibratable(y) else oof
    if calibratable(y) and _kappa(threshold, y) >= _kappa(oof, y) + GAIN:
        method, oof = THRESHOLD, threshold
    if min(y.sum(), len(y) - y.sum()) >= MIN_CLASS:
        trained = out_of_fold(ranking[rows], features[rows], y, CLASSIFIER, rule)
        if _kappa(trained, y) >= _kappa(oof, y) + MARGIN:
            method, oof = CLASSIFIER, trained
    if method == CLASSIFIER:
        probability = _classifier().fit(features[rows], y).predict_proba(features)[:, 1]
        return method, oof, probability >= 0.5, probability, 0.0
    line = fit_cut(ranking[rows], y, rule) if method == THRESHOLD else 0.0
    confidence = 1 / (1 + np.exp(-np.clip(ranking - line, -50, 50)))
    return method, oof, zero if method == ZERO_SHOT else ranking >= line, confidence, line


def calibratable(y: np.ndarray) -> bool:
    """Enough gold labels, on both sides, to calibrate a code's cut."""
    return len(y) >= MIN_CALIBRATE and min(int(y.sum()), len(y) - int(y.sum())) >= MIN_CALIBRATE_CLASS


def code_with_gold(scores: Scores, gold: Labels, rule: Rule = "share") -> GoldCoding:
    """Per code with gold labels: zero-shot rule, calibrated cut or classifier, chosen by out-of-fold kappa."""
    at = {interview: r for r, interview in enumerate(scores.interviews)}
    present, confidence = scores.present().copy(), scores.confidence().copy()
    sources = np.full(present.shape, "model", dtype=object)
    oof: Labels = {}
    methods: dict[str, str] = {}
    cuts: dict[str, float] = {}
    few_labels: dict[str, bool] = {}
    for c, code in enumerate(scores.codes):
        labelled = [(at[i], v[code]) for i, v in gold.items() if i in at and code in v]
        if len(labelled) < 2:
            continue
        rows = np.array([r for r, _ in labelled])
        y = np.array([bool(v) for _, v in labelled])
        method, fold_labels, present[:, c], confidence[:, c], cuts[code] = _one_code(scores, c, rows, y, rule)
        methods[code] = method
        few_labels[code] = not calibratable(y)
        sources[:, c] = "classifier" if method == CLASSIFIER else "model"  # cut or rule: the same score
        for r, label in zip(rows, fold_labels, strict=True):
            oof.setdefault(scores.interviews[r], {})[code] = bool(label)
        for r, v in zip(rows, y, strict=True):  # gold interviews keep their hand-coded labels
            present[r, c], confidence[r, c], sources[r, c] = v, 1.0 if v else 0.0, "gold"
    out = assignments(scores, present, confidence, "model", cuts)
    for a in out:
        a.source = sources[at[a.interview], scores.codes.index(a.code)]
    return GoldCoding(out, oof, methods, _notes(scores.codes, gold, methods, few_labels))


def _notes(codes: list[str], gold: Labels, methods: dict[str, str], few_labels: dict[str, bool]) -> list[str]:
    missing = [c for c in codes if c not in methods]
    out = []
    if missing:
        out.append(
            f"Code(s) {', '.join(missing)} have fewer than 2 gold labels, so they keep zero-shot coding; "
            "hand-code them in the gold file to calibrate them."
        )
    few = [c for c, m in methods.items() if m == ZERO_SHOT and few_labels.get(c)]
    if few:
        out.append(
            f"Code(s) {', '.join(few)} have too few gold labels to calibrate ({MIN_CALIBRATE} or more "
            f"interviews, {MIN_CALIBRATE_CLASS} or more with and without the code), so they keep zero-shot "
            "coding; hand-code more with `interviewer codebook label`."
        )
    by_method = {
        m: [c for c, used in methods.items() if used == m] for m in (ZERO_SHOT, THRESHOLD, CLASSIFIER)
    }
    said = [f"{m}: {', '.join(codes)}" for m, codes in by_method.items() if codes]
    if said:
        out.append(
            "Coding per code, chosen by agreement with the gold subset in cross-validation ("
            + "; ".join(said)
            + "). Agreement figures use labels from fits that never saw the interview they label."
        )
    return out
