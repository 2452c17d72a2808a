"""The report's CSV tables: one file per kind of result, for spreadsheets and further analysis.

Free-text cells and interview ids (a dataset CSV's `transcript_id` is anyone's text) that a spreadsheet
would run as a formula (starting with = + - @) get a leading apostrophe, the usual guard against CSV
injection, which `labels` takes off again when it reads an id back; evidence is redacted like the quotes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from bot.analysis.model import Analysis, GoldNeed, Interval
from bot.records.redact import redact

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
JOIN = " | "


def safe(text: str) -> str:
    """A text cell a spreadsheet shows as text."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unsafe(cell: str) -> str:
    """The text `safe` was given: a cell read back from one of our tables."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def _num(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _interval(value: Interval | None) -> list[str]:
    return ["", "", ""] if value is None else [_num(value.estimate), _num(value.low), _num(value.high)]


def _write(path: Path, header: list[str], rows: Iterable[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def themes_csv(a: Analysis, out: Path) -> Path:
    header = ["id", "parent", "name", "description", "segments", "interviews", "keywords", "quotes"]
    rows = (
        [
            t.id,
            t.parent or "",
            safe(t.name),
            safe(t.description),
            str(t.size),
            str(t.interviews),
            safe("; ".join(t.keywords)),
            safe(JOIN.join(q.text for q in t.quotes)),
        ]
        for t in a.themes
    )
    return _write(out / "themes.csv", header, rows)


def codes_csv(a: Analysis, out: Path) -> Path:
    """Per interview and code; `interviewer validate --codes` reads this file back."""
    header = ["interview", "code", "present", "score", "evidence", "source"]
    rows = (
        [
            safe(c.interview),
            c.code,
            str(int(c.present)),
            _num(c.score),
            safe(JOIN.join(redact(e) for e in c.evidence)),
            c.source,
        ]
        for c in a.assignments
    )
    return _write(out / "codes.csv", header, rows)


def _need(need: GoldNeed | None) -> list[str]:
    if need is None:
        return ["", "", ""]
    return [str(need.gold)] + ["unreachable" if m is None else str(m) for m in (need.for_10, need.for_5)]


def prevalence_csv(a: Analysis, out: Path) -> Path:
    """Suppressed cells keep n but not the count or the share.

    `share` is the uncorrected machine coding; `corrected` is the prediction-powered share, with `gold_n`
    hand-coded interviews behind it and the estimated number more for a half-width of 10 and 5 points.
    """
    labels = {c.id: c.label for c in a.codebook}
    header = ["code", "label", "group", "n", "k", "share", "low", "high"]
    header += ["corrected", "corrected_low", "corrected_high", "suppressed"]
    header += ["gold_n", "more_gold_for_10_points", "more_gold_for_5_points"]
    rows = (
        [
            p.code,
            safe(labels.get(p.code, p.code)),
            safe(p.group),
            str(p.n),
            "" if p.suppressed else str(p.k),
            *_interval(None if p.suppressed else p.share),
            *_interval(None if p.suppressed else p.corrected),
            str(int(p.suppressed)),
            *_need(None if p.suppressed else p.gold_need),
        ]
        for p in a.prevalence
    )
    return _write(out / "prevalence.csv", header, rows)


def quotes_csv(a: Analysis, out: Path) -> Path:
    header = ["interview", "theme", "code", "words", "text"]
    rows = (
        [safe(q.interview), q.theme or "", q.code or "", str(len(q.text.split())), safe(q.text)]
        for q in a.quotes
    )
    return _write(out / "quotes.csv", header, rows)


def emotions_csv(a: Analysis, out: Path) -> list[Path]:
    """Per-interview intensities, and the group medians with their bootstrap intervals."""
    scores = _write(
        out / "emotions.csv",
        ["interview", "emotion", "intensity", "evidence"],
        ([safe(e.interview), e.emotion, _num(e.intensity, 2), safe(redact(e.evidence))] for e in a.emotions),
    )
    summary = _write(
        out / "emotion_summary.csv",
        ["group", "emotion", "n", "median", "low", "high", "suppressed"],
        (
            [safe(s.group), s.emotion, str(s.n)]
            + (["", "", "", "1"] if s.n < a.min_cell else [*_interval(s.median), "0"])
            for s in a.emotion_summary
        ),
    )
    return [scores, summary]


def roles_csv(a: Analysis, out: Path) -> Path:
    header = ["group", "n", "augmentation", "augmentation_low", "augmentation_high"]
    header += ["automation", "automation_low", "automation_high"]
    rows = ([safe(r.group), str(r.n), *_interval(r.augmentation), *_interval(r.automation)] for r in a.roles)
    return _write(out / "roles.csv", header, rows)


def survey_csv(a: Analysis, out: Path) -> Path:
    header = ["item", "question", "kind", "group", "n", "distribution", "median", "q1", "q3"]
    header += ["top_box_from", "top_box", "top_box_low", "top_box_high", "suppressed", "comparison"]
    rows = (
        [
            s.item,
            safe(s.question),
            s.kind,
            safe(s.group),
            str(s.n),
            safe("; ".join(f"{k}={v}" for k, v in s.distribution.items())),
            _num(s.median, 2),
            _num(s.iqr[0] if s.iqr else None, 2),
            _num(s.iqr[1] if s.iqr else None, 2),
            "" if s.top_box_from is None else str(s.top_box_from),
            *_interval(s.top_box),
            str(int(s.suppressed)),
            s.comparison or "",
        ]
        for s in a.survey
    )
    return _write(out / "survey.csv", header, rows)


def agreement_csv(a: Analysis, out: Path) -> Path:
    """Held-out agreement per code; kappa, AC1 and F1 with their bootstrap 95% intervals."""
    header = ["code", "n", "positives", "negatives"]
    header += [f"{name}{end}" for name in ("kappa", "ac1", "f1") for end in ("", "_low", "_high")]
    header += ["precision", "recall", "prevalence_coded", "prevalence_gold"]
    header += ["prevalence_error", "error_low", "error_high", "method", "warnings"]
    rows = (
        [
            g.code,
            str(g.n),
            str(g.positives),
            str(g.negatives),
            *_interval(g.kappa),
            *_interval(g.ac1),
            *_interval(g.f1),
            _num(g.precision),
            _num(g.recall),
            _num(g.prevalence_coded),
            _num(g.prevalence_gold),
            *_interval(g.prevalence_error),
            g.method,
            safe("; ".join(g.warnings)),
        ]
        for g in a.agreement
    )
    return _write(out / "agreement.csv", header, rows)


def write_tables(a: Analysis, out: Path) -> list[Path]:
    """Every table the analysis has; agreement only when a gold subset was given."""
    paths = [themes_csv(a, out), codes_csv(a, out), prevalence_csv(a, out), quotes_csv(a, out)]
    paths += emotions_csv(a, out)
    paths += [roles_csv(a, out), survey_csv(a, out)]
    if a.agreement:
        paths.append(agreement_csv(a, out))
    return paths
