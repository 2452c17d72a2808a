"""A hand-built analysis with every part of the report filled in, and an HTML checker, for report tests."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from bot.analysis.agreement import agreement
from bot.analysis.gold_size import gold_need
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
from bot.analysis.stats import bootstrap_median, ppi_share, wilson
from bot.analysis.survey import survey_stats

HOSTILE = (
    "<script>alert('x')</script> see [this](https://evil.example) <img src=\"http://evil.example/a.png\">"
)
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source", "area", "base", "embed"}
SVG_EMPTY = {"line", "circle", "rect", "path"}


# model labels on the 70 interviews without gold; model and gold labels on 30 hand-coded interviews
TRUST_GOLD = ([1] * 55 + [0] * 15, [1] * 20 + [0] * 10, [1] * 17 + [0] * 3 + [1] * 2 + [0] * 8)


def quote(interview: str, text: str, **about: str) -> Quote:
    return Quote(interview, text, **about)


def sample_analysis() -> Analysis:
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
    theme_quotes = [quote("p001", HOSTILE + " " + words, theme="t1"), quote("p002", words, theme="t1")]
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
        Theme("t2", "Time saved", "Hours saved each week.", 60, 40, [quote("p003", words, theme="t2")]),
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
    # the pilot group answered no survey: with its 4 answers the survey would hide nurse as well (so that
    # "all" less teacher is not the pilot's answers) and leave no groups to compare
    docs = [
        Doc(i, {"role": g}, {"satisfaction": str(n % 7 + 1), "recommend": "yes" if n % 4 else "no"})
        if g != "pilot"
        else Doc(i, {"role": g})
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
            quote("p005", words, theme="t1.1"),
            quote("p004", '=HYPERLINK("x") ' + words, code="stigma"),
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


class HtmlChecker(HTMLParser):
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


def parsed(path: Path) -> HtmlChecker:
    checker = HtmlChecker()
    checker.feed(path.read_text(encoding="utf-8"))
    checker.close()
    return checker


def html_of(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def section_of(analysis: Analysis, section_id: str) -> tuple[list[object], list[str]]:
    """The blocks of one report section and the text of its headings."""
    from bot.analysis.document import Heading
    from bot.analysis.report import sections

    [section] = [s for s in sections(analysis) if s.id == section_id]
    return list(section.blocks), [b.text for b in section.blocks if isinstance(b, Heading)]
