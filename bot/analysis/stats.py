"""Interval estimates and agreement statistics used throughout the analysis.

Shares use Wilson score intervals (good coverage for small n and shares near 0 or 1). When a hand-coded
gold subset exists, prevalence is corrected with prediction-powered inference (Angelopoulos et al., 2023):
the model's share on all interviews plus the mean model error measured on the gold subset, with both
variances in the interval. Medians get percentile bootstrap intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bot.analysis.model import Interval

Binary = Sequence[bool | int] | np.ndarray  # labels: 0/1 or True/False, as a list or an array

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> Interval:
    """Share k/n with its Wilson score interval."""
    if n <= 0:
        raise ValueError("wilson: n must be positive")
    if not 0 <= k <= n:
        raise ValueError(f"wilson: k={k} is outside 0..{n}")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def ppi_weight(predicted_rest: Binary, predicted_gold: Binary, gold: Binary) -> float:
    """PPI++'s power-tuning weight (Angelopoulos, Duchi and Zrnic, 2023): how far to trust the model.

    lambda = Cov(gold, model on gold) / ((1 + n / N) Var(model)), clipped to [0, 1]: 1 is plain
    prediction-powered inference, 0 the share of the hand-coded interviews alone. A model that agrees
    little with hand-coding gets little weight, so the interval is never wider than the gold alone gives.
    """
    f_rest = np.asarray(predicted_rest, dtype=float)
    f_gold = np.asarray(predicted_gold, dtype=float)
    y_gold = np.asarray(gold, dtype=float)
    n, total = len(y_gold), len(f_rest)
    if n < 2 or total == 0:
        return 0.0
    var_f = float(np.concatenate([f_rest, f_gold]).var(ddof=1))
    if var_f == 0.0:  # the model says the same everywhere: it carries no information
        return 0.0
    cov = float(np.cov(y_gold, f_gold, ddof=1)[0, 1])
    return min(1.0, max(0.0, cov / ((1 + n / total) * var_f)))


def ppi_variances(
    predicted_rest: Binary, predicted_gold: Binary, gold: Binary, weight: float
) -> tuple[float, float]:
    """(variance of the weighted model labels outside the gold, variance of gold - weight * model on it)."""
    f_rest = np.asarray(predicted_rest, dtype=float)
    rectifier = np.asarray(gold, dtype=float) - weight * np.asarray(predicted_gold, dtype=float)
    var_f = weight**2 * float(f_rest.var(ddof=1)) if len(f_rest) > 1 else 0.0
    return var_f, float(rectifier.var(ddof=1))


def ppi_share(
    predicted_all: Binary,
    predicted_gold: Binary,
    gold: Binary,
    z: float = Z95,
) -> Interval:
    """Prediction-powered estimate of a share: power-tuned centre, conservative width.

    predicted_all: model labels on the interviews without gold labels;
    predicted_gold and gold: model and hand-coded labels on the gold subset (same order).
    The estimate is mean(gold) + lambda * (mean(model outside gold) - mean(model on gold)) with
    `ppi_weight`'s lambda (PPI++). Its half-width is the larger of PPI++'s, z * sqrt(lambda^2 s_f^2 / N +
    Var(gold - lambda * model) / n), and plain PPI's (lambda = 1): lambda is itself estimated from the few
    gold interviews, which PPI++'s variance leaves out, and with 30 gold its interval alone covered the
    true share only 83% of the time on one of the two evaluation codebooks (95% with this width).
    """
    f_all = np.asarray(predicted_all, dtype=float)
    f_gold = np.asarray(predicted_gold, dtype=float)
    y_gold = np.asarray(gold, dtype=float)
    if len(f_gold) != len(y_gold):
        raise ValueError("ppi_share: predicted_gold and gold differ in length")
    if len(y_gold) < 2:
        raise ValueError("ppi_share: at least two gold labels are needed")
    if len(f_all) == 0:  # everything is gold: the plain share
        return wilson(int(y_gold.sum()), len(y_gold), z)
    weight = ppi_weight(f_all, f_gold, y_gold)
    estimate = float(y_gold.mean() + weight * (f_all.mean() - f_gold.mean()))
    half = z * math.sqrt(ppi_variance(f_all, f_gold, y_gold, weight))
    clipped = min(1.0, max(0.0, estimate))
    return Interval(clipped, max(0.0, estimate - half), min(1.0, estimate + half))


def ppi_variance(predicted_rest: Binary, predicted_gold: Binary, gold: Binary, weight: float) -> float:
    """The variance `ppi_share` reports: the larger of the power-tuned one and plain PPI's.

    Plain PPI's term for the hand-coded interviews is floored for a small gold sample
    (`disagreement_floor`): when the few hand-coded interviews all agree with the model its sample
    variance is 0, which would make the interval as narrow as if the coding were known to be exact."""
    n, total = len(gold), len(predicted_rest)
    variances = [ppi_variances(predicted_rest, predicted_gold, gold, w) for w in (weight, 1.0)]
    disagree = int(np.sum(np.asarray(predicted_gold) != np.asarray(gold)))
    floored = variances[1][0] / total + disagreement_floor(disagree, n) / n
    return max(floored, *(var_f / total + var_r / n for var_f, var_r in variances))


def bootstrap_median(
    values: Sequence[float], *, resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> Interval:
    """Median with a percentile bootstrap interval (seeded, so reports are reproducible)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("bootstrap_median: no values")
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(data, size=(resamples, data.size), replace=True), axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(medians, [tail, 100 - tail])
    return Interval(float(np.median(data)), float(low), float(high))


def _pair(a: Binary, b: Binary) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(a, dtype=bool)
    y = np.asarray(b, dtype=bool)
    if x.shape != y.shape:
        raise ValueError("the two label lists differ in length")
    if x.size == 0:
        raise ValueError("no labels to compare")
    return x, y


def cohen_kappa(a: Binary, b: Binary) -> float | None:
    """Cohen's kappa for two binary raters; None when chance agreement is 1 (both constant and equal)."""
    x, y = _pair(a, b)
    observed = float(np.mean(x == y))
    px, py = float(x.mean()), float(y.mean())
    chance = px * py + (1 - px) * (1 - py)
    if math.isclose(chance, 1.0):
        return None
    return (observed - chance) / (1 - chance)


def gwet_ac1(a: Binary, b: Binary) -> float | None:
    """Gwet's AC1 for two binary raters (stable when a code is rare or very common)."""
    x, y = _pair(a, b)
    observed = float(np.mean(x == y))
    pi = (float(x.mean()) + float(y.mean())) / 2
    chance = 2 * pi * (1 - pi)
    if math.isclose(chance, 1.0):
        return None
    return (observed - chance) / (1 - chance)


def precision_recall_f1(predicted: Binary, gold: Binary) -> tuple[float | None, float | None, float | None]:
    """Precision, recall and F1 of `predicted` against `gold` for the positive class."""
    p, g = _pair(predicted, gold)
    tp = int(np.sum(p & g))
    fp = int(np.sum(p & ~g))
    fn = int(np.sum(~p & g))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None or recall is None or precision + recall == 0:
        f1 = 0.0 if (tp + fp) and (tp + fn) else None
    else:
        f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1


def share_difference(predicted: Binary, gold: Binary, z: float = Z95) -> Interval:
    """Paired difference of shares (predicted minus gold) with a normal interval on the per-item
    differences, their variance floored as in `ppi_variance` (a few labels that all agree do not show
    the coding error-free)."""
    p, g = _pair(predicted, gold)
    d = p.astype(float) - g.astype(float)
    estimate = float(d.mean())
    variance = float(d.var(ddof=1)) if d.size > 1 else 0.0
    half = z * math.sqrt(max(variance, disagreement_floor(int(np.count_nonzero(d)), d.size)) / d.size)
    return Interval(estimate, max(-1.0, estimate - half), min(1.0, estimate + half))  # <= 100 pts


def disagreement_floor(disagree: int, n: int) -> float:
    """The least variance to assume for a 0/1 disagreement seen `disagree` times in `n`: p(1 - p) at the
    Agresti-Coull estimate p = (disagree + 2) / (n + 4). 0 disagreements in 6 fit a true rate of 1 in 3,
    so a sample variance of 0 is not taken at its word; with 30 items and a few disagreements it no
    longer binds."""
    p = (disagree + 2) / (n + 4)
    return p * (1 - p)
