"""Reads Claude's analysis replies: the forced tool call's input, checked field by field, evidence verbatim.

Evidence rule: every evidence span must occur verbatim in one of the participant's answers (whitespace
runs and straight/curly quote marks may differ; the stored span is the source's own text, and it must be
at least two words). Spans that do not are dropped. A code marked present with no verbatim evidence
left keeps `present=True` but its score is halved, so it ranks below evidenced codes and can be
reviewed. `score` is the model's probability that the code is present: its confidence for a present
code, one minus its confidence for an absent one. Emotion evidence that is not verbatim becomes "" and
the rating stays. Anything else out of shape raises `InvalidReply`, and the request is made once more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.analysis import claude_prompts as prompts
from bot.analysis.claude_runner import InvalidReply
from bot.analysis.model import Code, CodeAssignment, Doc, EmotionScore, Segment
from bot.analysis.stages import Role

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


def parse_codes(message: Any, doc: Doc, codebook: list[Code]) -> list[CodeAssignment]:
    entries = tool_input(message, "record_codes").get("codes")
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
        scores.append(EmotionScore(doc.code, emotion, intensity, evidence or ""))  # type: ignore[arg-type]
    role = data.get("role")
    if role not in prompts.ROLES:
        raise InvalidReply(f"role must be one of {', '.join(prompts.ROLES)}, got {role!r}")
    return Profile(scores, None if role == "none" else role)
