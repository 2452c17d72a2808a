"""Participant text at the border: one normal form for every adapter, applied once in `Engine.receive`.

What arrives from Slack, Discord or a terminal may hold anything a keyboard, a paste or a hostile client
can produce. Before it is stored it is made into plain, valid, bounded Unicode:

- lone surrogates (valid in a Python str, not in UTF-8 or PostgreSQL) become U+FFFD; split pairs join;
- NFKC folds compatibility forms (full-width ｓｔｏｐ, ligatures, the non-breaking space) into plain ones;
- control characters go, except newline and tab; carriage returns become newlines;
- invisible format characters go (zero-width space, word joiner, BOM, bidi overrides, soft hyphen),
  except the zero-width joiner and non-joiner between two visible characters, which shape emoji
  sequences and scripts such as Persian;
- the result is stripped and cut to the configured length, and the caller learns how long it was.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

REPLACEMENT = "\ufffd"
_JOINERS = "\u200c\u200d"  # zero-width non-joiner and joiner: meaningful inside words and emoji
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Joiners at the edges, or next to whitespace, join nothing.
_STRAY_JOINER = re.compile(rf"(?:^[{_JOINERS}]+|[{_JOINERS}]+$|(?<=\s)[{_JOINERS}]+|[{_JOINERS}]+(?=\s))")
# Fields other than the text (a button's value, a prompt id) are machine values: cut them short.
MAX_FIELD_CHARS = 200


@dataclass(frozen=True)
class Normalized:
    text: str
    original_length: int  # characters before cutting (after normalising): > len(text) when it was cut

    @property
    def truncated(self) -> bool:
        return self.original_length > len(self.text)


def _valid_unicode(text: str) -> str:
    """Join surrogate pairs a decoder left split, and replace lone halves with U+FFFD."""
    if not _LONE_SURROGATE.search(text):
        return text
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _LONE_SURROGATE.sub(REPLACEMENT, joined)


def _visible(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    kept = "".join(ch for ch in text if ch in _JOINERS or unicodedata.category(ch) != "Cf")
    return _STRAY_JOINER.sub("", kept)


def normalize_text(text: str | bytes | bytearray | None, limit: int | None = None) -> Normalized:
    """The normal form of a participant's message, cut to `limit` characters when given. `Inbound.text`
    is a str, but it comes from a platform's payload: bytes or None are read rather than refused."""
    if not isinstance(text, str):  # an adapter handed over bytes or None: keep what can be read
        text = text.decode("utf-8", "replace") if isinstance(text, bytes | bytearray) else ""
    raw_length = len(text)
    if limit is not None and raw_length > 2 * limit + 64:
        # NFKC can expand a character many times over: never normalise more than could be kept
        text = text[: 2 * limit + 64]
    clean = _visible(unicodedata.normalize("NFKC", _valid_unicode(text))).strip()
    length = len(clean) if len(text) == raw_length else max(len(clean), raw_length)
    if limit is None or len(clean) <= limit:
        return Normalized(clean, length)
    cut = clean[:limit].rstrip().rstrip(_JOINERS)  # never end on half of an emoji sequence
    return Normalized(cut, length)


def visible_text(text: str) -> str:
    """`text` without control or invisible format characters, surrogates repaired, otherwise as written
    (no NFKC, no stripping): what the analysis reads from a transcript file, whose quotes must stay
    verbatim (NFKC would turn "…" into "...") but never carry a terminal escape or a bidi override."""
    return _visible(_valid_unicode(text))


def normalize_field(value: str | None, limit: int = MAX_FIELD_CHARS) -> str | None:
    """A short machine value from a platform (button value, prompt id, study id): valid and bounded."""
    if value is None:
        return None
    return normalize_text(value, limit).text
