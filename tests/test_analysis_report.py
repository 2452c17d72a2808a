"""The report folder built from a hand-constructed analysis: HTML, Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.analysis.agreement import agreement
from bot.analysis.document import Heading, Quotes
from bot.analysis.labels import read_coded
from bot.analysis.model import (
    Analysis,
    Code,
    CodeAssignment,
    Doc,
    EmotionScore,
    EmotionSummary,
    Prevalence,
    Quote,
    RoleShare,
    Theme,
)
from bot.analysis.report import sections, write_report
from bot.analysis.stats import bootstrap_median, ppi_share, wilson
from bot.analysis.survey import survey_stats

HOSTILE = (
    "<script>alert('x')</script> see [this](https://evil.example) <img src=\"http://evil.example/a.png\">"
)
SECTIONS = [
    "Overview",
    "Themes",
    "Codebook",
    "Prevalence",
    "Quotes",
    "Emotion profile (exploratory)",
    "Role of AI: augmentation vs automation",
    "Survey",
    "Agreement with the hand-coded subset",
]
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source", "area", "base", "embed"}
SVG_EMPTY = {"line", "circle", "rect", "path"}


def _quote(interview: str, text: str, **about: str) -> Quote:
    return Quote(interview, text, **about)


def _analysis() -> Analysis:
    """Two groups of 60 and 40 participants and a suppressed group of 4; every part of the report filled in."""
    words = "the tool saves me hours every week but I still check each answer it gives me before I send it"
    trust = Code(
        "trust",
        "<b>Trust</b> & reliability",
        "Doubts about accuracy.",
        ["wrong answers"],
        ["cost"],
        ["I check"],
    )
    stigma = Code("stigma", "Stigma", "Hiding AI use from colleagues.", examples=["I don't tell my boss"])
    groups = {f"p{n:03d}": ("teacher" if n < 60 else "nurse" if n < 100 else "pilot") for n in range(104)}
    assignments = [
        CodeAssignment(i, "trust", n % 5 != 0, 0.8, ["I check every answer", "=1+1 it was wrong"])
        for n, i in enumerate(groups)
    ] + [CodeAssignment(i, "stigma", n % 3 == 0, 0.4, [], "classifier") for n, i in enumerate(groups)]
    prevalence = [
        Prevalence(
            "trust",
            "all",
            100,
            79,
            wilson(79, 100),
            corrected=ppi_share([1] * 79 + [0] * 21, [1, 0, 1], [1, 0, 0]),
        ),
        Prevalence("trust", "teacher", 60, 48, wilson(48, 60)),
        Prevalence("trust", "nurse", 40, 31, wilson(31, 40)),
        Prevalence("trust", "pilot", 4, 3, None, suppressed=True),
        Prevalence("stigma", "all", 100, 34, wilson(34, 100)),
        Prevalence("stigma", HOSTILE, 40, 12, wilson(12, 40)),
    ]
    theme_quotes = [_quote("p001", HOSTILE + " " + words, theme="t1"), _quote("p002", words, theme="t1")]
    themes = [
        Theme(
            "t1",
            "Checking <answers>",
            "People verify what the tool says.",
            140,
            70,
            theme_quotes,
            keywords=["check"],
        ),
        Theme("t1.1", "Double-checking", "Every answer is checked.", 90, 50, [theme_quotes[1]], parent="t1"),
        Theme("t1.2", "Spot checks", "Only some answers are checked.", 50, 20, parent="t1"),
        Theme("t2", "Time saved", "Hours saved each week.", 60, 40, [_quote("p003", words, theme="t2")]),
    ]
    emotion_rows = [
        EmotionScore(i, e, float(1 + (n + k) % 5), "I worry <a lot>")
        for n, i in enumerate(groups)
        for k, e in enumerate(("satisfaction", "frustration", "worry", "trust"))
    ]
    summary = [
        EmotionSummary(g, e, n, bootstrap_median([s.intensity for s in emotion_rows if s.emotion == e][:n]))
        for g, n in (("all", 104), ("teacher", 60), ("nurse", 40), ("pilot", 4))
        for e in ("satisfaction", "frustration", "worry", "trust")
    ]
    docs = [
        Doc(i, {"role": g}, {"satisfaction": str(n % 7 + 1), "recommend": "yes" if n % 4 else "no"})
        for n, (i, g) in enumerate(groups.items())
    ]
    coded = {c.interview: {} for c in assignments}
    for c in assignments:
        coded[c.interview][c.code] = c.present
    gold = {
        i: {"trust": v["trust"] if n % 7 else not v["trust"], "stigma": v["stigma"]}
        for n, (i, v) in enumerate(coded.items())
        if n < 40
    }
    return Analysis(
        study="ai-at-work",
        mode="offline",
        interviews=104,
        segments=900,
        group_field="role",
        themes=themes,
        codebook=[trust, stigma],
        assignments=assignments,
        prevalence=prevalence,
        quotes=[
            *theme_quotes,
            _quote("p005", words, theme="t1.1"),
            _quote("p004", '=HYPERLINK("x") ' + words, code="stigma"),
        ],
        emotions=emotion_rows,
        emotion_summary=summary,
        roles=[
            RoleShare("all", 80, wilson(52, 80), wilson(28, 80)),
            RoleShare("teacher", 50, wilson(35, 50), wilson(15, 50)),
            RoleShare("pilot", 3, None, None),
        ],
        survey=survey_stats(docs, None, "role"),
        agreement=agreement(coded, gold),
        notes=["Emotion scores are exploratory.", "A note with " + HOSTILE],
    )


class _Checker(HTMLParser):
    """Collects what the tests look at and fails on tags that are not closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.h2: list[str] = []
        self.tags: dict[str, int] = {}
        self.links: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.links += [v or "" for k, v in attrs if k in {"src", "href", "xlink:href", "action"}]
        if tag not in VOID:
            self.stack.append(tag)
        self._in = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag not in VOID | SVG_EMPTY:
            self.errors.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in == "h2" and self.stack and self.stack[-1] == "h2":
            self.h2.append(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, Path, list[Path]]:
    analysis = _analysis()
    out = tmp_path_factory.mktemp("report")
    return analysis, out, write_report(analysis, out / "nested")


def _parsed(path: Path) -> _Checker:
    checker = _Checker()
    checker.feed(path.read_text(encoding="utf-8"))
    checker.close()
    return checker


def test_html_report_parses_and_has_every_section(report: tuple[Analysis, Path, list[Path]]) -> None:
    _, out, _ = report
    page = _parsed(out / "nested" / "report.html")
    assert page.errors == [] and page.stack == []
    assert page.h2 == SECTIONS


def test_html_report_has_an_svg_for_every_chart(report: tuple[Analysis, Path, list[Path]]) -> None:
    analysis, out, _ = report
    html = (out / "nested" / "report.html").read_text(encoding="utf-8")
    page = _parsed(out / "nested" / "report.html")
    charts = [(s.id, b) for s in sections(analysis) for b in s.blocks if type(b).__name__ == "Chart"]
    # themes, prevalence (share and bias-corrected), emotions, roles, and one per survey item
    assert sorted({sid for sid, _ in charts}) == ["emotions", "prevalence", "roles", "survey", "themes"]
    assert len(charts) == 1 + 2 + 1 + 1 + 2
    assert page.tags["svg"] == page.tags["figure"] == len(charts)
    for section_id in ("themes", "prevalence", "emotions", "roles", "survey"):
        body = html.split(f'<section id="{section_id}">')[1].split("</section>")[0]
        assert "<svg" in body, section_id
    assert "Median intensity by group (1-5) (exploratory)" in html


def test_html_report_is_self_contained_and_escapes_participant_text(
    report: tuple[Analysis, Path, list[Path]],
) -> None:
    _, out, _ = report
    html = (out / "nested" / "report.html").read_text(encoding="utf-8")
    page = _parsed(out / "nested" / "report.html")
    assert "script" not in page.tags and "img" not in page.tags and "link" not in page.tags
    assert page.links and all(link.startswith("#") for link in page.links)  # only the contents' anchors
    assert "<script" not in html and "http://evil" not in html.replace("&quot;http://evil", "")
    assert "url(" not in html and "@import" not in html
    text = "".join(page.text)
    assert HOSTILE in text  # shown to the reader as text
    assert "<b>Trust</b> & reliability" in text  # an escaped code label, also inside the chart


def test_html_report_writes_intervals_and_suppressed_cells(report: tuple[Analysis, Path, list[Path]]) -> None:
    _, out, _ = report
    text = "".join(_parsed(out / "nested" / "report.html").text)
    assert "79% (95% CI 70-86%)" in text
    assert "suppressed (n < 10)" in text
    assert "Exploratory: offline ratings" in text
    assert "Kruskal-Wallis" in text and "top box (>= 5)" in text
    assert "corrected with the hand-coded subset; as coded 79% (95% CI 70-86%)" in text


def test_quotes_are_grouped_under_their_code_and_top_level_theme(
    report: tuple[Analysis, Path, list[Path]],
) -> None:
    analysis, _, _ = report
    [section] = [s for s in sections(analysis) if s.id == "quotes"]
    headings = [b.text for b in section.blocks if isinstance(b, Heading)]
    assert headings == ["Code: Stigma", "Theme: Checking <answers>"]  # t1.1's quote is under t1
    [stigma, checking] = [b for b in section.blocks if isinstance(b, Quotes)]
    assert [who for _, who in stigma.items] == ["interview p004"]
    assert [who for _, who in checking.items] == [
        "interview p001",
        "interview p002",
        "interview p005",
    ]


def test_markdown_report_has_the_same_sections_and_inert_text(
    report: tuple[Analysis, Path, list[Path]],
) -> None:
    _, out, _ = report
    md = (out / "nested" / "report.md").read_text(encoding="utf-8")
    assert [line[3:] for line in md.splitlines() if line.startswith("## ")] == SECTIONS
    assert "79% (95% CI 70-86%)" in md and "suppressed (n < 10)" in md
    assert re.search(r"(?<!\\)<(script|img)", md) is None  # every tag opener is escaped
    assert re.search(r"(?<!\\)\]\(https://evil", md) is None  # so is the link
    assert "\\<script>alert('x')\\</script>" in md
    table_lines = [line for line in md.splitlines() if line.startswith("| ")]
    assert table_lines and all(line.endswith(" |") for line in table_lines)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_table_is_written_and_readable(report: tuple[Analysis, Path, list[Path]]) -> None:
    analysis, out, paths = report
    folder = out / "nested"
    names = sorted(p.name for p in paths)
    assert names == sorted(
        [
            "report.html",
            "report.md",
            "themes.csv",
            "codes.csv",
            "prevalence.csv",
            "quotes.csv",
            "emotions.csv",
            "emotion_summary.csv",
            "roles.csv",
            "survey.csv",
            "agreement.csv",
            "analysis.json",
        ]
    )
    assert all(p.parent == folder and p.stat().st_size > 0 for p in paths)
    codes = _rows(folder / "codes.csv")
    assert len(codes) == len(analysis.assignments)
    assert (
        codes[0]["evidence"] == "I check every answer | =1+1 it was wrong" and codes[0]["source"] == "model"
    )
    coded = read_coded(folder / "codes.csv")
    assert coded["p005"] == {"trust": False, "stigma": False} and coded["p003"]["stigma"] is True
    prevalence = {(r["code"], r["group"]): r for r in _rows(folder / "prevalence.csv")}
    assert prevalence["trust", "all"]["share"] == "0.7900" and prevalence["trust", "all"]["corrected"]
    pilot = prevalence["trust", "pilot"]
    assert (pilot["n"], pilot["k"], pilot["share"], pilot["suppressed"]) == ("4", "", "", "1")
    quotes = _rows(folder / "quotes.csv")
    assert quotes[-1]["text"].startswith("'=HYPERLINK") and quotes[-1]["code"] == "stigma"
    assert len(_rows(folder / "themes.csv")) == 4
    assert len(_rows(folder / "emotions.csv")) == 104 * 4
    summary = {(r["group"], r["emotion"]): r for r in _rows(folder / "emotion_summary.csv")}
    assert summary["pilot", "worry"]["suppressed"] == "1" and summary["pilot", "worry"]["median"] == ""
    survey = _rows(folder / "survey.csv")
    assert {r["item"] for r in survey} == {"satisfaction", "recommend"}
    assert any(r["group"] == "all" and r["comparison"] for r in survey)
    agreement_rows = _rows(folder / "agreement.csv")
    assert [r["code"] for r in agreement_rows] == ["trust", "stigma"] and agreement_rows[1][
        "kappa"
    ] == "1.0000"
    data = json.loads((folder / "analysis.json").read_text(encoding="utf-8"))
    assert data["study"] == "ai-at-work" and len(data["prevalence"]) == 6
    assert data["themes"][0]["quotes"][0]["text"].startswith("<script>")


def test_an_empty_analysis_still_writes_a_whole_report(tmp_path: Path) -> None:
    paths = write_report(Analysis("empty", "claude", 0, 0, None), tmp_path)
    assert "agreement.csv" not in {p.name for p in paths}
    page = _parsed(tmp_path / "report.html")
    assert page.errors == [] and page.h2 == [s for s in SECTIONS[:8] if "Emotion" not in s][:5] + [
        "Emotion profile",
        "Role of AI: augmentation vs automation",
        "Survey",
    ]
    text = "".join(page.text)
    assert "No themes were found." in text and "interviewer codebook draft" in text
    assert "exploratory" not in text.lower().replace("emotions: claude", "")
    assert _rows(tmp_path / "codes.csv") == []
