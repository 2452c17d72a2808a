"""Stance of a clause: does the participant say the thing applies to them, or not quite?

Similarity finds what a passage is about, not whether the participant affirms it: "an AI wouldn't really
help me with writing" is about AI and writing. Transparent rules read the stance from cue words, scoped
to one clause (a sentence is cut at commas and contrasts such as "but", "although", ";", a condition
kept with what follows it, so "I don't use it for writing, but I do for code" has a negated and a
present clause, and "if it could, I'd use it" is one hypothetical clause):

- negated: a negation of the verb (not, n't, never, cannot, hardly) outside fixed phrases that do not
  negate ("not only", "no doubt", "can't wait", ...) and not just after a word opening a condition,
  time or reason ("when I don't understand something, I ask it" affirms asking);
- hypothetical: a condition or wish ("if", "unless", "I'd like", "I would prefer", "wish", "hope",
  "someday", "might"); a bare "would" is not one, as participants use it for habits ("I would
  typically use it for emails");
- others: the clause's subject is other people ("my colleagues worry ...", "people think ...",
  "some of my students ...").

Several may hold; `others` is checked first, then `negated`, then `hypothetical`, and the first that
holds is the clause's stance. A code counts a clause unless its stance is one the code does not list in
its `counts` field (the default counts only `present`).
"""

from __future__ import annotations

import re
from typing import Literal

Stance = Literal["present", "negated", "hypothetical", "others"]
STANCES: tuple[Stance, ...] = ("present", "negated", "hypothetical", "others")
QUALIFIED: tuple[Stance, ...] = ("negated", "hypothetical", "others")  # what a code may opt in to count

# Contrasts and reasons open a new clause; a plain comma does not ("If it could, I'd use it" is one clause).
CLAUSE_BREAK = re.compile(
    r"\s*(?:;|:|\s[-–—]\s|,?\s+(?:but|although|though|whereas|however|except that|yet)\b,?)\s*", re.IGNORECASE
)
# Negations of the verb. Negative words elsewhere ("nothing to fall back on", "no idea") rarely deny the
# claim itself, so they are left out: a missed denial costs less than a denied affirmation.
COMMA = re.compile(r",\s+")
MIN_CLAUSE_WORDS = 4  # a shorter piece ("for writing") is joined to its neighbour
CONDITION = re.compile(
    r"\W*(?:and\s+|so\s+)?(?:if|unless|when|whenever|once|suppose|imagine)\b", re.IGNORECASE
)
NEGATION = re.compile(
    r"\b(?:not|never|cannot|hardly|barely|scarcely)\b|n't\b|n’t\b",
    re.IGNORECASE,
)
# Fixed phrases with a negation word that do not deny anything.
NOT_NEGATING = re.compile(
    r"\b(?:not only|not just|no doubt|no question|nothing but|never been (?:better|easier)|"
    r"no matter|can(?:no|')t wait|can’t wait|not to mention|if not|no longer have to)\b",
    re.IGNORECASE,
)
HYPOTHETICAL = re.compile(
    r"^\s*(?:and\s+|so\s+)?(?:if|unless|suppose|imagine)\b"
    r"|\b(?:might|someday|one day|hopefully|wish|hope|in theory)\b"
    r"|\b(?:i|we)(?:'d|’d| would) (?:like|love|want|prefer)\b"
    r"|\b(?:like|love|want) (?:it|ai|them) to\b",
    re.IGNORECASE,
)
# A negation within a few words after one of these belongs to a condition, time or reason, not the claim.
SUBORDINATE = re.compile(
    r"when|whenever|if|unless|until|before|after|because|since|who|which|what|anything|something"
)
SUBORDINATE_REACH = 4
RELATIVE = re.compile(r"that|who|which")  # directly before the negation: "a source that didn't exist"
# Hedges that only soften an opinion the participant holds ("I'd say it helps").
NOT_HYPOTHETICAL = re.compile(
    r"\b(?:i|we)(?:'d| would|’d) (?:say|think|guess|argue)\b|\bi hope so\b|\bi wish i had started\b",
    re.IGNORECASE,
)
PEOPLE = (
    r"colleagues?|co-?workers?|peers?|friends?|team(?:mates)?|boss(?:es)?|managers?|supervisors?|clients?|"
    r"customers?|students?|staff|employees|bosses|family|parents?|partner|wife|husband|people|others|"
    r"folks|everyone else|a lot of people|many people|some people|most people|other people"
)
# Other people as the clause's subject, after at most a few opening words ("and", "I think", "some of").
OTHERS = re.compile(
    r"^(?:\W*(?:and|but|so|also|well|i think|i feel like|i know|i guess|i'd say|honestly),?\s+){0,2}"
    rf"(?:(?:my|our|the|some|many|most|other|a lot of|lots of|some of (?:my|our|the))\s+)*"
    rf"(?:\w+\s+)?(?:{PEOPLE})\b(?!\s+(?:like me|who use))",
    re.IGNORECASE,
)


def clauses(text: str) -> list[str]:
    """The clauses of a sentence or passage: cut at contrasts and commas, a condition kept with its result."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    out: list[str] = []
    for sentence in sentences:
        pieces = [p.strip(" ,") for c in CLAUSE_BREAK.split(sentence) for p in COMMA.split(c)]
        merged: list[str] = []
        for piece in pieces:
            # "If it could, I'd use it" stays one clause, and so does "for writing, I think it wouldn't help"
            if merged and (CONDITION.match(merged[-1]) or len(merged[-1].split()) < MIN_CLAUSE_WORDS):
                merged[-1] = f"{merged[-1]}, {piece}"
            else:
                merged.append(piece)
        if len(merged) > 1 and len(merged[-1].split()) < MIN_CLAUSE_WORDS:
            merged[-2:] = [f"{merged[-2]}, {merged[-1]}"]
        out += merged
    return [c for c in out if re.search(r"\w", c)]


def _negated(clause: str) -> bool:
    """A negation that is not inside a subordinate clause just opened ("when I don't know, I ask it")."""
    text = NOT_NEGATING.sub(" ", clause)
    for match in NEGATION.finditer(text):
        before = [w.strip(",.").lower() for w in text[: match.start()].split()[-SUBORDINATE_REACH:]]
        if any(SUBORDINATE.fullmatch(w) for w in before):
            continue
        if before and RELATIVE.fullmatch(before[-1]) or (len(before) > 1 and RELATIVE.fullmatch(before[-2])):
            continue
        return True
    return False


def stance(clause: str) -> Stance:
    """The stance of one clause (see the module docstring for the rules and their order)."""
    if OTHERS.search(clause):
        return "others"
    if _negated(clause):
        return "negated"
    if HYPOTHETICAL.search(NOT_HYPOTHETICAL.sub(" ", clause)):
        return "hypothetical"
    return "present"


def counted(clause_stance: Stance, counts: list[str] | tuple[str, ...]) -> bool:
    """Whether a clause with this stance is evidence for a code that also counts `counts`."""
    return clause_stance == "present" or clause_stance in counts


# Every rule above, for cache keys: coding cached under other rules is never reused.
RULES = tuple(
    p.pattern
    for p in (CLAUSE_BREAK, COMMA, CONDITION, NEGATION, NOT_NEGATING, HYPOTHETICAL, NOT_HYPOTHETICAL, OTHERS)
) + (SUBORDINATE.pattern, RELATIVE.pattern, str(SUBORDINATE_REACH), str(MIN_CLAUSE_WORDS))
