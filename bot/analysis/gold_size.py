"""How many more hand-coded (gold) interviews a corrected share needs for a given interval width.

The power-tuned prediction-powered share (`stats.ppi_share`) has the variance

    var = lambda^2 s_f^2 / N + s_r^2 / n

where N interviews are coded by the model only, s_f^2 is the variance of the model's 0/1 labels on them,
n interviews are hand-coded, lambda is the weight given to the model (`stats.ppi_weight`) and s_r^2 is
the variance of the rectifier (gold label minus lambda times the model label) on those; lambda is held
at today's value. The interval's half-width is z * sqrt(var). Hand-coding m more interviews, drawn at
random from the N, moves them from the first term to the second:

    half(m) = z * sqrt(lambda^2 s_f^2 / (N - m) + s_r^2 / (n + m))

taking, as `stats.ppi_share` does, the larger of this and the same with lambda = 1 (plain PPI). So the rectifier term shrinks as 1 / sqrt(n + m), while the model term cannot fall below s_f^2 / N. The
answer is the smallest m with half(m) at or below the target, assuming the coding keeps the error rate
seen on the gold so far; it is an estimate, rough when n is small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bot.analysis.model import GoldNeed
from bot.analysis.stats import Z95, ppi_variances, ppi_weight

TARGETS = (0.10, 0.05)  # half-widths the report plans for: plus or minus 10 and 5 points


def _variances(
    predicted_rest: Sequence[bool | int],
    predicted_gold: Sequence[bool | int],
    gold: Sequence[bool | int],
    weight: float,
) -> tuple[float, float]:
    """(lambda^2 s_f^2, s_r^2) for one model weight, as `stats.ppi_share` computes them."""
    var_f, var_r = ppi_variances(predicted_rest, predicted_gold, gold, weight)
    # no disagreement on a few gold interviews does not show that the coding never errs: take the
    # rectifier variance as if one more hand-coded interview had disagreed
    q = 1 / (len(gold) + 1)
    return var_f, max(var_r, q * (1 - q))


def more_gold(
    predicted_rest: Sequence[bool | int],
    predicted_gold: Sequence[bool | int],
    gold: Sequence[bool | int],
    half_width: float,
    z: float = Z95,
) -> int | None:
    """More gold interviews for a corrected interval of +/- `half_width`; None when no number reaches it.

    predicted_rest: model labels on the interviews without gold; predicted_gold and gold: model and
    hand-coded labels on the gold interviews, in the same order. Like `stats.ppi_share`, the wider of the
    power-tuned and the plain (lambda = 1) interval counts.
    """
    if len(gold) < 2:
        raise ValueError("gold_size: at least two gold labels are needed")
    n, total = len(gold), len(predicted_rest)
    m = np.arange(total)  # at least one interview stays model-coded
    weight = ppi_weight(predicted_rest, predicted_gold, gold)
    half = np.zeros(len(m))
    for w in (weight, 1.0):
        var_f, var_r = _variances(predicted_rest, predicted_gold, gold, w)
        half = np.maximum(half, z * np.sqrt(var_f / np.maximum(total - m, 1) + var_r / (n + m)))
    reached = np.flatnonzero(half <= half_width)
    if reached.size:
        return int(reached[0])
    # everything hand-coded: the plain share of n + total labels
    estimate = float(np.mean(np.asarray(gold, dtype=float)))
    if z * math.sqrt(estimate * (1 - estimate) / (n + total)) <= half_width:
        return total
    return None


def gold_need(
    predicted_rest: Sequence[bool | int], predicted_gold: Sequence[bool | int], gold: Sequence[bool | int]
) -> GoldNeed:
    """More gold interviews for +/- 10 and +/- 5 points, and how many there are now."""
    ten, five = (more_gold(predicted_rest, predicted_gold, gold, t) for t in TARGETS)
    return GoldNeed(gold=len(gold), for_10=ten, for_5=five)
