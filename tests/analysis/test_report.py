"""The report folder built from a hand-constructed analysis: HTML, Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from bot.analysis.document import Bullets, Quotes
from bot.analysis.labels import read_coded
from bot.analysis.model import Analysis
from bot.analysis.report import sections, write_report
from tests.support.report_sample import HOSTILE, html_of, parsed, section_of

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


def test_html_report_parses_and_has_every_section(report: tuple[Analysis, Path, list[Path]]) -> None:
    _, out, _ = report
    page = parsed(out / "nested" / "report.html")
    assert page.errors == [] and page.stack == []
    assert page.h2 == SECTIONS


def test_html_report_has_an_svg_for_every_chart(report: tuple[Analysis, Path, list[Path]]) -> None:
    analysis, out, _ = report
    html = (out / "nested" / "report.html").read_text(encoding="utf-8")
    page = parsed(out / "nested" / "report.html")
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
    page = parsed(out / "nested" / "report.html")
    assert "script" not in page.tags and "img" not in page.tags and "link" not in page.tags
    assert page.links and all(link.startswith("#") for link in page.links)  # only the contents' anchors
    assert "<script" not in html and "http://evil" not in html.replace("&quot;http://evil", "")
    assert "url(" not in html and "@import" not in html
    text = "".join(page.text)
    assert HOSTILE in text  # shown to the reader as text
    assert "<b>Trust</b> & reliability" in text  # an escaped code label, also inside the chart


def test_html_report_writes_intervals_and_suppressed_cells(report: tuple[Analysis, Path, list[Path]]) -> None:
    _, out, _ = report
    text = "".join(parsed(out / "nested" / "report.html").text)
    assert "79% (95% CI 70-86%)" in text and "70% (95% CI 52-88%)" in text
    assert "suppressed (n < 10)" in text
    assert "Exploratory: offline ratings" in text
    assert "Kruskal-Wallis" in text and "top box (>= 5)" in text


def test_quotes_are_grouped_under_their_code_and_top_level_theme(
    report: tuple[Analysis, Path, list[Path]],
) -> None:
    blocks, headings = section_of(report[0], "quotes")
    assert headings == ["Code: Stigma", "Theme: Checking <answers>"]  # t1.1's quote is under t1
    [stigma, checking] = [b for b in blocks if isinstance(b, Quotes)]
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
    page = parsed(tmp_path / "report.html")
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


def test_backticks_are_code_only_in_the_reports_own_words() -> None:
    """A command the report names is code in both files; a participant's backticks stay as typed."""
    from bot.analysis import document
    from bot.analysis.document import Paragraph, Section

    blocks = [
        Paragraph("Run `interviewer x <y>` now.", code=True),
        Bullets(["- then `--gold`"], code=True),
        Quotes([("I type `rm -rf` <b>", "interview p1")]),
        Paragraph("Theme: a `b` c"),
    ]
    parts = [Section("s", "S", blocks)]
    html = document.html("T", parts, banner="Use `--gold`.")
    md = document.markdown("T", parts, banner="Use `--gold`.")
    assert "<p>Run <code>interviewer x &lt;y&gt;</code> now.</p>" in html
    assert "<li>- then <code>--gold</code></li>" in html
    assert 'role="alert">Use <code>--gold</code>.</p>' in html
    assert "I type `rm -rf` &lt;b&gt;" in html and "<p>Theme: a `b` c</p>" in html
    assert "Run `interviewer x <y>` now." in md.splitlines()
    assert "- \\- then `--gold`" in md.splitlines()
    assert "> **Warning:** Use `--gold`." in md.splitlines()
    assert "> I type \\`rm -rf\\` \\<b>" in md.splitlines() and "Theme: a \\`b\\` c" in md.splitlines()
