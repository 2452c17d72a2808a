"""The report's code shares: what can be cited first, uncorrected machine coding marked as such.

With a hand-coded (gold) sample, the corrected share and its interval lead, in the first chart and the
first table, each code's definition beside its figure, and how many more hand-coded interviews would
narrow the interval. Without one, the shares are labelled uncorrected machine coding, and the report
opens with a banner saying how to hand-code a sample (`interviewer codebook label`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.analysis import charts
from bot.analysis.charts import Dot
from bot.analysis.display import share, suppressed
from bot.analysis.document import Block, Chart, Heading, Paragraph, Section, Table
from bot.analysis.model import Analysis, Code, GoldNeed, Prevalence

MAX_SERIES = 7  # groups drawn in one chart ("all" and the largest others); tables list every group
UNCORRECTED = "uncorrected machine coding"
LABEL_COMMAND = "interviewer codebook label <study|file.csv> --codebook codes.yaml --n 40 --out gold.csv"
CORRECTED_NOTE = (
    "Corrected shares: the machine coding's errors, measured on the hand-coded interviews, are subtracted "
    "(prediction-powered inference), and the 95% interval includes the uncertainty of that correction. "
    "Cite these figures; the uncorrected machine coding is shown beside them only for comparison."
)
UNCORRECTED_NOTE = (
    "These shares are uncorrected machine coding: no hand-coded sample corrected them. Hand-code a random "
    "sample with `interviewer codebook label` and pass it with `--gold` for corrected shares."
)
NEED_NOTE = (
    "'More for +/-10' and 'more for +/-5' estimate how many more interviews, drawn at random and "
    "hand-coded, would narrow the corrected interval to 10 or 5 percentage points either side, if the "
    "coding keeps the error rate seen on the hand-coded interviews so far. Where only hand-coding every "
    "remaining interview gets there, the machine coding adds too little to that code: sharpen its "
    "definition or the coding before hand-coding more."
)


def banner(a: Analysis) -> str | None:
    """The warning above everything else when the report's code shares are all uncorrected."""
    if not a.prevalence or any(p.corrected for p in a.prevalence):
        return None
    offline = (
        " Offline coding finds codes said in distinctive words and misses codes most people voice in "
        "ordinary words: checked against hand-coding on two codebooks, its shares were 3 to 73 points off "
        "(docs/analysis.md)."
        if a.mode == "offline"
        else ""
    )
    gold = {x.interview for x in a.assignments if x.source == "gold"}
    if a.agreement or gold:  # a gold file was given, but no code had the interviews a correction needs
        most = max([row.n for row in a.agreement] or [len(gold)])
        return (
            f"The code shares in this report are uncorrected machine coding: the hand-coded sample has at "
            f"most {most} interview(s) per code, too few to correct them, and machine coding can be far from "
            f"the truth.{offline} Hand-code more (30 or more drawn at random) with `{LABEL_COMMAND}` and run "
            "the analysis again with `--gold`."
        )
    return (
        "The code shares in this report are uncorrected machine coding: no hand-coded sample checked them, "
        f"and machine coding can be far from the truth.{offline} Hand-code a random sample with "
        f"`{LABEL_COMMAND}`, then run the analysis again with `--gold gold.csv` for corrected shares."
    )


def _series(cells: Sequence[Prevalence]) -> list[str]:
    """Groups to draw: "all" first, then the largest groups, at most MAX_SERIES."""
    size: dict[str, int] = {}
    for c in cells:
        size[c.group] = max(size.get(c.group, 0), c.n)
    others = sorted((g for g in size if g != "all"), key=lambda g: -size[g])
    return (["all"] if "all" in size else []) + others[: MAX_SERIES - ("all" in size)]


def _chart(a: Analysis, attr: str, title: str) -> list[Block]:
    """A dot-and-interval chart of `corrected` or `share` per code, with each definition as its tooltip."""
    drawn = _series(a.prevalence)
    codes = {c.id: c for c in a.codebook}
    dots = [
        Dot(_label(codes, p.code), p.group, getattr(p, attr))
        for p in a.prevalence
        if p.group in drawn and not p.suppressed and getattr(p, attr) is not None
    ]
    if not dots:
        return []
    notes = {_label(codes, c.id): c.definition for c in a.codebook}
    caption = f"{title}, dots with 95% intervals, by group; suppressed cells left out"
    if len(drawn) < len({p.group for p in a.prevalence}):
        caption += f"; the {len(drawn)} largest groups drawn, the table has all"
    return [Chart(charts.dot_interval(dots, title, notes=notes), caption + ".")]


def _label(codes: dict[str, Code], code: str) -> str:
    return codes[code].label if code in codes else code


def _more(need: GoldNeed | None, more: int | None, rest: int) -> str:
    """More hand-coded interviews needed, as the report words it."""
    if need is None:
        return ""
    if more is None:
        return "out of reach"
    if more == 0:
        return "reached"
    return f"all {rest} remaining" if more >= rest else str(more)


def _corrected_cell(p: Prevalence, min_cell: int) -> str:
    if p.suppressed:
        return suppressed(min_cell, p.n)
    if p.corrected is None:
        return "not corrected (too few hand-coded)"
    return share(p.corrected, min_cell)


def _headline_table(a: Analysis, corrected: bool) -> Table:
    """One row per code over all interviews, the definition beside the figure."""
    overall = {p.code: p for p in a.prevalence if p.group == "all"}
    rows = []
    for code in a.codebook:
        p = overall.get(code.id)
        if p is None:
            continue
        uncorrected = suppressed(a.min_cell, p.n) if p.suppressed else share(p.share, a.min_cell)
        if not corrected:
            rows.append(
                [code.label, code.definition, uncorrected, "" if p.suppressed else str(p.k), str(p.n)]
            )
            continue
        need, rest = p.gold_need, p.n - (p.gold_need.gold if p.gold_need else 0)
        rows.append(
            [code.label, code.definition, _corrected_cell(p, a.min_cell), uncorrected]
            + [str(need.gold) if need else "", _more(need, need.for_10 if need else None, rest)]
            + [_more(need, need.for_5 if need else None, rest)]
        )
    if not corrected:
        header = ["code", "definition", f"share, {UNCORRECTED} (95% CI)", "coded present", "n"]
        return Table(header, rows, numeric={3, 4})
    header = ["code", "definition", "corrected share (95% CI)", f"{UNCORRECTED} (95% CI)", "hand-coded"]
    return Table(header + ["more for +/-10", "more for +/-5"], rows, numeric={4, 5, 6})


def _group_table(a: Analysis, corrected: bool) -> Table:
    codes = {c.id: c for c in a.codebook}
    header = ["code", "group", "n"] + (["corrected share (95% CI)"] if corrected else [])
    header += [f"{UNCORRECTED} (95% CI)", "coded present"]
    rows = []
    for p in a.prevalence:
        row = [_label(codes, p.code), p.group, str(p.n)]
        row += [_corrected_cell(p, a.min_cell)] if corrected else []
        row += [suppressed(a.min_cell, p.n) if p.suppressed else share(p.share, a.min_cell)]
        row += ["" if p.suppressed else str(p.k)]
        rows.append(row)
    return Table(header, rows, numeric={2, len(header) - 1})


def section(a: Analysis) -> Section:
    """Corrected shares first when there are any; otherwise uncorrected machine coding, marked."""
    title = "Code shares"
    if not a.prevalence:
        return Section("prevalence", title, [Paragraph("No interviews were coded.")])
    corrected = any(p.corrected for p in a.prevalence)
    blocks: list[Block] = []
    if corrected:
        blocks.append(Paragraph(CORRECTED_NOTE))
        blocks += _chart(a, "corrected", "Corrected share of interviews with each code")
        blocks += [_headline_table(a, corrected), Paragraph(NEED_NOTE)]
    else:
        blocks.append(Paragraph(UNCORRECTED_NOTE, note=True, code=True))
        blocks += _chart(a, "share", f"Share coded present ({UNCORRECTED})")
        blocks.append(_headline_table(a, corrected))
    if len({p.group for p in a.prevalence}) > 1:
        blocks += [Heading("By group"), _group_table(a, corrected)]
    if corrected:
        blocks.append(Heading(f"For comparison: {UNCORRECTED}"))
        blocks += _chart(a, "share", f"Share coded present ({UNCORRECTED}), for comparison only")
    return Section("prevalence", title, blocks)
