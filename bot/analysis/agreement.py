"""How well coded labels agree with a hand-coded gold standard, per code, with intervals and warnings.

Only interviews and codes present in both are compared; an interview the gold file leaves blank for a
code does not count for that code. Kappa is the usual measure; Gwet's AC1 is shown next to it because
kappa collapses for rare or very common codes even when agreement is high. Each comes with a seeded
percentile bootstrap 95% interval over interviews: with 30 gold interviews a kappa of 0.5 can be
anything from 0.2 to 0.8, and the report must say so.

The figures are only honest when the coded labels come from a model that never saw the gold labels it
is compared with (zero-shot coding, or the out-of-fold predictions `analyze --gold` makes); a model's
fit to its own training labels says nothing about new interviews and is never shown.
"""

from __future__ import annotations

import statistics

import numpy as np

from bot.analysis.model import Agreement, Interval
from bot.analysis.stats import precision_recall_f1, share_difference

Labels = dict[str, dict[str, bool]]
RESAMPLES = 2000
SEED = 0
MIN_CLASS = 5  # gold interviews needed in each class before a code's figures mean much
KAPPA_FLOOR = 0.4  # a kappa interval reaching below this cannot rule out poor agreement
MIN_RESAMPLED = 10  # below this many gold interviews a bootstrap interval is not believable: whole range


def shared_codes(coded: Labels, gold: Labels) -> list[str]:
    """Codes labelled on at least one interview by both, in the gold file's order."""
    seen: dict[str, None] = {}
    for interview, labels in gold.items():
        other = coded.get(interview, {})
        for code in labels:
            if code in other:
                seen.setdefault(code, None)
    return list(seen)


def agreement(
    coded: Labels, gold: Labels, *, held_out: bool = True, methods: dict[str, str] | None = None
) -> list[Agreement]:
    """Per-code agreement over the interviews both label; ValueError when they share none."""
    codes = shared_codes(coded, gold)
    if not codes:
        raise ValueError(
            f"the coded labels ({len(coded)} interviews) and the gold labels ({len(gold)} interviews) "
            "share no interview id with a code in common; check that both use the same ids and code ids"
        )
    return [_one(code, coded, gold, held_out, (methods or {}).get(code, "")) for code in codes]


def _kappa(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray) -> np.ndarray:
    n = tp + fp + fn + tn
    observed = (tp + tn) / n
    coded, truth = (tp + fp) / n, (tp + fn) / n
    chance = coded * truth + (1 - coded) * (1 - truth)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isclose(chance, 1.0), np.nan, (observed - chance) / (1 - chance))


def _ac1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray) -> np.ndarray:
    n = tp + fp + fn + tn
    observed = (tp + tn) / n
    pi = ((tp + fp) / n + (tp + fn) / n) / 2
    chance = 2 * pi * (1 - pi)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isclose(chance, 1.0), np.nan, (observed - chance) / (1 - chance))


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tp + fp + fn == 0, np.nan, 2 * tp / (2 * tp + fp + fn))


def _interval(point: float, resampled: np.ndarray) -> Interval | None:
    if np.isnan(point):
        return None
    finite = resampled[np.isfinite(resampled)]
    if finite.size == 0:
        return Interval(point, point, point)
    low, high = np.percentile(finite, [2.5, 97.5])
    return Interval(point, float(min(low, point)), float(max(high, point)))


def bootstrap(
    predicted: list[bool], truth: list[bool], *, resamples: int = RESAMPLES, seed: int = SEED
) -> tuple[Interval | None, Interval | None, Interval | None]:
    """Kappa, AC1 and F1 with percentile bootstrap 95% intervals (interviews resampled, seeded)."""
    p, g = np.asarray(predicted, dtype=bool), np.asarray(truth, dtype=bool)
    rows = np.random.default_rng(seed).integers(0, p.size, size=(resamples, p.size))
    cells = [p & g, p & ~g, ~p & g, ~p & ~g]
    full = [np.array([c.sum()], dtype=float) for c in cells]
    if (
        p.size < MIN_RESAMPLED
    ):  # resampling 2 or 5 interviews gives "1.00 (1.00 to 1.00)": say nothing is known
        points = [float(f(*full)[0]) for f in (_kappa, _ac1, _f1)]
        ranges = [(-1.0, 1.0), (-1.0, 1.0), (0.0, 1.0)]
        return tuple(  # type: ignore[return-value]  # three items, as below
            None if np.isnan(v) else Interval(v, low, high)
            for v, (low, high) in zip(points, ranges, strict=True)
        )
    drawn = [c[rows].sum(axis=1).astype(float) for c in cells]
    return tuple(  # type: ignore[return-value]  # always three items: a fixed-length tuple mypy cannot infer
        _interval(float(f(*full)[0]), f(*drawn)) for f in (_kappa, _ac1, _f1)
    )


def _one(code: str, coded: Labels, gold: Labels, held_out: bool, method: str) -> Agreement:
    ids = sorted(i for i in gold if code in gold[i] and code in coded.get(i, {}))
    predicted = [coded[i][code] for i in ids]
    truth = [gold[i][code] for i in ids]
    precision, recall, _ = precision_recall_f1(predicted, truth)
    kappa, ac1, f1 = bootstrap(predicted, truth)
    row = Agreement(
        code=code,
        n=len(ids),
        positives=sum(truth),
        negatives=len(ids) - sum(truth),
        kappa=kappa,
        ac1=ac1,
        f1=f1,
        precision=precision,
        recall=recall,
        prevalence_coded=sum(predicted) / len(ids),
        prevalence_gold=sum(truth) / len(ids),
        prevalence_error=share_difference(predicted, truth),
        held_out=held_out,
        method=method,
    )
    row.warnings = warnings(row)
    return row


def warnings(row: Agreement) -> list[str]:
    """Plain reasons not to trust a code's figures yet."""
    out = []
    if min(row.positives, row.negatives) < MIN_CLASS:
        out.append(
            f"only {row.positives} gold interview(s) with the code and {row.negatives} without; "
            f"hand-code more until each has {MIN_CLASS} or more"
        )
    if row.kappa is None:
        out.append("kappa is undefined (the labels do not vary); agreement is unknown")
    elif row.kappa.low < KAPPA_FLOOR:
        out.append(
            f"the kappa interval reaches {row.kappa.low:.2f}, below {KAPPA_FLOOR}: "
            "coding may agree poorly with hand-coding"
        )
    if not row.held_out:
        out.append("these labels may have been fitted to the same gold labels, so the figures flatter them")
    return out


def statistic(value: Interval | None) -> str:
    """A statistic with its interval, "0.45 (0.21 to 0.68)"; "n/a" when undefined."""
    if value is None:
        return "n/a"
    shown = [round(v, 2) + 0.0 for v in (value.estimate, value.low, value.high)]  # + 0.0: no "-0.00"
    return f"{shown[0]:.2f} ({shown[1]:.2f} to {shown[2]:.2f})"


HEADER = [
    "code",
    "gold +/-",
    "kappa (95% CI)",
    "AC1 (95% CI)",
    "F1 (95% CI)",
    "coded",
    "gold",
    "coded - gold",
]


def table_rows(rows: list[Agreement], labels: dict[str, str] | None = None) -> list[list[str]]:
    """One row of text cells per code, under HEADER: the same figures in `validate` and the report."""
    from bot.analysis.display import percent, points

    return [
        [
            (labels or {}).get(a.code, a.code),
            f"{a.positives}/{a.negatives}",
            statistic(a.kappa),
            statistic(a.ac1),
            statistic(a.f1),
            percent(a.prevalence_coded),
            percent(a.prevalence_gold),
            points(a.prevalence_error),
        ]
        for a in rows
    ]


def warning_lines(rows: list[Agreement], labels: dict[str, str] | None = None) -> list[str]:
    """One plain sentence per code with a warning."""
    return [
        f"Warning, {(labels or {}).get(a.code, a.code)}: {'; '.join(a.warnings)}." for a in rows if a.warnings
    ]


def summary(rows: list[Agreement]) -> str:
    """One line: codes reaching kappa 0.6, the median kappa, the mean absolute prevalence error, warnings."""
    kappas = [a.kappa.estimate for a in rows if a.kappa is not None]
    good = sum(k >= 0.6 for k in kappas)
    error = statistics.fmean(abs(a.prevalence_error.estimate) for a in rows) * 100
    median = f"{statistics.median(kappas):.2f}" if kappas else "n/a"
    interviews = max(a.n for a in rows)
    flagged = sum(bool(a.warnings) for a in rows)
    return (
        f"{len(rows)} code(s) over up to {interviews} interview(s): {good} with kappa >= 0.6, "
        f"median kappa {median}, mean absolute prevalence error {error:.1f} points; "
        f"{flagged} code(s) with a warning"
    )
