"""How well coded labels agree with a hand-coded gold standard, per code.

Only interviews and codes present in both are compared; an interview the gold file leaves blank for a
code does not count for that code. Kappa is the usual measure; Gwet's AC1 is shown next to it because
kappa collapses for rare or very common codes even when agreement is high.
"""

from __future__ import annotations

import statistics

from bot.analysis.model import Agreement
from bot.analysis.stats import cohen_kappa, gwet_ac1, precision_recall_f1, share_difference

Labels = dict[str, dict[str, bool]]


def shared_codes(coded: Labels, gold: Labels) -> list[str]:
    """Codes labelled on at least one interview by both, in the gold file's order."""
    seen: dict[str, None] = {}
    for interview, labels in gold.items():
        other = coded.get(interview, {})
        for code in labels:
            if code in other:
                seen.setdefault(code, None)
    return list(seen)


def agreement(coded: Labels, gold: Labels) -> list[Agreement]:
    """Per-code agreement over the interviews both label; ValueError when they share none."""
    codes = shared_codes(coded, gold)
    if not codes:
        raise ValueError(
            f"the coded labels ({len(coded)} interviews) and the gold labels ({len(gold)} interviews) "
            "share no interview id with a code in common; check that both use the same ids and code ids"
        )
    return [_one(code, coded, gold) for code in codes]


def _one(code: str, coded: Labels, gold: Labels) -> Agreement:
    ids = sorted(i for i in gold if code in gold[i] and code in coded.get(i, {}))
    predicted = [coded[i][code] for i in ids]
    truth = [gold[i][code] for i in ids]
    precision, recall, f1 = precision_recall_f1(predicted, truth)
    return Agreement(
        code=code,
        n=len(ids),
        kappa=cohen_kappa(predicted, truth),
        ac1=gwet_ac1(predicted, truth),
        f1=f1,
        precision=precision,
        recall=recall,
        prevalence_coded=sum(predicted) / len(ids),
        prevalence_gold=sum(truth) / len(ids),
        prevalence_error=share_difference(predicted, truth),
    )


def summary(rows: list[Agreement]) -> str:
    """One line: how many codes reach kappa 0.6, the median kappa and the mean absolute prevalence error."""
    kappas = [a.kappa for a in rows if a.kappa is not None]
    good = sum(k >= 0.6 for k in kappas)
    error = statistics.fmean(abs(a.prevalence_error.estimate) for a in rows) * 100
    median = f"{statistics.median(kappas):.2f}" if kappas else "n/a"
    interviews = max(a.n for a in rows)
    return (
        f"{len(rows)} code(s) over up to {interviews} interview(s): {good} with kappa >= 0.6, "
        f"median kappa {median}, mean absolute prevalence error {error:.1f} points"
    )
