"""What the report says about trust: corrected shares first, the offline banner, theme share labels, and
how many more hand-coded interviews would narrow each interval."""

from __future__ import annotations

from pathlib import Path

from bot.analysis import report_shares
from bot.analysis.document import Chart, Heading, Paragraph, Table
from bot.analysis.gold_size import gold_need, more_gold
from bot.analysis.model import Analysis
from bot.analysis.report import sections, write_report
from bot.analysis.stats import ppi_share
from tests.support.report_sample import html_of, parsed, sample_analysis, section_of


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
    text = "".join(parsed(out / "nested" / "report.html").text)
    assert "drawn at random and hand-coded" in text


def test_a_gold_file_too_small_for_agreement_is_not_called_missing() -> None:
    analysis = sample_analysis()
    analysis.agreement = []
    for p in analysis.prevalence:
        p.corrected = p.gold_need = None
    analysis.assignments[0].source = "gold"  # one interview hand-coded: too few for any agreement row
    banner = report_shares.banner(analysis) or ""
    assert "the hand-coded sample has at most 1 interview(s) per code" in banner
    assert "no hand-coded sample" not in banner


def test_without_gold_a_banner_says_the_shares_are_uncorrected_and_how_to_hand_code(tmp_path: Path) -> None:
    analysis = sample_analysis()
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
    blocks, headings = section_of(report[0], "themes")
    assert headings[0] == (
        "Checking <answers>: 67% of interviews with an answer in this theme (70 interviews, 140 answers)"
    )
    chart = next(b for b in blocks if isinstance(b, Chart))
    assert "Share of interviews with an answer in this theme" in chart.svg
    intro = next(b for b in blocks if isinstance(b, Paragraph))
    assert "not how many participants hold a view" in intro.text
    assert "prevalence" not in " ".join(b.text for b in blocks if isinstance(b, Paragraph | Heading))


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
