"""Phone numbers in every region's formats, checked with `phonenumbers` (Google's libphonenumber).

A candidate is a run of digits with the separators people write (spaces, dots, dashes, slashes,
parentheses), 7 to 15 digits long. It is a phone number when libphonenumber finds it possible in some
region: with `+` or `00` as an international number, otherwise as a national number of any region.
Dates, year ranges, times, decimals and thousands are ruled out first.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

CANDIDATE = re.compile(r"(?<![\w+./-])(?:\+|00)?\(?\d[\d ().\-/]{5,22}\d(?![\w/]|[.,]\d)")
NOT_PHONE = [
    re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$"),  # 2024-05-17
    re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$"),  # 17/05/2024
    re.compile(r"^(?:19|20)\d{2} ?[-/] ?(?:19|20)?\d{2}$"),  # 2019-2020
    re.compile(r"^\d{1,3}(?:[ .]\d{3})+$"),  # 1 000 000 written with thousands separators
    re.compile(r"^\d+\.\d+(?:\.\d+)*$"),  # 3.11.2, 192.168.1.1 (not a phone; the number rules decide)
    re.compile(r"^[1-9]\d?(?: \d{1,2}){3,}$"),  # a list of small numbers: 7 8 9 10 11 12
    re.compile(r"^\d{1,2}[.:]\d{2} ?- ?\d{1,2}[.:]\d{2}$"),  # opening hours: 8.00-12.00
]


@lru_cache(maxsize=1)
def _regions() -> list[str]:
    preferred = ["US", "GB", "FR", "DE", "JP", "IN", "BR", "ES", "IT", "NL", "PL", "AU", "CA", "MX"]
    return preferred + sorted(set(phonenumbers.SUPPORTED_REGIONS) - set(preferred))


def _possible(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if not 7 <= len(digits) <= 15 or any(p.match(candidate) for p in NOT_PHONE):
        return False
    text = "+" + candidate[2:] if candidate.startswith("00") else candidate
    if text.startswith("+"):
        try:
            return phonenumbers.is_possible_number(phonenumbers.parse(text, None))
        except phonenumbers.NumberParseException:
            return False
    if not re.search(r"[ ().\-/]", candidate) and not candidate.startswith("0"):
        return False  # a bare run of digits is an account or order number: the number rules decide
    for region in _regions():
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


# Two groups of digits ("555-0132") read as a phone number only where the words before say so;
# otherwise they are a range ("pages 100-1000") or a score.
TWO_GROUPS = re.compile(r"^\d{2,4}[ .\-]\d{3,5}$")
PHONE_WORDS = re.compile(
    r"(?i)\b(?:call|calls|called|phone|number|tel|telephone|mobile|cell|ring|text|whatsapp|ext|fax|on)\W*$"
)


def phone_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in CANDIDATE.finditer(text):
        candidate = m.group().rstrip(" -./(")
        start = m.start()
        if candidate.startswith("(") and ")" not in candidate:
            candidate, start = candidate[1:], start + 1
        if TWO_GROUPS.match(candidate) and not PHONE_WORDS.search(text[max(0, start - 40) : start]):
            continue
        if _possible(candidate):
            spans.append((start, start + len(candidate)))
    return spans
