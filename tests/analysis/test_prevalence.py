"""Code shares with a hand-coded subset: the uncorrected share is machine coding throughout, the
corrected one moves towards the hand coding."""

from __future__ import annotations

from bot.analysis.model import CodeAssignment, Doc
from bot.analysis.prevalence import Coded, _with_gold, prevalence
from tests.support.synth import CODEBOOK


def test_the_uncorrected_share_counts_the_models_labels_on_gold_interviews_too() -> None:
    """40 interviews, 20 hand-coded as having the code; the model says no everywhere and says yes on one
    other interview. The uncorrected share is the model's 1 of 40, not the hand coders' 20 mixed in."""
    code = CODEBOOK[0].id
    docs = [Doc(f"i{n:02d}") for n in range(40)]
    machine = Coded([CodeAssignment(d.code, code, d.code == "i39", 0.5) for d in docs])
    gold = {f"i{n:02d}": {code: True} for n in range(20)}
    coded = _with_gold(machine, gold)
    assert sum(a.present for a in coded.assignments) == 21  # codes.csv keeps the hand labels
    [cell] = prevalence(docs, CODEBOOK[:1], coded, gold, None, 10)
    assert (cell.n, cell.k) == (40, 1)
    assert cell.share is not None and cell.share.estimate == 1 / 40
    assert cell.corrected is not None and cell.corrected.estimate > 0.5  # the hand coding corrects it
