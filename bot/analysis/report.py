"""The report folder: report.html (self-contained), report.md, CSV tables and analysis.json.

The report is written for a researcher who has to stand behind each number: every share comes with its
interval, small cells are suppressed, the methods and their caveats come first, and offline emotion
scores are labelled exploratory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from bot.analysis import charts, document, report_shares
from bot.analysis.agreement import summary as agreement_summary
from bot.analysis.charts import Bar, Dot
from bot.analysis.display import percent, share, suppressed
from bot.analysis.document import Block, Bullets, Chart, Heading, Paragraph, Quotes, Section, Table
from bot.analysis.model import Analysis, Interval, Quote, SurveyItemStats, Theme
from bot.analysis.tables import write_tables

MAX_SERIES = 7  # groups drawn in one chart ("all" and the largest others); tables list every group
THEME_QUOTES = 3

METHOD = {
    "offline": [
        "Themes: participant answers (never the interviewer's questions; not the answers to each "
        "interview's opening and closing question), embedded on this computer and clustered in two levels; "
        "each theme is named by its most central, distinctive phrase.",
        "Coding: each answer's similarity to the code's definition, include lines and examples, "
        "denials, wishes and other people's views left out unless the code counts them; with a "
        "hand-coded subset, each code's rule is chosen by held-out agreement on it. Check it with "
        "`interviewer validate` before quoting the numbers.",
    ],
    "claude": [
        "Themes: per-interview summaries of participant answers, clustered in two levels and named by "
        "Claude from examples inside and just outside each cluster.",
        "Coding: Claude read each interview against the codebook and quoted verbatim evidence; evidence "
        "is checked against the transcript.",
        "Emotions: Claude rated satisfaction, frustration, worry and trust from 1 to 5 with evidence.",
    ],
}
STATISTICS = [
    "Code shares are of interviews (not of answers), with Wilson 95% confidence intervals; without a "
    "hand-coded sample they are uncorrected machine coding.",
    "With a hand-coded random sample, each code's share is corrected for coding errors by prediction-powered "
    "inference; its interval includes the uncertainty of that correction, and the report estimates how many "
    "more hand-coded interviews would narrow it to 10 or 5 points either side.",
    "A theme's share is the share of interviews with an answer in the theme: how often a topic came up, "
    "not how many participants hold a view.",
    "Medians of emotion ratings have percentile bootstrap 95% intervals.",
    "Survey items show the whole distribution, the median and interquartile range and the top-box share; "
    "groups are compared with Kruskal-Wallis (scales) or chi-square / Fisher's exact test (yes/no).",
]


def sections(a: Analysis) -> list[Section]:
    """The report's sections in reading order, code shares first; agreement only when a gold subset was given."""
    out = [
        overview(a),
        report_shares.section(a),
        themes(a),
        codebook(a),
        quotes(a),
        *([emotions(a)] if a.emotions or a.mode == "claude" else []),  # offline: the caveats say why not
        roles(a),
        survey(a),
    ]
    if a.agreement:
        out.append(agreement(a))
    return out


def overview(a: Analysis) -> Section:
    by = f", compared by {a.group_field}" if a.group_field else ""
    top = [t for t in a.themes if t.parent is None]
    blocks: list[Block] = [
        Paragraph(
            f"{a.interviews} interviews and {a.segments} participant answers from study {a.study}, "
            f"analysed in {a.mode} mode{by}."
        ),
        Bullets(
            [
                f"{len(top)} themes with {len(a.themes) - len(top)} sub-themes",
                f"{len(a.codebook)} codes; {len(a.quotes)} quotes",
                f"{len({s.item for s in a.survey})} survey items",
                f"Groups with fewer than {a.min_cell} participants are suppressed for privacy, and so is the "
                "next smallest where needed, so that no hidden figure can be worked out from the totals.",
            ]
        ),
        Heading("Method"),
        Bullets(
            METHOD[a.mode] + [line for line in STATISTICS if a.emotions or "emotion" not in line], code=True
        ),
    ]
    if a.notes:
        blocks.append(Heading("Caveats"))
        blocks += [Paragraph(n, note=True, code=True) for n in a.notes]  # the pipeline's own sentences
    return Section("overview", "Overview", blocks)


def _quote_items(quotes: Sequence[Quote], limit: int | None = None) -> Quotes:
    return Quotes([(q.text, f"interview {q.interview}") for q in list(quotes)[:limit]])


def themes(a: Analysis) -> Section:
    top = [t for t in a.themes if t.parent is None]
    if not top:
        return Section("themes", "Themes", [Paragraph("No themes were found.")])
    blocks: list[Block] = [
        Paragraph(
            "Largest first. A theme's share is the share of interviews with an answer in this theme: it "
            "says how often a topic came up, not how many participants hold a view (that is what the "
            "code shares measure)."
        ),
        charts_theme_sizes(top, a.interviews),
    ]
    for t in sorted(top, key=lambda t: -t.interviews):
        blocks.append(Heading(f"{t.name}: {_theme_size(t, a.interviews)}"))
        blocks.append(Paragraph(t.description))
        if t.keywords:
            blocks.append(Paragraph("Keywords: " + ", ".join(t.keywords)))
        if t.quotes:
            blocks.append(_quote_items(t.quotes, THEME_QUOTES))
        subs = [s for s in a.themes if s.parent == t.id]
        if subs:
            blocks.append(
                Table(
                    ["sub-theme", "interviews with an answer in it", "answers", "description", "example"],
                    [
                        [
                            s.name,
                            str(s.interviews),
                            str(s.size),
                            s.description,
                            s.quotes[0].text if s.quotes else "",
                        ]
                        for s in sorted(subs, key=lambda s: -s.interviews)
                    ],
                    numeric={1, 2},
                )
            )
    return Section("themes", "Themes", blocks)


def _theme_size(t: Theme, interviews: int) -> str:
    share_text = (
        f"{percent(t.interviews / interviews)} of interviews with an answer in this theme "
        if interviews
        else ""
    )
    return f"{share_text}({t.interviews} interviews, {t.size} answers)"


def charts_theme_sizes(top: list[Theme], interviews: int) -> Chart:
    bars = [
        Bar(t.name, [("with an answer in it", t.interviews), ("without", max(0, interviews - t.interviews))])
        for t in sorted(top, key=lambda t: -t.interviews)
    ]
    svg = charts.stacked_bars(
        bars, "Share of interviews with an answer in this theme", colours=["#0072B2", "#E8E8E8"]
    )
    return Chart(
        svg, "Share of interviews with at least one answer in each theme (not the share holding a view)."
    )


def codebook(a: Analysis) -> Section:
    if not a.codebook:
        return Section(
            "codebook",
            "Codebook",
            [
                Paragraph(
                    "No codebook was given. Start one from the themes with `interviewer codebook draft`.",
                    code=True,
                )
            ],
        )
    rows = [
        [c.id, c.label, c.definition, "; ".join(c.include), "; ".join(c.exclude), "; ".join(c.examples)]
        for c in a.codebook
    ]
    table = Table(["id", "label", "definition", "include", "exclude", "examples"], rows)
    return Section("codebook", "Codebook", [table])


def _labels(a: Analysis) -> dict[str, str]:
    return {c.id: c.label for c in a.codebook}


def quotes(a: Analysis) -> Section:
    """Quotes under the code they evidence, then under their top-level theme."""
    if not a.quotes:
        return Section("quotes", "Quotes", [Paragraph("No quotes were selected.")])
    parent = {t.id: t.parent or t.id for t in a.themes}
    headings = {f"code:{c.id}": f"Code: {c.label}" for c in a.codebook}
    headings |= {f"theme:{t.id}": f"Theme: {t.name}" for t in sorted(a.themes, key=lambda t: -t.interviews)}
    headings["other"] = "Other quotes"
    about: dict[str, list[Quote]] = {key: [] for key in headings}
    for q in a.quotes:
        key = f"code:{q.code}" if q.code else f"theme:{parent.get(q.theme, q.theme)}" if q.theme else "other"
        about.setdefault(key, []).append(q)
    blocks: list[Block] = [
        Paragraph(
            "Verbatim participant words, checked against the transcript and redacted; 15-60 words each."
        )
    ]
    for key, group in about.items():
        if group:
            blocks += [Heading(headings.get(key) or key.split(":", 1)[-1]), _quote_items(group)]
    return Section("quotes", "Quotes", blocks)


def _median(value: Interval) -> str:
    return f"{_g(value.estimate)} (95% CI {_g(value.low)}-{_g(value.high)})"


def emotions(a: Analysis) -> Section:
    exploratory = " (exploratory)" if a.mode == "offline" else ""
    title = "Emotion profile" + exploratory
    if not a.emotion_summary:
        return Section("emotions", title, [Paragraph("No emotion ratings.")])
    blocks: list[Block] = []
    if a.mode == "offline":
        blocks.append(
            Paragraph(
                "Exploratory: offline ratings come from a word lexicon and similarity, not from reading the "
                "interviews. Compare groups with them; do not read them as measured intensities.",
                note=True,
            )
        )
    shown = [s for s in a.emotion_summary if s.n >= a.min_cell]
    groups = sorted(dict.fromkeys(s.group for s in shown), key=lambda g: g != "all")[:MAX_SERIES]
    dots = [Dot(s.emotion, s.group, s.median) for s in shown if s.group in groups]
    if dots:
        svg = charts.dot_interval(
            dots,
            f"Median intensity by group (1-5){exploratory}",
            low=1,
            high=5,
            ticks=(1, 2, 3, 4, 5),
            fmt=_g,
        )
        blocks.append(
            Chart(svg, "Median rating per group with bootstrap 95% intervals (1 = none, 5 = strong).")
        )
    rows = [
        [s.group, s.emotion, str(s.n), _median(s.median) if s.n >= a.min_cell else suppressed(a.min_cell)]
        for s in a.emotion_summary
    ]
    blocks.append(Table(["group", "emotion", "n", "median (95% CI)"], rows, numeric={2}))
    return Section("emotions", title, blocks)


def _g(value: float) -> str:
    """A rating with at most two decimals and no trailing zeros ("3", "2.56")."""
    return f"{round(value, 2):g}"


def roles(a: Analysis) -> Section:
    title = "Role of AI: augmentation vs automation"
    if not a.roles:
        return Section(
            "roles", title, [Paragraph("The interviews did not discuss the role of AI in the work.")]
        )
    blocks: list[Block] = [
        Paragraph(
            "Among participants who describe AI's role in their work: augmentation (AI helps them do the work) "
            "or automation (AI does the work for them)."
        )
    ]
    shown = [r for r in a.roles if r.n >= a.min_cell and r.augmentation and r.automation]
    bars = [
        Bar(r.group, [("augmentation", r.augmentation.estimate), ("automation", r.automation.estimate)])
        for r in shown
        if r.augmentation is not None and r.automation is not None
    ]
    if bars:
        svg = charts.stacked_bars(bars, "Augmentation vs automation", colours=["#0072B2", "#E69F00"])
        blocks.append(Chart(svg, "Share of participants describing each role, by group."))
    rows = [
        [r.group, str(r.n)]
        + (
            [share(r.augmentation, a.min_cell), share(r.automation, a.min_cell)]
            if r in shown
            else [suppressed(a.min_cell, r.n)] * 2
        )
        for r in a.roles
    ]
    blocks.append(Table(["group", "n", "augmentation (95% CI)", "automation (95% CI)"], rows, numeric={1}))
    return Section("roles", title, blocks)


def survey(a: Analysis) -> Section:
    if not a.survey:
        return Section("survey", "Survey", [Paragraph("No survey answers.")])
    blocks: list[Block] = []
    items: dict[str, list[SurveyItemStats]] = {}
    for s in a.survey:
        items.setdefault(s.item, []).append(s)
    for cells in items.values():
        blocks += _survey_item(cells, a.min_cell)
    return Section("survey", "Survey", blocks)


def _survey_item(cells: list[SurveyItemStats], min_cell: int) -> list[Block]:
    first = cells[0]
    top = {"yesno": "share yes", "choice": "share"}.get(first.kind, "top box")
    top += f" (>= {first.top_box_from})" if first.top_box_from is not None else ""
    rows = [
        [
            c.group,
            str(c.n),
            suppressed(min_cell, c.n)
            if c.suppressed
            else ", ".join(f"{k}: {v}" for k, v in c.distribution.items()),
            "" if c.median is None else f"{c.median:g}",
            "" if c.iqr is None else f"{c.iqr[0]:g}-{c.iqr[1]:g}",
            "" if c.suppressed else share(c.top_box, min_cell) if c.top_box else "",
        ]
        for c in cells
    ]
    blocks: list[Block] = [
        Heading(f"{first.question} ({first.item})" if first.question else first.item),
        Table(["group", "n", "distribution", "median", "IQR", f"{top} (95% CI)"], rows, numeric={1, 3, 4}),
    ]
    if first.comparison:
        blocks.append(Paragraph(first.comparison))
    bars = [Bar(c.group, list(c.distribution.items())) for c in cells if not c.suppressed and c.n]
    if bars:
        points_ = list(bars[0].parts)
        colours = (
            charts.diverging(len(points_))
            if first.kind == "scale"
            else ["#0072B2", "#D55E00"]
            if first.kind == "yesno"
            else None
        )
        svg = charts.stacked_bars(bars, f"{first.item}: answers by group", colours=colours)
        blocks.append(Chart(svg, f"Distribution of answers to {first.item}, in scale order."))
    return blocks


def agreement(a: Analysis) -> Section:
    """Held-out agreement per code with bootstrap intervals, the gold counts behind it, and warnings."""
    from bot.analysis.agreement import HEADER, table_rows, warning_lines

    labels = _labels(a)
    methods = sorted({g.method for g in a.agreement if g.method})
    how = (
        "Each gold interview's machine label comes from a model calibrated or trained without it "
        "(cross-validation), so these figures say how well the other interviews are coded"
        + (f" ({'; '.join(methods)})" if methods else "")
        + ". gold +/- counts the hand-coded interviews with and without the code."
    )
    blocks: list[Block] = [Paragraph(agreement_summary(a.agreement) + "."), Paragraph(how)]
    blocks += [Paragraph(line, note=True) for line in warning_lines(a.agreement, labels)]
    blocks.append(Table(HEADER, table_rows(a.agreement, labels), numeric=set(range(1, 8))))
    return Section("agreement", "Agreement with the hand-coded subset", blocks)


def write_report(analysis: Analysis, out_dir: Path) -> list[Path]:
    """Write the whole report folder and return the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = sections(analysis)
    title = f"Analysis of {analysis.study}"
    html_path, md_path, json_path = out_dir / "report.html", out_dir / "report.md", out_dir / "analysis.json"
    warning = report_shares.banner(analysis)
    html_path.write_text(document.html(title, parts, banner=warning), encoding="utf-8")
    md_path.write_text(document.markdown(title, parts, banner=warning), encoding="utf-8")
    json_path.write_text(
        json.dumps(analysis.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return [html_path, md_path, *write_tables(analysis, out_dir), json_path]
