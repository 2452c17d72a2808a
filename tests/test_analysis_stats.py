"""Interval and agreement statistics checked against values worked out by hand or published."""

from __future__ import annotations

import math

import pytest

from bot.analysis.stats import (
    bootstrap_median,
    cohen_kappa,
    gwet_ac1,
    ppi_share,
    precision_recall_f1,
    share_difference,
    wilson,
)


def _table(both: int, only_a: int, only_b: int, neither: int) -> tuple[list[int], list[int]]:
    """Two raters' labels from the four cells of a 2x2 agreement table."""
    a = [1] * both + [1] * only_a + [0] * only_b + [0] * neither
    b = [1] * both + [0] * only_a + [1] * only_b + [0] * neither
    return a, b


def test_wilson_interval_matches_the_published_value_for_79_of_100() -> None:
    share = wilson(79, 100)
    assert share.estimate == pytest.approx(0.79)
    assert share.low == pytest.approx(0.7002, abs=5e-4) and share.high == pytest.approx(0.8583, abs=5e-4)


def test_wilson_interval_stays_inside_0_1_at_the_edges() -> None:
    none, every = wilson(0, 10), wilson(10, 10)
    assert none.low == 0.0 and none.high == pytest.approx(0.2775, abs=5e-4)
    assert every.high == pytest.approx(1.0) and every.low == pytest.approx(0.7225, abs=5e-4)
    with pytest.raises(ValueError):
        wilson(1, 0)
    with pytest.raises(ValueError):
        wilson(11, 10)


def test_kappa_and_ac1_on_a_hand_worked_table() -> None:
    """20 both yes, 5 and 10 disagreements, 15 both no: observed 0.70; kappa chance 0.50, AC1 chance 0.495."""
    a, b = _table(20, 5, 10, 15)
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert gwet_ac1(a, b) == pytest.approx((0.7 - 0.495) / 0.505)


def test_ac1_stays_high_where_kappa_collapses_on_a_rare_code() -> None:
    """The kappa paradox: 95% raw agreement on a code almost nobody has."""
    a, b = _table(0, 2, 3, 95)
    kappa, ac1 = cohen_kappa(a, b), gwet_ac1(a, b)
    assert kappa is not None and ac1 is not None
    assert kappa < 0 and ac1 > 0.9


def test_agreement_is_undefined_only_when_both_raters_are_constant_and_equal() -> None:
    assert cohen_kappa([1, 1, 1], [1, 1, 1]) is None
    assert cohen_kappa([1, 0, 1], [1, 0, 1]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        cohen_kappa([1, 0], [1])


def test_precision_recall_f1_by_hand() -> None:
    """3 true positives, 1 false positive, 2 false negatives."""
    predicted = [1, 1, 1, 1, 0, 0, 0]
    gold = [1, 1, 1, 0, 1, 1, 0]
    precision, recall, f1 = precision_recall_f1(predicted, gold)
    assert precision == pytest.approx(0.75) and recall == pytest.approx(0.6)
    assert f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert precision_recall_f1([0, 0], [0, 0]) == (None, None, None)


def test_ppi_equals_the_plain_share_when_predictions_are_perfect() -> None:
    predicted_all = [1] * 30 + [0] * 70
    gold = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    result = ppi_share(predicted_all, gold, gold)
    assert result.estimate == pytest.approx(0.30)
    half = 1.959963984540054 * math.sqrt(0.3 * 0.7 * 100 / 99 / 100)  # only the model's sampling variance
    assert result.low == pytest.approx(0.30 - half) and result.high == pytest.approx(0.30 + half)


def test_ppi_removes_a_model_that_over_codes() -> None:
    """The model says yes on 50% but on the gold subset it is wrong on 1 in 5 positives: corrected to 40%."""
    predicted_all = [1] * 50 + [0] * 50
    predicted_gold = [1] * 10 + [0] * 10
    gold = [1] * 8 + [0] * 2 + [0] * 10
    result = ppi_share(predicted_all, predicted_gold, gold)
    assert result.estimate == pytest.approx(0.40)
    assert result.low < 0.40 < result.high
    assert ppi_share([], [1, 0], [1, 1]).estimate == pytest.approx(1.0)  # all gold: the plain share


def test_bootstrap_median_is_reproducible_with_a_seed() -> None:
    values = [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5]
    first, again = bootstrap_median(values, seed=7), bootstrap_median(values, seed=7)
    assert first == again
    assert first.estimate == 3.0 and first.low <= 3.0 <= first.high
    assert 2.0 <= first.low and first.high <= 5.0
    with pytest.raises(ValueError):
        bootstrap_median([])


def test_share_difference_is_paired() -> None:
    result = share_difference([1, 1, 0, 0], [1, 0, 0, 0])
    assert result.estimate == pytest.approx(0.25)
    half = 1.959963984540054 * math.sqrt(0.25) / 2  # per-item differences 0,1,0,0: sd 0.5
    assert result.low == pytest.approx(0.25 - half) and result.high == pytest.approx(0.25 + half)
