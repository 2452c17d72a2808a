"""Survey statistics per item and group: distribution, median, IQR and top-box share, never a bare mean.

Rating scales are ordinal, so a mean hides what matters (a split audience and a lukewarm one can have the
same mean). Each item gets its full distribution, the median with the interquartile range and the share
in the top boxes (at least 5 on a 1-7 scale) with a Wilson interval; yes/no items get the share of yes.
Groups are compared with Kruskal-Wallis (scales) or chi-square / Fisher's exact test (yes/no).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import stats as sp

from bot.analysis.model import Doc, SurveyItemStats
from bot.analysis.stats import wilson
from bot.analysis.suppression import UNKNOWN_GROUP, hidden_groups
from bot.studies.study import Study

YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})
SCALE_TOPS = (5, 7, 10)  # scale lengths recognised when a CSV gives numbers without a survey definition
MOSTLY = 0.9  # share of answers that must fit a kind for an inferred item to be read as that kind
MAX_CHOICES = 12  # more distinct non-numeric answers than this is free text, not a survey item
ALPHA = 0.05


@dataclass(frozen=True)
class Item:
    """How to read one survey item's answers."""

    id: str
    question: str
    kind: str  # "scale", "yesno" or "choice"
    points: tuple[str, ...]  # the answers in scale order
    top_box_from: int | None = None

    def value(self, answer: str) -> str | None:
        """The answer as one of `points`, or None when it is blank or not on the scale."""
        text = answer.strip().lower()
        if self.kind == "yesno":
            return "yes" if text in YES else "no" if text in NO else None
        if self.kind == "scale":
            try:
                number = float(text)
            except ValueError:
                return None
            label = str(int(number)) if number.is_integer() else None
            return label if label in self.points else None
        return answer.strip() if answer.strip() in self.points else None


def _scale(item_id: str, question: str, low: int, high: int) -> Item:
    points = tuple(str(v) for v in range(low, high + 1))
    return Item(item_id, question, "scale", points, top_box_from=math.ceil(high * 5 / 7))


def items_from_study(study: Study) -> list[Item]:
    """The study's own survey definition: wording and scale; free-text items are left out."""
    items = []
    for s in study.survey:
        if s.kind == "scale7":
            items.append(_scale(s.id, s.question, 1, 7))
        elif s.kind == "yesno":
            items.append(Item(s.id, s.question, "yesno", ("yes", "no")))
    return items


def infer_item(item_id: str, answers: list[str]) -> Item | None:
    """Guess an item's scale from its answers alone (CSV input has no survey definition).

    A few stray answers ("n/a", "eight") do not turn a rating scale into free text: the kind is the one
    that at least 90% of the answers fit (MOSTLY), and the rest are left out as not on the scale.
    """
    given = [a.strip() for a in answers if a.strip()]
    if not given:
        return None
    enough = MOSTLY * len(given)
    numbers = _numbers(given)
    words = [a for a in given if a.lower() in YES | NO]
    if len(numbers) < enough and len(words) >= enough:
        return Item(item_id, "", "yesno", ("yes", "no"))
    if len(numbers) >= enough and set(numbers) <= {0.0, 1.0} and 0.0 in numbers:
        return Item(item_id, "", "yesno", ("yes", "no"))  # a 0/1 column is a yes/no item, not a scale
    whole = [n for n in numbers if n.is_integer() and n >= 0]
    if len(whole) >= enough:
        top = next((t for t in SCALE_TOPS if max(whole) <= t), None)
        if top is not None:
            return _scale(item_id, "", 0 if min(whole) == 0 else 1, top)
    distinct = Counter(given)
    if len(distinct) > MAX_CHOICES:
        return None
    return Item(item_id, "", "choice", tuple(a for a, _ in distinct.most_common()))


def _numbers(answers: list[str]) -> list[float]:
    """The answers that are finite numbers."""
    out = []
    for a in answers:
        try:
            value = float(a)
        except ValueError:
            continue
        if math.isfinite(value):
            out.append(value)
    return out


def _items(docs: list[Doc], study: Study | None) -> list[Item]:
    if study is not None:
        return items_from_study(study)
    answers: dict[str, list[str]] = {}
    for doc in docs:
        for item_id, answer in doc.survey.items():
            answers.setdefault(item_id, []).append(answer)
    return [item for i in sorted(answers) if (item := infer_item(i, answers[i])) is not None]


def _cell(item: Item, group: str, values: list[str], min_cell: int, hide: bool = False) -> SurveyItemStats:
    """One item in one group; below the minimum cell size, or hidden to protect such a group, only n is kept."""
    cell = SurveyItemStats(
        item=item.id,
        group=group,
        n=len(values),
        distribution={},
        question=item.question,
        kind=item.kind,
        top_box_from=item.top_box_from,
    )
    if hide or len(values) < min_cell or not values:
        cell.suppressed = True
        return cell
    counts = Counter(values)
    cell.distribution = {p: counts.get(p, 0) for p in item.points}
    if item.kind == "yesno":
        cell.top_box = wilson(counts["yes"], len(values))
    elif item.kind == "scale":
        numbers = np.array([float(v) for v in values])
        q1, median, q3 = np.percentile(numbers, [25, 50, 75])
        cell.median, cell.iqr = float(median), (float(q1), float(q3))
        if item.top_box_from is not None:
            cell.top_box = wilson(int(np.sum(numbers >= item.top_box_from)), len(values))
    return cell


def compare(item: Item, groups: dict[str, list[str]]) -> str | None:
    """A test across the groups and one plain-language sentence about it; None with fewer than two groups."""
    if len(groups) < 2:
        return None
    names = list(groups)
    if item.kind == "scale":
        samples = [[float(v) for v in groups[g]] for g in names]
        if len({v for s in samples for v in s}) < 2:
            return f"Everyone gave the same answer; the {len(names)} groups cannot differ."
        h, p = sp.kruskal(*samples)
        medians = {g: float(np.median(s)) for g, s in zip(names, samples, strict=True)}
        head = f"Kruskal-Wallis H={h:.2f}, p={_p(p)} across {len(names)} groups"
        return f"{head}: {_verdict(p, medians, 'median')}"
    table = np.array([[groups[g].count(point) for point in item.points] for g in names])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return f"Everyone gave the same answer; the {len(names)} groups cannot differ."
    shares = {g: row[0] / row.sum() for g, row in zip(names, table, strict=True)}
    if table.shape == (2, 2) and sp.contingency.expected_freq(table).min() < 5:
        _, p = sp.fisher_exact(table)
        head = f"Fisher's exact test p={_p(p)} across 2 groups"
    else:
        chi2, p, dof, _ = sp.chi2_contingency(table)
        head = f"chi-square={chi2:.2f} (df {dof}), p={_p(p)} across {len(names)} groups"
    what = "share of yes" if item.kind == "yesno" else f"share answering {item.points[0]!r}"
    return f"{head}: {_verdict(p, shares, what, as_share=True)}"


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def _verdict(p: float, by_group: dict[str, float], what: str, as_share: bool = False) -> str:
    if math.isnan(p) or p >= ALPHA:
        return "no clear difference between the groups."
    high = max(by_group, key=lambda g: by_group[g])
    low = min(by_group, key=lambda g: by_group[g])
    return (
        f"the groups differ; highest {what} in {high} ({_shown(by_group[high], as_share)}), "
        f"lowest in {low} ({_shown(by_group[low], as_share)})."
    )


def _shown(value: float, as_share: bool) -> str:
    return f"{value * 100:.0f}%" if as_share else f"{value:g}"


def survey_stats(
    docs: list[Doc], study: Study | None, group_field: str | None, min_cell: int = 10
) -> list[SurveyItemStats]:
    """Per survey item: one row for all participants, then one per group value (sorted).

    Participants without a group value are a group of their own, UNKNOWN_GROUP: left out, they would be
    "all" less the groups shown. Each item is its own table: its groups under `min_cell`, and the
    next-smallest ones hidden with them (`bot.analysis.suppression`), show n only.
    """
    out: list[SurveyItemStats] = []
    for item in _items(docs, study):
        answered = [(doc, v) for doc in docs if (v := item.value(doc.survey.get(item.id, ""))) is not None]
        if not answered:
            continue
        overall = _cell(item, "all", [v for _, v in answered], min_cell)
        groups: dict[str, list[str]] = {}
        if group_field:
            for doc, v in answered:
                groups.setdefault(doc.group.get(group_field, "").strip() or UNKNOWN_GROUP, []).append(v)
        hidden = hidden_groups({g: len(v) for g, v in groups.items()}, min_cell)
        cells = [_cell(item, g, groups[g], min_cell, g in hidden) for g in sorted(groups)]
        # hidden groups stay out of the test, and so do participants without a group, as before
        shown = {c.group: groups[c.group] for c in cells if not c.suppressed and c.group != UNKNOWN_GROUP}
        overall.comparison = compare(item, shown) if not overall.suppressed else None
        out += [overall, *cells]
    return out
