"""Offline redaction of direct identifiers: typed placeholders for emails, phones, URLs, handles, numbers, names.

Patterns run in a fixed order (emails before handles, URLs before phones, IBANs before plain numbers) so
that each identifier is replaced once by the most specific type. Names are found by a heuristic: runs of
capitalised words that do not start a sentence, words after an honorific, and runs ending in an
organisation suffix. It favours recall over precision for people; see docs/export.md for measured figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
URL = re.compile(
    r"\b(?:https?://|ftp://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|edu|gov|co|uk|de|fr|ai|app)(?:/[^\s<>\"')]*)?\b",
    re.IGNORECASE,
)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
# International (+CC ...), or local with separators / parentheses: at least 7 digits in all.
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?|00\d{1,3}[\s.-])(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}(?!\w)"
    r"|(?<![\w+])\(\d{2,5}\)[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?!\w)"
    r"|(?<![\w+])0\d{2,4}[\s.-]\d{3,4}(?:[\s.-]?\d{2,4}){0,2}(?!\w)"
    r"|(?<![\w+./-])\d{3}[\s.-]\d{3}[\s.-]\d{4}(?!\w)"
)
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,38}[A-Za-z0-9_])?(?:#\d{4})?")
CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
GROUPED = re.compile(r"(?<![\d.,])\d{4}(?:[ -]\d{4}){2,}(?![\d.,]\d)")  # account-like blocks of four
LONG_NUMBER = re.compile(r"(?<![\d.,])\d{7,}(?![\d.,]\d)")

HONORIFICS = r"(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Professor|Sir|Dame|Lord|Lady|Rev|Fr)\.?"
ORG_SUFFIX = (
    r"(?:Inc|Ltd|LLC|LLP|GmbH|AG|SA|AB|BV|NV|Oy|SpA|Pty|PLC|Corp|Corporation|Company|Co|Group|Foundation|University|"
    r"College|Institute|Hospital|Bank|Labs|Agency|Council|Association|School|Trust|Partners)\b"
)
# A capitalised word, including names with an inner capital (McAllister, DeShawn), O'Neill, or a hyphen.
CAP = r"(?:O')?[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+)?(?:[-'][A-ZÀ-ÖØ-Þ]?[a-zß-öø-ÿ]+)?"
ORG = re.compile(
    rf"\b(?:University|College|Institute|Bank|Hospital) of (?:the )?{CAP}(?: {CAP})*"
    rf"|\b(?:{CAP}|[A-Z]{{2,}})(?:[ &]+(?:{CAP}|[A-Z]{{2,}}|of|and|&))*[ ]+{ORG_SUFFIX}"
)
TITLED = re.compile(rf"\b{HONORIFICS}[ ]+{CAP}(?:[ ]+{CAP})?")
# Two or more capitalised words in a row (a full name); a single one only after "my colleague" etc.
NAME_RUN = re.compile(rf"\b{CAP}(?:[ ]+{CAP})+")
INTRODUCED = re.compile(
    rf"\b(?:named|called|met|colleague|manager|boss|friend|wife|husband|partner|son|daughter|"
    rf"brother|sister|mentor|client|supervisor|teacher|student|with|told|asked) ({CAP})\b"
)

# Capitalised words that start ordinary phrases: never names on their own.
COMMON = frozenset(
    """I I'm I've I'd I'll A An The This That These Those It It's Its We We're Our Us You Your He She They
    Their There Then When Where What Why How Who Which If And But Or So Because Also Yes No Not Maybe
    Okay OK Well Now Today Yesterday Tomorrow Sometimes Usually Often Mostly Honestly Actually Really
    My Me Mine His Her Hers Them In On At For From To Of By With Without About After Before During Once
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December AI Claude ChatGPT GPT Excel Word PowerPoint Slack Discord
    Google Microsoft Python English French German Spanish Christmas Easter Internet Zoom Teams Outlook
    Assistant User Thanks Thank Hi Hello Dear Sure Great Good Fine Right Just Still Even Every Each Some
    Most Many Much More Less First Second Third Next Last One Two Three Another Other Both All Any None""".split()
)


@dataclass(frozen=True)
class Finding:
    kind: str  # EMAIL | PHONE | URL | HANDLE | NUMBER | PERSON | ORG
    start: int
    end: int
    text: str


def _luhn(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group())
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'(")
    return not before or before[-1] in ".!?:\n" or before.endswith(("User:", "AI:", "Assistant:"))


def _name_run(match: re.Match[str]) -> tuple[int, int] | None:
    """The part of a capitalised run that is a name: common words at either end are dropped."""
    words = [
        (match.start() + m.start(), match.start() + m.end(), m.group())
        for m in re.finditer(r"\S+", match.group())
    ]
    while words and words[0][2] in COMMON:
        words.pop(0)
    while words and words[-1][2] in COMMON:
        words.pop()
    return (words[0][0], words[-1][1]) if len(words) >= 2 else None


Matcher = Callable[[str], list[tuple[int, int]]]
# Cheap tests that rule a whole pattern out for most sentences (redaction is most of an export's time).
SEVEN_DIGITS = re.compile(r"(?:\d\D{0,4}){7}")
URL_HINT = re.compile(r"://|www\.|\.[A-Za-z]")
ORG_HINT = re.compile(rf"\b{ORG_SUFFIX}")


def _regex(
    pattern: re.Pattern[str],
    keep: Callable[[re.Match[str]], bool] | None = None,
    hint: Callable[[str], object] | None = None,
) -> Matcher:
    def find(text: str) -> list[tuple[int, int]]:
        if hint is not None and not hint(text):
            return []
        return [m.span() for m in pattern.finditer(text) if keep is None or keep(m)]

    return find


def _orgs(text: str) -> list[tuple[int, int]]:
    """Organisation names, without a leading common word ("At Imperial College" is "Imperial College")."""
    if not ORG_HINT.search(text):
        return []
    spans = []
    for m in ORG.finditer(text):
        start, name = m.start(), m.group()
        while " " in name and name.split(" ", 1)[0] in COMMON:
            skip = len(name.split(" ", 1)[0]) + 1
            start, name = start + skip, name[skip:]
        if " " in name:  # a suffix on its own ("University") names nothing
            spans.append((start, m.end()))
    return spans


def _persons(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in TITLED.finditer(text)]
    for m in NAME_RUN.finditer(text):
        span = _name_run(m)
        if span:
            spans.append(span)
    for m in INTRODUCED.finditer(text):
        word = m.group(1)
        if word not in COMMON and not _sentence_start(text, m.start(1)):
            spans.append(m.span(1))
    return spans


# Order matters: earlier kinds claim their characters first.
DETECTORS: list[tuple[str, Matcher]] = [
    ("EMAIL", _regex(EMAIL, hint=lambda t: "@" in t)),
    ("URL", _regex(URL, hint=URL_HINT.search)),
    ("HANDLE", _regex(HANDLE, hint=lambda t: "@" in t)),
    ("NUMBER", _regex(IBAN, hint=SEVEN_DIGITS.search)),
    ("NUMBER", _regex(CARD, _card, hint=SEVEN_DIGITS.search)),
    ("NUMBER", _regex(GROUPED, hint=SEVEN_DIGITS.search)),
    ("PHONE", _regex(PHONE, hint=SEVEN_DIGITS.search)),
    ("NUMBER", _regex(LONG_NUMBER, hint=SEVEN_DIGITS.search)),
    ("ORG", _orgs),
    ("PERSON", _persons),
]


def find(text: str, kinds: frozenset[str] | None = None) -> list[Finding]:
    """Every identifier in `text`, non-overlapping, in order of position."""
    taken: list[tuple[int, int]] = []
    found: list[Finding] = []
    for kind, matcher in DETECTORS:
        if kinds is not None and kind not in kinds:
            continue
        for start, end in matcher(text):
            if start >= end or any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append(Finding(kind, start, end, text[start:end]))
    return sorted(found, key=lambda f: f.start)


def redact(text: str, kinds: frozenset[str] | None = None) -> str:
    """`text` with each identifier replaced by its typed placeholder, e.g. `[EMAIL]`."""
    if not text:
        return text
    out, last = [], 0
    for f in find(text, kinds):
        out.append(text[last : f.start])
        out.append(f"[{f.kind}]")
        last = f.end
    out.append(text[last:])
    return "".join(out)
