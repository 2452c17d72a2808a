"""The stages that differ between the offline and the Claude mode.

The pipeline (`bot.analysis.pipeline`) runs the same steps in both modes and asks one of these for the
parts that need judgement. Offline implementations live in the stage modules (`themes`, `coding`,
`roles`); the Claude ones in `bot.analysis.claude.toolkit`. Emotions are rated in Claude mode only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.analysis.model import Code, CodeAssignment, Doc, EmotionScore, Segment, Theme

Role = Literal["augmentation", "automation"]


@dataclass(frozen=True)
class Estimate:
    """What a paid stage will cost before it runs, so the researcher can confirm it."""

    requests: int
    input_tokens: int
    output_tokens: int
    usd: float
    batched: bool

    def text(self) -> str:
        how = "through the Message Batches API" if self.batched else "as individual requests"
        return (
            f"{self.requests} request(s) {how}: about {self.input_tokens:,} input and "
            f"{self.output_tokens:,} output tokens, roughly ${self.usd:,.2f}"
        )


class Facets(Protocol):
    """What is clustered into themes: the answers themselves (offline) or per-interview facet summaries."""

    async def facets(self, docs: list[Doc]) -> list[Segment]: ...


class ThemeNamer(Protocol):
    """Give each theme a short name and a one-sentence description from its members and near misses."""

    async def name(
        self, themes: list[Theme], members: dict[str, list[Segment]], nearby: dict[str, list[Segment]]
    ) -> list[Theme]: ...


class Coder(Protocol):
    """Code each interview present/absent for each code, with verbatim evidence."""

    def estimate(self, docs: list[Doc], codebook: list[Code]) -> Estimate | None: ...

    async def code(self, docs: list[Doc], codebook: list[Code]) -> list[CodeAssignment]: ...


class EmotionRater(Protocol):
    """Satisfaction, frustration, worry and trust intensity (1-5) per interview."""

    exploratory: bool  # True for a method not validated against labelled data; the report says so

    async def rate(self, docs: list[Doc]) -> list[EmotionScore]: ...


class RoleRater(Protocol):
    """How the participant describes AI's role in their work; None when they do not talk about it."""

    async def roles(self, docs: list[Doc]) -> dict[str, Role | None]: ...


@dataclass
class Toolkit:
    """One mode's implementation of every judgement stage."""

    facets: Facets
    namer: ThemeNamer
    coder: Coder
    emotions: EmotionRater | None  # None offline: word lists and similarity did not measure emotion
    roles: RoleRater
