"""Verbatim quotes: spans of participant answers cut at sentence boundaries, checked, then redacted.

Every answer is cut into passages: runs of whole sentences of 15-60 words where the text allows (a shorter
answer or an over-long sentence stays one passage but is never quoted). Passages are what the offline
coder compares with code definitions and what quotes are chosen from, so a quote is always a passage:
taken from the answer by character offsets, checked to be a substring of the source before redaction,
redacted with `bot.redact.redact`, and dropped when it is a near-duplicate of a quote already chosen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.analysis.model import Doc, Quote
from bot.records.redact import redact

MIN_WORDS = 15
MAX_WORDS = 60
NEAR_DUPLICATE = 0.9  # cosine similarity above which two quotes say the same thing
# A sentence ends at . ! ? or an ellipsis, optionally followed by a closing quote or bracket, then space.
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n\s*\n")
WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences from one participant answer, located by character offsets."""

    interview: str
    segment: int  # Segment.index within the interview
    start: int
    end: int
    text: str

    @property
    def words(self) -> int:
        return len(WORD.findall(self.text))

    @property
    def quotable(self) -> bool:
        return MIN_WORDS <= self.words <= MAX_WORDS


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed."""
    spans, start = [], 0
    for m in SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        chunk = text[a:b]
        if chunk.strip():
            a += len(chunk) - len(chunk.lstrip())
            b -= len(chunk) - len(chunk.rstrip())
            out.append((a, b))
    return out


def _words(text: str, span: tuple[int, int]) -> int:
    return len(WORD.findall(text[span[0] : span[1]]))


def _windows(text: str) -> list[tuple[int, int]]:
    """Greedy runs of sentences: close a run once it reaches MIN_WORDS, never let it pass MAX_WORDS."""
    runs: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    count = 0
    for span in sentences(text):
        n = _words(text, span)
        if current and count + n > MAX_WORDS:
            runs.append(current)
            current, count = [], 0
        current.append(span)
        count += n
        if count >= MIN_WORDS:
            runs.append(current)
            current, count = [], 0
    if current:
        tail = sum(_words(text, s) for s in current)
        if runs and tail < MIN_WORDS and sum(_words(text, s) for s in runs[-1]) + tail <= MAX_WORDS:
            runs[-1].extend(current)  # a short last sentence joins the run before it
        else:
            runs.append(current)
    return [(run[0][0], run[-1][1]) for run in runs]


def passages(docs: list[Doc]) -> list[Passage]:
    """Every passage of every participant answer, in document order."""
    out = []
    for doc in docs:
        for seg in doc.segments:
            for a, b in _windows(seg.answer):
                out.append(Passage(doc.code, seg.index, a, b, seg.answer[a:b]))
    return out


def quote(
    passage: Passage, source: str, *, theme: str | None = None, code: str | None = None
) -> Quote | None:
    """The passage as a redacted Quote, or None when it is not quotable or not verbatim in `source`."""
    if not passage.quotable or source[passage.start : passage.end] != passage.text:
        return None
    return Quote(interview=passage.interview, text=redact(passage.text), theme=theme, code=code)


def pick(
    candidates: list[int],
    items: list[Passage],
    vectors: np.ndarray,
    sources: dict[tuple[str, int], str],
    *,
    limit: int,
    theme: str | None = None,
    code: str | None = None,
    per_interview: int = 1,
) -> list[Quote]:
    """Up to `limit` quotes from `candidates` (indexes into items, best first), skipping near-duplicates."""
    chosen: list[int] = []
    quotes: list[Quote] = []
    used: dict[str, int] = {}
    for i in candidates:
        p = items[i]
        if used.get(p.interview, 0) >= per_interview:
            continue
        if chosen and float(np.max(vectors[chosen] @ vectors[i])) >= NEAR_DUPLICATE:
            continue
        q = quote(p, sources[(p.interview, p.segment)], theme=theme, code=code)
        if q is None:
            continue
        chosen.append(i)
        quotes.append(q)
        used[p.interview] = used.get(p.interview, 0) + 1
        if len(quotes) >= limit:
            break
    return quotes


def sources(docs: list[Doc]) -> dict[tuple[str, int], str]:
    """The verbatim answer each passage was cut from, by (interview, segment index)."""
    return {(d.code, s.index): s.answer for d in docs for s in d.segments}
