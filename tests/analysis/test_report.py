"""The report folder built from a hand-constructed analysis: HTML, Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.analysis import report_shares
from bot.analysis.agreement import agreement
from bot.analysis.document import Bullets, Chart, Heading, Paragraph, Quotes, Table
from bot.analysis.gold_size import gold_need, more_gold
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
    "Code shares",
    "Themes",
    "Codebook",
    "Quotes",
    "Emotion profile (exploratory)",
    "Role of AI: augmentation vs automation",
    "Survey",
    "Agreement with the hand-coded subset",
]
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source", "area", "base", "embed"}
SVG_EMPTY = {"line", "circle", "rect", "path"}


# model labels on the 70 interviews without gold; model and gold labels on 30 hand-coded interviews
TRUST_GOLD = ([1] * 55 + [0] * 15, [1] * 20 + [0] * 10, [1] * 17 + [0] * 3 + [1] * 2 + [0] * 8)


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
            corrected=ppi_share(*TRUST_GOLD),
            gold_need=gold_need(*TRUST_GOLD),
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
    # themes, code shares (corrected and uncorrected), emotions, roles, and one per survey item
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
    assert "79% (95% CI 70-86%)" in text and "70% (95% CI 52-88%)" in text
    assert "suppressed (n < 10)" in text
    assert "Exploratory: offline ratings" in text
    assert "Kruskal-Wallis" in text and "top box (>= 5)" in text


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
    assert "**Warning:**" not in md  # the shares are corrected: no banner
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
    trust = prevalence["trust", "all"]
    assert trust["share"] == "0.7900" and trust["corrected"] == "0.6991"
    assert (trust["gold_n"], trust["more_gold_for_10_points"], trust["more_gold_for_5_points"]) == (
        "30",
        "70",
        "unreachable",
    )
    assert prevalence["stigma", "all"]["gold_n"] == ""
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
    assert page.errors == [] and page.h2 == SECTIONS[:5] + [
        "Emotion profile",
        "Role of AI: augmentation vs automation",
        "Survey",
    ]
    text = "".join(page.text)
    assert "No themes were found." in text and "interviewer codebook draft" in text
    assert "No interviews were coded." in text and 'class="banner"' not in html_of(tmp_path)
    assert "exploratory" not in text.lower().replace("emotions: claude", "")
    assert _rows(tmp_path / "codes.csv") == []


def test_an_offline_report_without_emotions_describes_no_emotion_statistics(
    report: tuple[Analysis, Path, list[Path]],
) -> None:
    analysis, _, _ = report
    assert analysis.emotions, "the fixture rates emotions: its method lists their statistics"
    assert any("emotion ratings" in item for item in _method(analysis))
    offline = Analysis("offline", "offline", 0, 0, None)
    assert not any("emotion" in item for item in _method(offline))


def _method(analysis: Analysis) -> list[str]:
    [overview] = [s for s in sections(analysis) if s.id == "overview"]
    return [item for b in overview.blocks if isinstance(b, Bullets) for item in b.items]


def html_of(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def _blocks(analysis: Analysis) -> list[object]:
    return [b for s in sections(analysis) for b in s.blocks]


def test_with_gold_the_corrected_share_comes_first_with_each_definition_beside_it(
    report: tuple[Analysis, Path, list[Path]],
) -> None:
    analysis, _, _ = report
    blocks = _blocks(analysis)
    first_chart = next(b for b in blocks if isinstance(b, Chart))
    first_table = next(b for b in blocks if isinstance(b, Table))
    assert "Corrected share of interviews with each code" in first_chart.svg
    assert "Doubts about accuracy." in first_chart.svg  # the definition is the code's tooltip
    assert first_table.header[:4] == [
        "code",
        "definition",
        "corrected share (95% CI)",
        "uncorrected machine coding (95% CI)",
    ]
    trust, stigma = first_table.rows
    assert trust[:4] == [
        "<b>Trust</b> & reliability",
        "Doubts about accuracy.",
        "70% (95% CI 52-88%)",
        "79% (95% CI 70-86%)",
    ]
    assert stigma[1:3] == ["Hiding AI use from colleagues.", "not corrected (too few hand-coded)"]
    charts_ = [b for b in blocks if isinstance(b, Chart)]
    uncorrected = next(c for c in charts_ if "(uncorrected machine coding), for comparison only" in c.svg)
    assert charts_.index(uncorrected) > 0


def test_the_report_says_how_many_more_hand_coded_interviews_narrow_each_interval(
    report: tuple[Analysis, Path, list[Path]],
) -> None:
    analysis, out, _ = report
    table = next(b for b in _blocks(analysis) if isinstance(b, Table))
    assert table.header[4:] == ["hand-coded", "more for +/-10", "more for +/-5"]
    assert table.rows[0][4:] == ["30", "all 70 remaining", "out of reach"]
    assert table.rows[1][4:] == ["", "", ""]  # stigma has no corrected share to plan for
    text = "".join(_parsed(out / "nested" / "report.html").text)
    assert "drawn at random and hand-coded" in text


def test_without_gold_a_banner_says_the_shares_are_uncorrected_and_how_to_hand_code(tmp_path: Path) -> None:
    analysis = _analysis()
    analysis.agreement, analysis.classifier_accuracy = [], {}
    for p in analysis.prevalence:
        p.corrected = p.gold_need = None
    write_report(analysis, tmp_path)
    html = html_of(tmp_path)
    assert html.index('class="banner"') < html.index("<nav>")  # above the contents
    banner = html.split('class="banner" role="alert">')[1].split("</p>")[0]
    assert "uncorrected machine coding" in banner and "interviewer codebook label" in banner
    assert "misses codes most people voice in ordinary words" in banner  # what offline coding gets wrong
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert md.splitlines()[2].startswith("> **Warning:** The code shares in this report are uncorrected")
    table = next(b for b in _blocks(analysis) if isinstance(b, Table))
    assert table.header == [
        "code",
        "definition",
        "share, uncorrected machine coding (95% CI)",
        "coded present",
        "n",
    ]
    assert table.rows[0][:3] == [
        "<b>Trust</b> & reliability",
        "Doubts about accuracy.",
        "79% (95% CI 70-86%)",
    ]
    analysis.mode = "claude"  # Claude's coding is not the offline coder: its warning is the general one
    assert "ordinary words" not in (report_shares.banner(analysis) or "")
    assert "Corrected share" not in html


def test_theme_shares_are_labelled_as_interviews_with_an_answer_in_the_theme(
    report: tuple[Analysis, Path, list[Path]],
) -> None:
    analysis, _, _ = report
    [section] = [s for s in sections(analysis) if s.id == "themes"]
    headings = [b.text for b in section.blocks if isinstance(b, Heading)]
    assert headings[0] == (
        "Checking <answers>: 67% of interviews with an answer in this theme (70 interviews, 140 answers)"
    )
    chart = next(b for b in section.blocks if isinstance(b, Chart))
    assert "Share of interviews with an answer in this theme" in chart.svg
    intro = next(b for b in section.blocks if isinstance(b, Paragraph))
    assert "not how many participants hold a view" in intro.text
    assert "prevalence" not in " ".join(b.text for b in section.blocks if isinstance(b, Paragraph | Heading))


def test_more_gold_at_zero_reproduces_the_corrected_interval_width() -> None:
    """The planning formula is the variance ppi_share uses, so m = 0 gives today's half-width."""
    rest, model, gold = [1] * 300 + [0] * 670, [1] * 12 + [0] * 18, [1] * 10 + [0] * 2 + [1] * 3 + [0] * 15
    interval = ppi_share(rest, model, gold)
    half = (interval.high - interval.low) / 2
    assert more_gold(rest, model, gold, half + 1e-9) == 0
    assert more_gold(rest, model, gold, half - 1e-3) > 0


def test_more_gold_follows_the_rectifier_term_for_a_large_corpus() -> None:
    """With the model term small, n + m is about s_r^2 / ((t / z)^2 - lambda^2 s_f^2 / N), for the weight
    that gives the wider interval (the power-tuned one or plain PPI's, lambda = 1)."""
    rest = [1] * 30000 + [0] * 70000
    model, gold = [1] * 12 + [0] * 28, [1] * 9 + [0] * 3 + [1] * 5 + [0] * 23  # 8 of 40 disagree
    # lambda by hand: Cov(gold, model) / ((1 + n / N) Var(model over all 100,040 interviews))
    cov = (9 / 40 - (14 / 40) * (12 / 40)) * 40 / 39
    var_all = (30012 / 100040) * (1 - 30012 / 100040) * 100040 / 100039
    tuned = cov / ((1 + 40 / 100000) * var_all)
    for target in (0.10, 0.05):
        needed = []
        for weight in (tuned, 1.0):
            residual = [g - weight * f for g, f in zip(gold, model, strict=True)]
            mean = sum(residual) / 40
            var_r = sum((r - mean) ** 2 for r in residual) / 39
            var_f = weight**2 * 0.3 * 0.7 * 100000 / 99999
            needed.append(var_r / ((target / 1.959963984540054) ** 2 - var_f / 100000) - 40)
        assert abs(more_gold(rest, model, gold, target) - max(needed)) <= 1.5
    need = gold_need(rest, model, gold)
    assert need.gold == 40 and 0 < need.for_10 < need.for_5


def test_more_gold_is_never_zero_from_a_small_sample_without_disagreement() -> None:
    """Five gold interviews that all agree do not prove the coding error-free."""
    need = gold_need([1] * 500 + [0] * 500, [1, 0, 1, 0, 1], [1, 0, 1, 0, 1])
    assert need.for_10 and need.for_10 > 0 and need.for_5 and need.for_5 > need.for_10
