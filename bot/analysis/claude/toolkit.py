"""The Claude mode of the analysis: facets, theme names, coding, emotions and roles, through `AsyncAnthropic`.

Requests per study: one facets request per interview, one naming request per theme, one coding request
per interview (the whole codebook at once), and one profile request per interview that rates the four
emotions and the role of AI together (so `ClaudeEmotions` and `ClaudeRoles` share it; whichever runs
first pays, the other reads the result). Studies with at least `ANALYSIS_BATCH_THRESHOLD` interviews send
the per-interview requests through the Message Batches API at half price; theme naming always goes as
individual requests because the pipeline waits for it.

How replies are checked (verbatim evidence, scores) is in `bot.analysis.claude.replies`; what a run
will cost in `bot.analysis.claude.cost`.

Interviews whose request failed (after the SDK's own retries, one more try for an unusable reply, and
up to three batches) are left out of that stage's results and listed in the part's `notes`; nothing is
filled in for them. Participant text is never logged; logs name interview codes and counts only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import anthropic

from bot.analysis.claude import cost, prompts, replies
from bot.analysis.claude.runner import Failure, Job, Runner
from bot.analysis.model import Code, CodeAssignment, Doc, EmotionScore, Segment, Theme
from bot.analysis.stages import Estimate, Role, Toolkit
from bot.claude.cache import estimate_tokens, mark
from bot.claude.client import make_client
from bot.claude.models import spec_for
from bot.claude.shape import Reply, Use, build, reply_instruction
from bot.errors import AnalysisUnavailable
from bot.settings import Settings

log = logging.getLogger(__name__)

MAX_TRANSCRIPT_CHARS = 400_000  # about 100k tokens, half the context window: longer interviews fail visibly
NAMING_EXAMPLES, NAMING_NEARBY, EXAMPLE_CHARS = 12, 8, 400
FACETS = Use("facets", cost.FACETS_OUT * 3)
NAMING = Use("theme naming", cost.NAMING_OUT * 4)
PROFILE = Use("profile", cost.PROFILE_OUT * 3)


def reply_of(tool: dict[str, Any]) -> Reply:
    return Reply(tool["name"], tool["description"], tool["input_schema"])


@dataclass
class _Analyst:
    """What the parts share: the model's row, the runner (failures, spend), efforts and when to batch."""

    model: str
    runner: Runner
    batch_threshold: int
    effort: str = "low"  # for uses that do not think
    think_effort: str = "medium"  # for coding, which may think

    def request(
        self, use: Use, rules: str, tool: dict[str, Any], user: str, *extra: str, model: str | None = None
    ) -> dict[str, Any]:
        """One request: instructions (+ extra system blocks), a cache mark after the last when the prefix
        is long enough to cache, and the reply asked for the way the model (default: the analysis model)
        supports."""
        spec, reply = spec_for(model or self.model), reply_of(tool)
        texts = (f"{rules}\n\n{reply_instruction(spec, reply)}", *extra)
        system = [{"type": "text", "text": text} for text in texts]
        mark([(system[-1], estimate_tokens(system))], "5m", spec.min_cache_tokens)
        messages = [{"role": "user", "content": [{"type": "text", "text": user}]}]
        effort = self.think_effort if use.think else self.effort
        return build(spec, use, reply, system=system, messages=messages, effort=effort)

    def batched(self, docs: list[Doc]) -> bool:
        return len(docs) >= self.batch_threshold

    async def per_interview(
        self, stage: str, docs: list[Doc], build: Callable[..., dict[str, Any]], parse: Callable[..., Any]
    ) -> dict[str, Any]:
        """Runs one request per interview (`build(doc, model=None)`); interviews with nothing to send, or
        too much, fail visibly."""
        jobs: list[Job[Any]] = []
        for doc in docs:
            text = prompts.transcript(doc)
            if not doc.segments:
                self.runner.failures.append(Failure(stage, doc.code, "no participant answers"))
            elif len(text) > MAX_TRANSCRIPT_CHARS:
                reason = f"the transcript is longer than {MAX_TRANSCRIPT_CHARS:,} characters"
                self.runner.failures.append(Failure(stage, doc.code, reason))
            else:
                # refit (last): the same request built for the fallback model, after a refusal
                jobs.append(Job(doc.code, build(doc), _parse_for(parse, doc), partial(build, doc)))
        return await self.runner.run(stage, jobs, batched=self.batched(docs))

    def notes(self, stage: str, total: int, what: str) -> list[str]:
        """One line for the report naming the failed items of a stage and why, or nothing."""
        failed = [f for f in self.runner.failures if f.stage == stage]
        if not failed:
            return []
        listed = "; ".join(f"{f.key}: {f.reason}" for f in failed[:20])
        more = f"; and {len(failed) - 20} more" if len(failed) > 20 else ""
        return [f"Claude {stage}: {len(failed)} of {total} {what}: {listed}{more}."]


def _parse_for(parse: Callable[[Any, Doc], Any], doc: Doc) -> Callable[[Any], Any]:
    """The reply parser for one interview's request."""
    return lambda message: parse(message, doc)


class ClaudeFacets:
    """Per interview, short statements of what the participant said about each topic, to be clustered."""

    stage = "facets"

    def __init__(self, analyst: _Analyst):
        self._analyst = analyst
        self._total = 0

    async def facets(self, docs: list[Doc]) -> list[Segment]:
        self._total += len(docs)
        found = await self._analyst.per_interview(self.stage, docs, self._request, replies.parse_facets)
        return [segment for doc in docs for segment in found.get(doc.code, [])]

    def _request(self, doc: Doc, model: str | None = None) -> dict[str, Any]:
        return self._analyst.request(
            FACETS, prompts.FACETS_RULES, prompts.FACETS_TOOL, prompts.transcript(doc), model=model
        )

    @property
    def notes(self) -> list[str]:
        return self._analyst.notes(self.stage, self._total, "interviews failed and have no facets")


class ClaudeThemeNamer:
    """Names each theme from its members and, for contrast, statements from nearby themes."""

    stage = "naming"

    def __init__(self, analyst: _Analyst):
        self._analyst = analyst
        self._total = 0

    async def name(
        self, themes: list[Theme], members: dict[str, list[Segment]], nearby: dict[str, list[Segment]]
    ) -> list[Theme]:
        """Themes with Claude's name and description; a theme whose naming failed keeps the one it had."""
        self._total += len(themes)
        jobs = [
            Job(
                theme.id,
                self._request(theme, members, nearby),
                replies.parse_name,
                partial(self._request, theme, members, nearby),
            )
            for theme in themes
            if members.get(theme.id)
        ]
        names = await self._analyst.runner.run(self.stage, jobs, batched=False)
        return [
            replace(t, name=names[t.id][0], description=names[t.id][1]) if t.id in names else t
            for t in themes
        ]

    def _request(
        self,
        theme: Theme,
        members: dict[str, list[Segment]],
        nearby: dict[str, list[Segment]],
        model: str | None = None,
    ) -> dict[str, Any]:
        text = prompts.examples_text(
            members.get(theme.id, []), nearby.get(theme.id, []), NAMING_EXAMPLES, EXAMPLE_CHARS
        )
        return self._analyst.request(NAMING, prompts.NAMING_RULES, prompts.NAMING_TOOL, text, model=model)

    @property
    def notes(self) -> list[str]:
        return self._analyst.notes(self.stage, self._total, "themes failed and keep their keyword names")


class ClaudeCoder:
    """Codes each interview against the whole codebook in one request (batched for large studies)."""

    stage = "coding"

    def __init__(self, analyst: _Analyst):
        self._analyst = analyst
        self._total = 0

    def estimate(self, docs: list[Doc], codebook: list[Code]) -> Estimate:
        """The cost of the whole Claude analysis of `docs`, not coding alone (see `cost`)."""
        return cost.estimate(docs, codebook, self._analyst.model, self._analyst.batched(docs))

    async def code(self, docs: list[Doc], codebook: list[Code]) -> list[CodeAssignment]:
        if not codebook:
            return []
        self._total += len(docs)
        system = prompts.codebook_text(codebook)
        tool = prompts.coding_tool(codebook)
        use = Use("coding", 2 * (cost.CODING_OUT_BASE + cost.CODING_OUT_PER_CODE * len(codebook)), think=True)

        def build(doc: Doc, model: str | None = None) -> dict[str, Any]:
            user = prompts.transcript(doc)
            return self._analyst.request(use, prompts.CODING_RULES, tool, user, system, model=model)

        def parse(message: Any, doc: Doc) -> list[CodeAssignment]:
            return replies.parse_codes(message, doc, codebook)

        found = await self._analyst.per_interview(self.stage, docs, build, parse)
        return [a for doc in docs for a in found.get(doc.code, [])]

    @property
    def notes(self) -> list[str]:
        """Failed interviews, and what the whole Claude analysis has used so far."""
        spend = self._analyst.runner.spend
        used = (
            f"Claude mode ({self._analyst.model}): {spend.requests:,} requests, {spend.input_tokens:,} "
            f"input tokens (plus {spend.cache_read_tokens:,} read from and {spend.cache_write_tokens:,} "
            f"written to the prompt cache), {spend.output_tokens:,} output tokens."
        )
        return self._analyst.notes(
            self.stage, self._total, "interviews failed and are left out of the coded results"
        ) + [used]


class _Profiles:
    """One request per interview for emotions and role together, made once and shared by both raters."""

    stage = "profile"

    def __init__(self, analyst: _Analyst):
        self._analyst = analyst
        self._done: dict[str, replies.Profile] = {}
        self._asked: set[str] = set()
        self._lock = asyncio.Lock()

    async def get(self, docs: list[Doc]) -> dict[str, replies.Profile]:
        async with self._lock:
            todo = [doc for doc in docs if doc.code not in self._asked]
            self._asked.update(doc.code for doc in todo)
            if todo:
                found = await self._analyst.per_interview(
                    self.stage, todo, self._request, replies.parse_profile
                )
                self._done.update(found)
        return {doc.code: self._done[doc.code] for doc in docs if doc.code in self._done}

    def _request(self, doc: Doc, model: str | None = None) -> dict[str, Any]:
        return self._analyst.request(
            PROFILE, prompts.PROFILE_RULES, prompts.PROFILE_TOOL, prompts.transcript(doc), model=model
        )

    @property
    def notes(self) -> list[str]:
        what = "interviews failed and have no emotion or role rating"
        return self._analyst.notes(self.stage, len(self._asked), what)


class ClaudeEmotions:
    """Satisfaction, frustration, worry and trust rated 1-5 with verbatim evidence (not exploratory)."""

    exploratory = False

    def __init__(self, profiles: _Profiles):
        self._profiles = profiles

    async def rate(self, docs: list[Doc]) -> list[EmotionScore]:
        found = await self._profiles.get(docs)
        return [score for doc in docs if doc.code in found for score in found[doc.code].emotions]

    @property
    def notes(self) -> list[str]:
        """Failures of the shared emotion-and-role request (so `ClaudeRoles.notes` does not repeat them)."""
        return self._profiles.notes


class ClaudeRoles:
    """Augmentation, automation or None per interview, from the request the emotions also use."""

    def __init__(self, profiles: _Profiles):
        self._profiles = profiles

    @property
    def notes(self) -> list[str]:
        return []  # its failures are those of the shared request, reported once in ClaudeEmotions.notes

    async def roles(self, docs: list[Doc]) -> dict[str, Role | None]:
        found = await self._profiles.get(docs)
        return {code: profile.role for code, profile in found.items()}


def _client_factory(settings: Settings) -> Callable[[], anthropic.AsyncAnthropic]:
    """Clients from the one Claude client module; one per stage run, closed when the stage is done."""
    if not settings.anthropic_api_key:
        raise AnalysisUnavailable(
            "ANTHROPIC_API_KEY is not set; put your key from https://console.anthropic.com in the "
            "environment or in .env, or run the analysis with --mode offline"
        )
    return lambda: make_client(settings)


def toolkit(settings: Settings) -> Toolkit:
    """The Claude implementation of every judgement stage; raises AnalysisUnavailable without a key."""
    runner = Runner(
        _client_factory(settings),
        concurrency=settings.analysis_concurrency,
        poll_seconds=settings.analysis_batch_poll_seconds,
        fallback_model=settings.anthropic_fallback_model,
    )
    analyst = _Analyst(
        model=settings.analysis_model or settings.anthropic_model,
        runner=runner,
        batch_threshold=settings.analysis_batch_threshold,
        effort=settings.anthropic_effort,
        think_effort=settings.anthropic_analysis_effort,
    )
    profiles = _Profiles(analyst)
    return Toolkit(
        facets=ClaudeFacets(analyst),
        namer=ClaudeThemeNamer(analyst),
        coder=ClaudeCoder(analyst),
        emotions=ClaudeEmotions(profiles),
        roles=ClaudeRoles(profiles),
    )
