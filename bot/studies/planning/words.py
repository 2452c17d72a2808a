"""Word handling shared by the plan review and the pilot's answer matching: tokens, stems, overlap."""

from __future__ import annotations

import re

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just me more most my no nor not now
    of off on once only or other our ours out over own same she should so some such than that the their
    theirs them then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself people person use using used
    way ways thing things much many well really think tell get got make made one ones like time whether
    """.split()
)
_WORD = re.compile(r"[a-zA-Z][a-zA-Z'-]*")


_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "s")


def stem(word: str) -> str:
    """A crude stem: lower case, a common suffix dropped, at most six letters ('peers' ~ 'peer')."""
    word = word.lower().strip("'-")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    return word[:6]


def tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def content_stems(text: str) -> set[str]:
    """The stems of the words that carry meaning (stop words and very short words dropped)."""
    return {stem(w) for w in tokens(text) if w not in STOP_WORDS and len(w) > 2}


def similarity(a: str, b: str) -> float:
    """Overlap of two texts' content stems (Jaccard), 0..1."""
    sa, sb = content_stems(a), content_stems(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)
