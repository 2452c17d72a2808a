"""Reads Claude's analysis replies: the forced tool call's input, checked field by field, evidence verbatim.

Evidence rule: every evidence span must occur verbatim in one of the participant's answers (whitespace
runs and straight/curly quote marks may differ; the stored span is the source's own text, and it must be
at least two words). Spans that do not are rejected. Each coding span carries a stance (present,
negated, hypothetical, other_person); a code counts as present only when Claude says so and at least
one verbatim span has the present stance. A claim without such evidence becomes an absence with half
the claimed confidence as its score, so it can be reviewed. `score` is the probability that the code
is present: the confidence for a present code, one minus the confidence for an absent one. Emotion evidence that is not verbatim becomes "" and
the rating stays. Anything else out of shape raises `InvalidReply`, and the request is made once more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.analysis.claude import prompts
from bot.analysis.claude.runner import InvalidReply
from bot.analysis.model import Code, CodeAssignment, Doc, EmotionScore, Segment
from bot.analysis.stages import Role
from bot.claude.errors import ClaudeUnusable
from bot.claude.replies import read_object

MIN_EVIDENCE_WORDS = 2
_QUOTES = {"'": "['‘’]", "‘": "['‘’]", "’": "['‘’]", '"': '["“”]', "“": '["“”]', "”": '["“”]'}
_EDGES = " \t\n\"'“”‘’"
_ELLIPSIS = re.compile(r"^(?:\.\.\.|…)\s*|\s*(?:\.\.\.|…)$")


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


def tool_input(message: Any, name: str) -> dict[str, Any]:
    """The reply's JSON object (structured output, tool call or JSON in text); InvalidReply when absent."""
    if message.stop_reason == "refusal":
        raise InvalidReply("Claude declined to answer (stop_reason refusal)")
    try:
        return read_object(message, name)
    except ClaudeUnusable as exc:
        raise InvalidReply(str(exc)) from None


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


def parse_facets(message: Any, doc: Doc) -> list[Segment]:
    facets = tool_input(message, prompts.FACETS_TOOL["name"]).get("facets")
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


def parse_name(message: Any) -> tuple[str, str]:
    data = tool_input(message, prompts.NAMING_TOOL["name"])
    name = _text(data.get("name"), "name", 80)
    if len(name.split()) > 8:
        raise InvalidReply("name has more than 8 words")
    return name, _text(data.get("description"), "description", 400)


def _evidence(spans: Any, code: str, answers: list[str]) -> list[tuple[str, str]]:
    """(verbatim text, stance) for each usable span; spans that are not verbatim are rejected."""
    if not isinstance(spans, list):
        raise InvalidReply(f"code {code}: evidence must be a list")
    out = []
    for span in spans[: prompts.MAX_EVIDENCE]:
        if isinstance(span, str):  # an older reply shape: a bare quote counts as stance "present"
            span = {"quote": span, "stance": "present"}
        if not isinstance(span, dict) or span.get("stance") not in prompts.STANCES:
            continue
        found = verbatim(str(span.get("quote", "")), answers)
        if found:
            out.append((found, span["stance"]))
    return out


def parse_codes(message: Any, doc: Doc, codebook: list[Code]) -> list[CodeAssignment]:
    """A code counts as present only when Claude says so *and* a verbatim span has a stance that counts.

    That is the present stance, and any the code's `counts` field adds (e.g. negated for "feels secure").
    """
    entries = tool_input(message, "record_codes").get("codes")
    if not isinstance(entries, list):
        raise InvalidReply("codes is not a list")
    answers = [segment.answer for segment in doc.segments]
    wanted = {code.id: prompts.present_stances(code) for code in codebook}
    got: dict[str, CodeAssignment] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("id") not in wanted:
            continue  # a code the codebook does not have is ignored, never stored
        code = entry["id"]
        if code in got:
            raise InvalidReply(f"code {code} is listed twice")
        claimed = entry.get("present")
        if not isinstance(claimed, bool):
            raise InvalidReply(f"code {code}: present must be true or false")
        confidence = _number(entry.get("confidence"), f"code {code} confidence", 0, 1)
        spans = _evidence(entry.get("evidence", []), code, answers)
        evidence = list(dict.fromkeys(q for q, stance in spans if stance in wanted[code]))
        present = claimed and bool(evidence)
        # a claim without verbatim present-stance evidence is kept as a weak, reviewable absence
        score = confidence if present else (confidence / 2 if claimed else 1 - confidence)
        got[code] = CodeAssignment(doc.code, code, present, score, evidence if present else [])
    missing = [code.id for code in codebook if code.id not in got]
    if missing:
        raise InvalidReply(f"no judgement for code(s) {', '.join(missing[:5])}")
    return [got[code.id] for code in codebook]


@dataclass(frozen=True)
class Profile:
    emotions: list[EmotionScore]
    role: Role | None


def parse_profile(message: Any, doc: Doc) -> Profile:
    data = tool_input(message, prompts.PROFILE_TOOL["name"])
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
        scores.append(EmotionScore(doc.code, emotion, intensity, evidence or ""))  # type: ignore[arg-type]  # emotion from the EMOTIONS tuple
    role = data.get("role")
    if role not in prompts.ROLES:
        raise InvalidReply(f"role must be one of {', '.join(prompts.ROLES)}, got {role!r}")
    return Profile(scores, None if role == "none" else role)
