"""The Claude mode of the analysis: facets, theme names, coding, emotions and roles, through `AsyncAnthropic`.

Requests per study: one facets request per interview, one naming request per theme, one coding request
per interview (the whole codebook at once), and one profile request per interview that rates the four
emotions and the role of AI together (so `ClaudeEmotions` and `ClaudeRoles` share it; whichever runs
first pays, the other reads the result). Studies with at least `ANALYSIS_BATCH_THRESHOLD` interviews send
the per-interview requests through the Message Batches API at half price; theme naming always goes as
individual requests because the pipeline waits for it.

Evidence rule: every evidence span must occur verbatim in one of the participant's answers (whitespace
runs and straight/curly quote marks may differ; the stored span is the source's own text, and it must be
at least two words). Spans that do not are dropped. A code marked present with no verbatim evidence
left keeps `present=True` but its score is halved, so it ranks below evidenced codes and can be
reviewed. `score` is the model's probability that the code is present: its confidence for a present
code, one minus its confidence for an absent one.

Interviews whose request failed (after the SDK's own retries, one more try for an unusable reply, and
up to three batches) are left out of that stage's results and listed in the part's `notes`; nothing is
filled in for them. Participant text is never logged; logs name interview codes and counts only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import anthropic

from bot.analysis import claude_prompts as prompts
from bot.analysis.claude_runner import Failure, InvalidReply, Job, Runner
from bot.analysis.model import Code, CodeAssignment, Doc, EmotionScore, Segment, Theme
from bot.analysis.stages import Estimate, Role, Toolkit
from bot.errors import AnalysisUnavailable
from bot.settings import Settings

log = logging.getLogger(__name__)

_CACHE = {"type": "ephemeral"}
_PUBLIC_API = "https://api.anthropic.com"

# USD per million tokens (input, output) at standard rates; the Message Batches API charges half.
# Looked up by the longest key the model name starts with, then by family word; an unknown model is
# priced as the most expensive entry so the estimate errs high.
PRICES: dict[str, tuple[float, float]] = {
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-opus-4": (15.0, 75.0),
    "claude-sonnet-4": (3.0, 15.0),
    "claude-3-7-sonnet": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-3-5-haiku": (0.8, 4.0),
    "claude-3-haiku": (0.25, 1.25),
    "opus": (5.0, 25.0),
    "sonnet": (3.0, 15.0),
    "haiku": (1.0, 5.0),
}
BATCH_DISCOUNT = 0.5
CHARS_PER_TOKEN = 4  # English prose and JSON average about 4 characters per token; the estimate rounds up
# Expected reply sizes in tokens, used by `estimate`; also the basis of each request's max_tokens.
FACETS_OUT = 400
CODING_OUT_BASE, CODING_OUT_PER_CODE = 40, 90
PROFILE_OUT = 250
NAMING_IN, NAMING_OUT = 2_000, 80
MAX_TRANSCRIPT_CHARS = 400_000  # about 100k tokens, half the context window: longer interviews fail visibly
NAMING_EXAMPLES, NAMING_NEARBY, EXAMPLE_CHARS = 12, 8, 400
MIN_EVIDENCE_WORDS = 2
_QUOTES = {"'": "['‘’]", "‘": "['‘’]", "’": "['‘’]", '"': '["“”]', "“": '["“”]', "”": '["“”]'}
_EDGES = " \t\n\"'“”‘’"
_ELLIPSIS = re.compile(r"^(?:\.\.\.|…)\s*|\s*(?:\.\.\.|…)$")


def price(model: str) -> tuple[float, float]:
    """Input and output USD per million tokens for `model` (see PRICES)."""
    starts = [key for key in PRICES if model.startswith(key)]
    if starts:
        return PRICES[max(starts, key=len)]
    family = next((key for key in ("opus", "sonnet", "haiku") if key in model), None)
    return PRICES[family] if family else max(PRICES.values())


def tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _word_pattern(word: str) -> str:
    return "".join(_QUOTES.get(c, re.escape(c)) for c in word)


def verbatim(span: str, answers: list[str]) -> str | None:
    """The text of `span` as it stands in one of `answers`, or None when it is not there verbatim.

    Leading or trailing ellipses and quote marks around the span are ignored, and so is a final
    punctuation mark the source lacks there (a quote ending a sentence that goes on in the source).
    """
    words = _ELLIPSIS.sub("", span.strip(_EDGES)).strip(_EDGES).split()
    if len(words) < MIN_EVIDENCE_WORDS:
        return None
    last = words[-1].rstrip(".,;:!?")
    tail = words[-1][len(last) :]
    words[-1] = _word_pattern(last) + (
        f"(?:{_word_pattern(tail)})?" if tail and last else _word_pattern(tail)
    )
    pattern = r"\s+".join([*(_word_pattern(word) for word in words[:-1]), words[-1]])
    for answer in answers:
        found = re.search(pattern, answer)
        if found:
            return found.group(0)
    return None


def _tool_input(message: Any, name: str) -> dict[str, Any]:
    call = next((b for b in message.content if b.type == "tool_use" and b.name == name), None)
    if call is None:
        raise InvalidReply(f"no {name} call (stop_reason {message.stop_reason})")
    if not isinstance(call.input, dict):
        raise InvalidReply(f"{name} input is not an object")
    return call.input


def _text(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidReply(f"{field} is missing or empty")
    if len(value) > limit:
        raise InvalidReply(f"{field} is longer than {limit} characters")
    return value.strip()


def _number(value: Any, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidReply(f"{field} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _request(rules: str, tool: dict[str, Any], user: str, max_tokens: int, *extra: str) -> dict[str, Any]:
    """One request: instructions (+ extra system blocks), cache breakpoint after the last, forced tool."""
    system = [{"type": "text", "text": text} for text in (rules, *extra)]
    system[-1]["cache_control"] = dict(_CACHE)
    return {
        "max_tokens": max_tokens,
        "system": system,
        "tools": [tool],
        "tool_choice": {"type": "tool", "name": tool["name"], "disable_parallel_tool_use": True},
        "messages": [{"role": "user", "content": [{"type": "text", "text": user}]}],
    }


@dataclass
class _Analyst:
    """What the parts share: the model, the runner (failures, spend) and when to batch."""

    model: str
    runner: Runner
    batch_threshold: int

    def batched(self, docs: list[Doc]) -> bool:
        return len(docs) >= self.batch_threshold

    async def per_interview(
        self, stage: str, docs: list[Doc], build: Callable[[Doc], dict[str, Any]], parse: Callable[..., Any]
    ) -> dict[str, Any]:
        """Runs one request per interview; interviews with nothing to send, or too much, fail visibly."""
        jobs = []
        for doc in docs:
            text = prompts.transcript(doc)
            if not doc.segments:
                self.runner.failures.append(Failure(stage, doc.code, "no participant answers"))
            elif len(text) > MAX_TRANSCRIPT_CHARS:
                reason = f"the transcript is longer than {MAX_TRANSCRIPT_CHARS:,} characters"
                self.runner.failures.append(Failure(stage, doc.code, reason))
            else:
                params = build(doc) | {"model": self.model}
                jobs.append(Job(doc.code, params, lambda m, d=doc: parse(m, d)))
        return await self.runner.run(stage, jobs, batched=self.batched(docs))

    def notes(self, stage: str, what: str, total: int) -> list[str]:
        failed = [f for f in self.runner.failures if f.stage == stage]
        if not failed:
            return []
        listed = "; ".join(f"{f.key}: {f.reason}" for f in failed[:20])
        more = f"; and {len(failed) - 20} more" if len(failed) > 20 else ""
        return [
            f"Claude {what} failed for {len(failed)} of {total} and they are left out of it "
            f"(see the log): {listed}{more}"
        ]


class ClaudeFacets:
    """Per interview, short statements of what the participant said about each topic, to be clustered."""

    stage = "facets"

    def __init__(self, analyst: _Analyst):
        self._analyst = analyst
        self._total = 0

    async def facets(self, docs: list[Doc]) -> list[Segment]:
        self._total += len(docs)
        found = await self._analyst.per_interview(self.stage, docs, _facets_request, _parse_facets)
        return [segment for doc in docs for segment in found.get(doc.code, [])]

    @property
    def notes(self) -> list[str]:
        return self._analyst.notes(self.stage, "facet summaries (interviews)", self._total)


def _facets_request(doc: Doc) -> dict[str, Any]:
    return _request(prompts.FACETS_RULES, prompts.FACETS_TOOL, prompts.transcript(doc), FACETS_OUT * 3)


def _parse_facets(message: Any, doc: Doc) -> list[Segment]:
    facets = _tool_input(message, prompts.FACETS_TOOL["name"]).get("facets")
    if not isinstance(facets, list):
        raise InvalidReply("facets is not a list")
    out = []
    for n, facet in enumerate(facets[: prompts.MAX_FACETS]):
        if not isinstance(facet, dict):
            raise InvalidReply(f"facet {n} is not an object")
        topic = _text(facet.get("topic"), f"facet {n} topic", 100)
        statement = _text(facet.get("statement"), f"facet {n} statement", 600)
        out.append(Segment(interview=doc.code, index=n, question=topic, answer=statement))
    return out


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
            Job(theme.id, self._request(theme, members, nearby), _parse_name)
            for theme in themes
            if members.get(theme.id)
        ]
        names = await self._analyst.runner.run(self.stage, jobs, batched=False)
        return [
            replace(t, name=names[t.id][0], description=names[t.id][1]) if t.id in names else t
            for t in themes
        ]

    def _request(
        self, theme: Theme, members: dict[str, list[Segment]], nearby: dict[str, list[Segment]]
    ) -> dict[str, Any]:
        text = prompts.examples_text(
            members.get(theme.id, []), nearby.get(theme.id, []), NAMING_EXAMPLES, EXAMPLE_CHARS
        )
        request = _request(prompts.NAMING_RULES, prompts.NAMING_TOOL, text, NAMING_OUT * 4)
        return request | {"model": self._analyst.model}

    @property
    def notes(self) -> list[str]:
        return self._analyst.notes(self.stage, "theme naming (themes, keyword names kept)", self._total)


def _parse_name(message: Any) -> tuple[str, str]:
    data = _tool_input(message, prompts.NAMING_TOOL["name"])
    name = _text(data.get("name"), "name", 80)
    if len(name.split()) > 8:
        raise InvalidReply("name has more than 8 words")
    return name, _text(data.get("description"), "description", 400)


class ClaudeCoder:
    """Codes each interview against the whole codebook in one request (batched for large studies)."""

    stage = "coding"

    def __init__(self, analyst: _Analyst):
        self._analyst = analyst
        self._total = 0

    def estimate(self, docs: list[Doc], codebook: list[Code]) -> Estimate:
        """The cost of the whole Claude analysis of `docs`, not coding alone: facets, coding and profile
        requests per interview, plus an allowance for naming themes (one per ten interviews, 5 to 60).

        Tokens are characters divided by CHARS_PER_TOKEN, rounded up, per request; every request is
        priced as uncached input (prompt caching can only make it cheaper), at half price when batched.
        """
        sendable = [doc for doc in docs if doc.segments]
        coding_system = prompts.CODING_RULES + prompts.codebook_text(codebook)
        fixed = {
            "facets": tokens(prompts.FACETS_RULES + json.dumps(prompts.FACETS_TOOL)),
            "coding": tokens(coding_system + json.dumps(prompts.coding_tool(codebook))),
            "profile": tokens(prompts.PROFILE_RULES + json.dumps(prompts.PROFILE_TOOL)),
        }
        out_each = FACETS_OUT + CODING_OUT_BASE + CODING_OUT_PER_CODE * len(codebook) + PROFILE_OUT
        input_tokens = sum(3 * tokens(prompts.transcript(doc)) + sum(fixed.values()) for doc in sendable)
        output_tokens = out_each * len(sendable)
        naming = min(60, max(5, len(sendable) // 10)) if sendable else 0
        pin, pout = price(self._analyst.model)
        batched = self._analyst.batched(docs)
        discount = BATCH_DISCOUNT if batched else 1.0
        usd = (input_tokens * pin + output_tokens * pout) * discount / 1e6
        usd += naming * (NAMING_IN * pin + NAMING_OUT * pout) / 1e6
        return Estimate(
            requests=3 * len(sendable) + naming,
            input_tokens=input_tokens + naming * NAMING_IN,
            output_tokens=output_tokens + naming * NAMING_OUT,
            usd=usd,
            batched=batched,
        )

    async def code(self, docs: list[Doc], codebook: list[Code]) -> list[CodeAssignment]:
        if not codebook:
            return []
        self._total += len(docs)
        system = prompts.codebook_text(codebook)
        tool = prompts.coding_tool(codebook)
        max_tokens = min(8192, 2 * (CODING_OUT_BASE + CODING_OUT_PER_CODE * len(codebook)))

        def build(doc: Doc) -> dict[str, Any]:
            return _request(prompts.CODING_RULES, tool, prompts.transcript(doc), max_tokens, system)

        def parse(message: Any, doc: Doc) -> list[CodeAssignment]:
            return _parse_codes(message, doc, codebook)

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
        return self._analyst.notes(self.stage, "coding (interviews)", self._total) + [used]


def _parse_codes(message: Any, doc: Doc, codebook: list[Code]) -> list[CodeAssignment]:
    entries = _tool_input(message, "record_codes").get("codes")
    if not isinstance(entries, list):
        raise InvalidReply("codes is not a list")
    answers = [segment.answer for segment in doc.segments]
    wanted = {code.id for code in codebook}
    got: dict[str, CodeAssignment] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("id") not in wanted:
            continue  # a code the codebook does not have is ignored, never stored
        code = entry["id"]
        if code in got:
            raise InvalidReply(f"code {code} is listed twice")
        present = entry.get("present")
        if not isinstance(present, bool):
            raise InvalidReply(f"code {code}: present must be true or false")
        confidence = _number(entry.get("confidence"), f"code {code} confidence", 0, 1)
        spans = entry.get("evidence") if present else []
        if not isinstance(spans, list):
            raise InvalidReply(f"code {code}: evidence must be a list")
        evidence = [
            v for s in spans[: prompts.MAX_EVIDENCE] if isinstance(s, str) and (v := verbatim(s, answers))
        ]
        score = (confidence if evidence else confidence / 2) if present else 1 - confidence
        got[code] = CodeAssignment(doc.code, code, present, score, list(dict.fromkeys(evidence)))
    missing = [code.id for code in codebook if code.id not in got]
    if missing:
        raise InvalidReply(f"no judgement for code(s) {', '.join(missing[:5])}")
    return [got[code.id] for code in codebook]


@dataclass(frozen=True)
class _Profile:
    emotions: list[EmotionScore]
    role: Role | None


class _Profiles:
    """One request per interview for emotions and role together, made once and shared by both raters."""

    stage = "profile"

    def __init__(self, analyst: _Analyst):
        self._analyst = analyst
        self._done: dict[str, _Profile] = {}
        self._asked: set[str] = set()
        self._lock = asyncio.Lock()

    async def get(self, docs: list[Doc]) -> dict[str, _Profile]:
        async with self._lock:
            todo = [doc for doc in docs if doc.code not in self._asked]
            self._asked.update(doc.code for doc in todo)
            if todo:
                found = await self._analyst.per_interview(self.stage, todo, _profile_request, _parse_profile)
                self._done.update(found)
        return {doc.code: self._done[doc.code] for doc in docs if doc.code in self._done}

    @property
    def notes(self) -> list[str]:
        what = "emotion and role ratings (interviews)"
        return self._analyst.notes(self.stage, what, len(self._asked))


def _profile_request(doc: Doc) -> dict[str, Any]:
    return _request(prompts.PROFILE_RULES, prompts.PROFILE_TOOL, prompts.transcript(doc), PROFILE_OUT * 3)


def _parse_profile(message: Any, doc: Doc) -> _Profile:
    data = _tool_input(message, prompts.PROFILE_TOOL["name"])
    emotions = data.get("emotions")
    if not isinstance(emotions, dict):
        raise InvalidReply("emotions is not an object")
    answers = [segment.answer for segment in doc.segments]
    scores = []
    for emotion in prompts.EMOTIONS:
        rating = emotions.get(emotion)
        if not isinstance(rating, dict):
            raise InvalidReply(f"no rating for {emotion}")
        intensity = _number(rating.get("intensity"), f"{emotion} intensity", 1, 5)
        span = rating.get("evidence")
        evidence = verbatim(span, answers) if isinstance(span, str) else None
        scores.append(EmotionScore(doc.code, emotion, intensity, evidence or ""))  # type: ignore[arg-type]
    role = data.get("role")
    if role not in prompts.ROLES:
        raise InvalidReply(f"role must be one of {', '.join(prompts.ROLES)}, got {role!r}")
    return _Profile(scores, None if role == "none" else role)


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
    """Clients built like the interviewer's; one per stage run, closed when the stage is done."""
    key = settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else ""
    if not key:
        raise AnalysisUnavailable(
            "ANTHROPIC_API_KEY is not set; put your key from https://console.anthropic.com in the "
            "environment or in .env, or run the analysis with --mode offline"
        )
    base_url = settings.anthropic_base_url or _PUBLIC_API

    def make() -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(
            api_key=key,
            base_url=base_url,  # explicit, so the SDK does not read the environment itself
            timeout=settings.anthropic_timeout_seconds,
            max_retries=settings.anthropic_max_retries,
        )

    return make


def toolkit(settings: Settings) -> Toolkit:
    """The Claude implementation of every judgement stage; raises AnalysisUnavailable without a key."""
    runner = Runner(
        _client_factory(settings),
        concurrency=settings.analysis_concurrency,
        poll_seconds=settings.analysis_batch_poll_seconds,
    )
    analyst = _Analyst(
        model=settings.analysis_model or settings.anthropic_model,
        runner=runner,
        batch_threshold=settings.analysis_batch_threshold,
    )
    profiles = _Profiles(analyst)
    return Toolkit(
        facets=ClaudeFacets(analyst),
        namer=ClaudeThemeNamer(analyst),
        coder=ClaudeCoder(analyst),
        emotions=ClaudeEmotions(profiles),
        roles=ClaudeRoles(profiles),
    )
