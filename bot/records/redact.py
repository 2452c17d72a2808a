"""Offline redaction of direct identifiers: typed placeholders for e-mails, URLs, platform ids and
handles, phone numbers, account numbers, street addresses, postcodes, organisations and people.

Detectors run in a fixed order (e-mails before handles, URLs before phones, addresses before
postcodes, organisations before people) so that each identifier is replaced once, by the most
specific type. Phone numbers are checked with `phonenumbers`; names with a gazetteer of 105 countries'
names (`bot.records.redaction.gazetteer`) and context rules (`bot.records.redaction.names`). Measured recall and the
share of ordinary text altered are in docs/export.md (`make bench` prints them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.records.redaction import gazetteer
from bot.records.redaction.names import english, person_spans
from bot.records.redaction.orgs import org_spans
from bot.records.redaction.phones import phone_spans
from bot.records.redaction.places import address_spans, postcode_spans
from bot.records.redaction.platform import handle_spans, id_spans

# The local part may hold apostrophes (lena.o'brien@...); domains may be internationalised.
EMAIL = re.compile(r"(?<![\w.+'’-])[\w.+'’-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}\b")
URL = re.compile(
    r"\b(?:https?://|ftp://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|edu|gov|co|uk|de|fr|ai|app|info|biz|me|eu|us|ca|au|nz|ie|nl|be|es|it|pt|pl|"
    r"se|no|dk|fi|ch|at|cz|gr|tr|ru|ua|jp|cn|kr|in|vn|br|mx|ar|cl|za|ng|ke|sg|hk|tw)(?:/[^\s<>\"')]*)?\b",
    re.IGNORECASE,
)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
GROUPED = re.compile(r"(?<![\d.,])\d{4}(?:[ -]\d{4}){2,}(?![\d.,]\d)")  # account-like blocks of four
LONG_NUMBER = re.compile(r"(?<![\d.,])\d{7,}(?![\d.,]\d)")


@dataclass(frozen=True)
class Finding:
    kind: str  # EMAIL | URL | ID | HANDLE | NUMBER | PHONE | ADDRESS | POSTCODE | ORG | PERSON
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


Matcher = Callable[[str], list[tuple[int, int]]]
# Cheap tests that rule a whole pattern out for most sentences (redaction is most of an export's time).
SEVEN_DIGITS = re.compile(r"(?:\d\D{0,4}){7}")
URL_HINT = re.compile(r"://|www\.|\.[A-Za-z]")


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


# Order matters: earlier kinds claim their characters first.
DETECTORS: list[tuple[str, Matcher]] = [
    ("EMAIL", _regex(EMAIL, hint=lambda t: "@" in t)),
    ("URL", _regex(URL, hint=URL_HINT.search)),
    ("ID", id_spans),
    ("HANDLE", handle_spans),
    ("NUMBER", _regex(IBAN, hint=SEVEN_DIGITS.search)),
    ("NUMBER", _regex(CARD, _card, hint=SEVEN_DIGITS.search)),
    ("NUMBER", _regex(GROUPED, hint=SEVEN_DIGITS.search)),
    ("ADDRESS", address_spans),
    ("PHONE", lambda t: phone_spans(t) if SEVEN_DIGITS.search(t) else []),
    ("NUMBER", _regex(LONG_NUMBER, hint=SEVEN_DIGITS.search)),
    ("POSTCODE", postcode_spans),
    ("ORG", org_spans),
    ("PERSON", person_spans),
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


def preload() -> None:
    """Load the names gazetteer and word lists now (the first call may build the gazetteer)."""
    gazetteer.load()
    english()
