"""The data that flows between the analysis stages, and into the report.

Every stage takes and returns these plain dataclasses, so stages can be cached (`to_dict`/JSON) and each
mode (offline, claude) can supply its own implementation of a stage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Mode = Literal["offline", "claude"]


@dataclass(frozen=True)
class Segment:
    """One participant answer together with the interviewer question it answers."""

    interview: str  # the pseudonymous interview code (export participant code or dataset transcript_id)
    index: int  # position of this answer within the interview, 0-based
    question: str  # the interviewer turn just before the answer ('' if none)
    answer: str  # the participant's text, verbatim (not redacted; redaction happens when quoting)


@dataclass
class Doc:
    """One interview to analyse: participant answers, group and survey answers."""

    code: str  # pseudonymous, stable per study
    group: dict[str, str] = field(
        default_factory=dict
    )  # screening/group fields, e.g. {"occupation": "teacher"}
    survey: dict[str, str] = field(default_factory=dict)  # survey item id -> answer as stored ("6", "yes")
    segments: list[Segment] = field(default_factory=list)

    @property
    def participant_text(self) -> str:
        return "\n\n".join(s.answer for s in self.segments)


@dataclass
class Theme:
    id: str  # "t3" for a top-level theme, "t3.1" for a sub-theme
    name: str  # short label, a few words
    description: str  # one sentence
    size: int  # number of segments in the theme
    interviews: int  # number of distinct interviews with a segment in the theme
    quotes: list[Quote] = field(default_factory=list)
    parent: str | None = None
    keywords: list[str] = field(default_factory=list)


@dataclass
class Code:
    """One codebook entry."""

    id: str
    label: str
    definition: str
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    # stances that also count as the code being present: "negated", "hypothetical", "others"; by
    # default a denial, a wish or someone else's view is not the participant having the code
    counts: list[str] = field(default_factory=list)


@dataclass
class CodeAssignment:
    """Whether one interview has one code, with the verbatim evidence for it."""

    interview: str
    code: str
    present: bool
    score: float  # model confidence or similarity in [0, 1]
    evidence: list[str] = field(default_factory=list)  # verbatim spans from participant answers
    source: Literal["model", "gold", "classifier"] = "model"


@dataclass
class Interval:
    estimate: float
    low: float
    high: float


@dataclass
class GoldNeed:
    """How many more hand-coded interviews would narrow a corrected share's interval to a given width."""

    gold: int  # hand-coded interviews behind the correction now
    for_10: int | None  # more for a half-width of 10 points: 0 when already there, None when out of reach
    for_5: int | None  # the same for 5 points


@dataclass
class Prevalence:
    code: str
    group: str  # group value, or "all"
    n: int  # participants in the cell
    k: int | None  # participants coded present; None when suppressed
    share: Interval | None  # None when suppressed (bot.analysis.suppression says which cells)
    corrected: Interval | None = None  # bias-corrected with the gold subset (prediction-powered inference)
    suppressed: bool = False
    gold_need: GoldNeed | None = None  # set with `corrected`


@dataclass
class Quote:
    interview: str
    text: str  # verbatim from the source, then redacted; 15-60 words
    theme: str | None = None
    code: str | None = None


@dataclass
class EmotionScore:
    interview: str
    emotion: Literal["satisfaction", "frustration", "worry", "trust"]
    intensity: float  # 1-5
    evidence: str = ""


@dataclass
class EmotionSummary:
    group: str
    emotion: str
    n: int
    median: Interval  # bootstrap interval


@dataclass
class RoleShare:
    """Augmentation vs automation: how participants describe AI's role in their work."""

    group: str
    n: int  # interviews that talk about AI's role at all
    augmentation: Interval | None
    automation: Interval | None


@dataclass
class SurveyItemStats:
    item: str
    group: str
    n: int
    distribution: dict[str, int]  # answer -> count, in scale order
    median: float | None = None
    iqr: tuple[float, float] | None = None
    top_box: Interval | None = None  # share answering at least `top_box_from`
    top_box_from: int | None = None
    comparison: str | None = None  # e.g. "Kruskal-Wallis H=3.2, p=0.20 across groups"
    question: str = ""  # the item's wording, from the study's survey definition when there is one
    kind: str = "scale"  # "scale", "yesno" or "choice" (answers without an order)
    suppressed: bool = False  # a small group, or one hidden to protect it: only n is shown


@dataclass
class Agreement:
    """How well coded labels agree with a gold standard for one code, with bootstrap 95% intervals.

    `held_out` says the coded labels came from a model that never saw these gold labels (zero-shot
    coding, or out-of-fold predictions); only then do the figures say how well new interviews are coded.
    """

    code: str
    n: int
    positives: int  # gold interviews with the code
    negatives: int  # gold interviews without it
    kappa: Interval | None  # None when undefined (both raters constant)
    ac1: Interval | None
    f1: Interval | None
    precision: float | None
    recall: float | None
    prevalence_coded: float
    prevalence_gold: float
    prevalence_error: Interval  # coded minus gold, with an interval
    held_out: bool = True
    method: str = ""  # how the coded labels were made, e.g. "threshold calibrated on gold"
    warnings: list[str] = field(default_factory=list)


@dataclass
class Analysis:
    """Everything the report shows."""

    study: str
    mode: Mode
    interviews: int
    segments: int
    group_field: str | None
    themes: list[Theme] = field(default_factory=list)
    codebook: list[Code] = field(default_factory=list)
    assignments: list[CodeAssignment] = field(default_factory=list)
    prevalence: list[Prevalence] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    emotions: list[EmotionScore] = field(default_factory=list)
    emotion_summary: list[EmotionSummary] = field(default_factory=list)
    roles: list[RoleShare] = field(default_factory=list)
    survey: list[SurveyItemStats] = field(default_factory=list)
    agreement: list[Agreement] = field(default_factory=list)  # held out, when a gold subset was given
    notes: list[str] = field(default_factory=list)  # caveats shown in the report ("emotions are exploratory")
    min_cell: int = 10

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
