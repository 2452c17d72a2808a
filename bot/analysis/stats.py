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


def ppi_share(
    predicted_all: Binary,
    predicted_gold: Binary,
    gold: Binary,
    z: float = Z95,
) -> Interval:
    """Prediction-powered estimate of a share.

    predicted_all: model labels on the interviews without gold labels;
    predicted_gold and gold: model and hand-coded labels on the gold subset (same order).
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
    rectifier = y_gold - f_gold
    estimate = float(f_all.mean() + rectifier.mean())
    var = f_all.var(ddof=1) / len(f_all) if len(f_all) > 1 else 0.0
    var += rectifier.var(ddof=1) / len(rectifier)
    half = z * math.sqrt(var)
    clipped = min(1.0, max(0.0, estimate))
    return Interval(clipped, max(0.0, estimate - half), min(1.0, estimate + half))


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
    """Paired difference of shares (predicted minus gold) with a normal interval on the per-item differences."""
    p, g = _pair(predicted, gold)
    d = p.astype(float) - g.astype(float)
    estimate = float(d.mean())
    if d.size < 2:
        return Interval(estimate, estimate, estimate)
    half = z * float(d.std(ddof=1)) / math.sqrt(d.size)
    return Interval(estimate, estimate - half, estimate + half)
