"""Interval, agreement and survey statistics checked against values worked out by hand or published."""

from __future__ import annotations

import math

import pytest

from bot.analysis.model import Doc
from bot.analysis.stats import (
    bootstrap_median,
    cohen_kappa,
    gwet_ac1,
    ppi_share,
    ppi_weight,
    precision_recall_f1,
    share_difference,
    wilson,
)
from bot.analysis.survey import infer_item, survey_stats
from bot.studies.study import SurveyItem, load_study
from tests.support.paths import ROOT


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
    """Centred on the model's share; the width keeps room for the errors 10 agreeing gold interviews
    cannot rule out: the model's sampling variance plus p(1 - p) / n at p = (0 + 2) / (10 + 4)."""
    predicted_all = [1] * 30 + [0] * 70
    gold = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    result = ppi_share(predicted_all, gold, gold)
    assert result.estimate == pytest.approx(0.30)
    p = 2 / 14
    half = 1.959963984540054 * math.sqrt(0.3 * 0.7 * 100 / 99 / 100 + p * (1 - p) / 10)
    assert result.low == pytest.approx(0.30 - half) and result.high == pytest.approx(0.30 + half)


def test_ppi_from_six_gold_interviews_that_agree_is_not_sure_of_itself() -> None:
    """0 of 6 hand-coded interviews have the code and the model agrees on all six: the corrected share
    is 0%, but its interval is as wide as six interviews allow (the model alone would say below 8%)."""
    result = ppi_share([1] * 11 + [0] * 63, [0] * 6, [0] * 6)
    assert result.estimate == 0.0 and result.low == 0.0
    assert 0.30 < result.high < 0.40


def test_ppi_removes_a_model_that_over_codes() -> None:
    """The model says yes on 50% but on the gold subset it is wrong on 1 in 5 positives: corrected to 40%."""
    predicted_all = [1] * 50 + [0] * 50
    predicted_gold = [1] * 10 + [0] * 10
    gold = [1] * 8 + [0] * 2 + [0] * 10
    result = ppi_share(predicted_all, predicted_gold, gold)
    assert result.estimate == pytest.approx(0.40)
    assert result.low < 0.40 < result.high
    assert ppi_share([], [1, 0], [1, 1]).estimate == pytest.approx(1.0)  # all gold: the plain share


def test_ppi_trusts_a_weak_model_less_than_plain_ppi() -> None:
    """Power tuning: the model agrees with hand-coding on 25 of 30, so it gets weight 0.55, not 1."""
    rest, model, gold = [1] * 55 + [0] * 15, [1] * 20 + [0] * 10, [1] * 17 + [0] * 3 + [1] * 2 + [0] * 8
    cov = (17 / 30 - (19 / 30) * (20 / 30)) * 30 / 29
    weight = cov / ((1 + 30 / 70) * (0.75 * 0.25 * 100 / 99))
    assert ppi_weight(rest, model, gold) == pytest.approx(weight) and 0.5 < weight < 0.6
    result = ppi_share(rest, model, gold)
    assert result.estimate == pytest.approx(19 / 30 + weight * (55 / 70 - 20 / 30))
    plain = 0.7524  # mean(model outside gold) + mean(gold - model): the untuned estimate
    assert abs(result.estimate - 19 / 30) < abs(plain - 19 / 30)  # pulled towards the hand-coded share
    # the width is plain PPI's here (wider than the tuned one): model share 55/70, gold - model = -1 x3, +1 x2
    var_model = (55 / 70) * (15 / 70) * 70 / 69 / 70
    var_rectifier = (5 / 30 - (1 / 30) ** 2) * 30 / 29 / 30
    half = 1.959963984540054 * math.sqrt(var_model + var_rectifier)
    assert (result.high - result.low) / 2 == pytest.approx(half)


def test_ppi_ignores_a_model_that_says_the_same_everywhere() -> None:
    result = ppi_share([1] * 50, [1] * 10, [1] * 4 + [0] * 6)
    assert ppi_weight([1] * 50, [1] * 10, [1] * 4 + [0] * 6) == 0.0
    assert result.estimate == pytest.approx(0.4)  # the hand-coded share


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


def test_six_labels_that_agree_leave_the_share_difference_open() -> None:
    """No difference in 6 items is not a difference known to be 0: p = 2 / 10 gives +/- 32 points."""
    result = share_difference([0] * 6, [0] * 6)
    half = 1.959963984540054 * math.sqrt(0.2 * 0.8 / 6)
    assert result.estimate == 0 and result.high == pytest.approx(half) and result.low == pytest.approx(-half)


def _survey_docs() -> list[Doc]:
    """12 teachers answering 1..6 twice, 12 nurses answering 5, 6 or 7; teachers split on recommending."""
    docs = []
    for n in range(12):
        docs.append(
            Doc(
                f"t{n}",
                {"role": "teacher"},
                {"satisfaction": str(n % 6 + 1), "recommend": "yes" if n < 4 else "no"},
            )
        )
        docs.append(Doc(f"n{n}", {"role": "nurse"}, {"satisfaction": str(n % 3 + 5), "recommend": "Yes"}))
    docs.append(Doc("x", {"role": "teacher"}, {"satisfaction": "eight", "recommend": ""}))  # not on the scale
    docs.append(Doc("y", {}, {"satisfaction": "4"}))  # no group: the group "(not given)", left out of tests
    return docs


def test_survey_stats_give_distribution_median_iqr_and_top_box() -> None:
    survey = [
        SurveyItem(id="satisfaction", question="How satisfied are you?", kind="scale7"),
        SurveyItem(id="recommend", question="Recommend it?", kind="yesno"),
        SurveyItem(id="why", question="Why?", kind="text"),
    ]
    study = load_study(ROOT / "studies" / "teachers.yaml").model_copy(update={"survey": survey})
    # min_cell 1: every group shown (with 10, "(not given)" would hide nurse too: test_suppression.py)
    rows = {(r.item, r.group): r for r in survey_stats(_survey_docs(), study, "role", min_cell=1)}
    groups = ("all", "nurse", "teacher")
    assert set(rows) == {(i, g) for i in ("satisfaction", "recommend") for g in groups} | {
        ("satisfaction", "(not given)")
    }
    teachers = rows["satisfaction", "teacher"]
    assert teachers.n == 12 and teachers.question == "How satisfied are you?"
    assert teachers.distribution == {"1": 2, "2": 2, "3": 2, "4": 2, "5": 2, "6": 2, "7": 0}
    assert teachers.median == 3.5 and teachers.iqr == (2.0, 5.0)
    assert teachers.top_box_from == 5 and teachers.top_box is not None
    assert teachers.top_box.estimate == pytest.approx(4 / 12)
    assert (teachers.top_box.low, teachers.top_box.high) == pytest.approx(
        (wilson(4, 12).low, wilson(4, 12).high)
    )
    everyone = rows["satisfaction", "all"]
    assert everyone.n == 25 and everyone.median == 5.0
    assert everyone.comparison is not None and everyone.comparison.startswith("Kruskal-Wallis")
    assert "the groups differ; highest median in nurse (6)" in everyone.comparison
    recommend = rows["recommend", "all"]
    assert recommend.distribution == {"yes": 16, "no": 8} and recommend.median is None
    assert recommend.top_box is not None and recommend.top_box.estimate == pytest.approx(16 / 24)
    assert recommend.comparison is not None and "Fisher's exact test" in recommend.comparison


def test_survey_stats_suppress_small_cells_and_skip_the_comparison_for_them() -> None:
    rows = {(r.item, r.group): r for r in survey_stats(_survey_docs(), None, "role", min_cell=13)}
    nurse = rows["satisfaction", "nurse"]
    assert nurse.suppressed and nurse.n == 12 and nurse.distribution == {} and nurse.median is None
    assert nurse.top_box is None and nurse.top_box_from == 5  # the scale is known even when hidden
    assert not rows["satisfaction", "all"].suppressed and rows["satisfaction", "all"].comparison is None


def test_survey_scales_are_inferred_without_a_study() -> None:
    assert infer_item("q", ["1", "4", "7", ""]) == infer_item("q", ["7", "1"])
    seven = infer_item("q", ["1", "4", "7"])
    assert seven is not None and seven.kind == "scale" and seven.points[-1] == "7" and seven.top_box_from == 5
    five = infer_item("q", ["2", "5"])
    assert five is not None and five.points == ("1", "2", "3", "4", "5") and five.top_box_from == 4
    ten = infer_item("q", ["0", "9", "10"])
    assert ten is not None and ten.points[0] == "0" and ten.top_box_from == 8
    yes_no = infer_item("q", ["Yes", "no", "1", "0"])
    assert yes_no is not None and yes_no.kind == "yesno"
    binary = infer_item("q", ["1", "0", "1"])
    assert binary is not None and binary.kind == "yesno"
    choice = infer_item("q", ["red", "blue", "red"])
    assert choice is not None and choice.kind == "choice" and choice.points == ("red", "blue")
    assert infer_item("q", [f"free text {n}" for n in range(40)]) is None
    assert infer_item("q", ["", " "]) is None
    strays = infer_item("q", ["3", "5", "6", "7", "2", "4", "5", "6", "1", "7", "n/a"])  # 10 of 11 numbers
    assert strays is not None and strays.kind == "scale" and strays.value("n/a") is None
    assert strays.value("6.0") == "6" and strays.value("8") is None


def test_survey_comparison_says_when_groups_do_not_differ() -> None:
    docs = [Doc(f"d{n}", {"g": "ab"[n % 2]}, {"score": str(n % 7 + 1)}) for n in range(40)]
    [everyone, *_] = survey_stats(docs, None, "g")
    assert everyone.comparison is not None and "no clear difference between the groups" in everyone.comparison
    same = [Doc(f"d{n}", {"g": "ab"[n % 2]}, {"score": "3"}) for n in range(40)]
    assert "Everyone gave the same answer" in (survey_stats(same, None, "g")[0].comparison or "")
