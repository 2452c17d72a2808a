"""The kinds of text a study file holds. Every string field of a study uses one of these types, so each
refuses control characters (they would reach participants' terminals and Slack/Discord as they are):
prose (`Text`) may span lines and hold tabs, everything else (`Line`, `Plain` and the forms built on it)
is one line."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints, ValidationInfo

# C0 controls, DEL and C1 controls: the characters of Unicode category Cc
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PROSE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # the same without tab and newline
_C0_NAMES = (
    "NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI "
    "DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US"
).split()
_C1_NAMES = (
    "PAD HOP BPH NBH IND NEL SSA ESA HTS HTJ VTS PLD PLU RI SS2 SS3 "
    "DCS PU1 PU2 STS CCH MW SPA EPA SOS SGC SCI CSI ST OSC PM APC"
).split()

# Validation context of a plan version read back from the database (bot.studies.catalog): it was accepted
# when stored, and an interview under it must finish even where today's rules are stricter.
STORED = "stored"


def is_stored(info: ValidationInfo | None) -> bool:
    return bool(info is not None and isinstance(info.context, dict) and info.context.get(STORED))


# The forms some fields must match; `bot/studies/problems.py` gives each its own hint.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SLUG_MAX = 63
LANGUAGE_PATTERN = r"^[a-z]{2}(-[A-Z]{2})?$"


def control_name(ch: str) -> str:
    """'\\x1b' -> 'U+001B ESC'."""
    code = ord(ch)
    if code < 0x20:
        return f"U+{code:04X} {_C0_NAMES[code]}"
    if 0x80 <= code < 0xA0:
        return f"U+{code:04X} {_C1_NAMES[code - 0x80]}"
    return f"U+{code:04X} DEL" if code == 0x7F else f"U+{code:04X}"


def _refuse(found: re.Match[str] | None, *, one_line: bool) -> None:
    if found is None:
        return
    ch = found[0]
    if one_line and ch in "\n\r\v\f\x85":
        raise ValueError(f"contains a line break ({control_name(ch)}); write it on one line")
    raise ValueError(f"contains a control character ({control_name(ch)}); remove it")


def _one_line(value: Any, info: ValidationInfo | None = None) -> Any:
    """Refuse every control character, line breaks and tabs included. Other types pass on to the
    field's own check, which names what was given."""
    if isinstance(value, str) and not is_stored(info):
        _refuse(_CONTROL.search(value), one_line=True)
    return value


def _line(value: Any, info: ValidationInfo) -> Any:
    """One line once the spaces around it are gone (a block scalar's final newline is no problem)."""
    return _one_line(value.strip(), info) if isinstance(value, str) else value


def _prose(value: Any, info: ValidationInfo) -> Any:
    """Line breaks become newlines (a carriage return written as an escape too); tabs and newlines stay,
    every other control character is refused."""
    if isinstance(value, str) and not is_stored(info):
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        _refuse(_PROSE_CONTROL.search(value), one_line=False)
    return value


# The validator comes last so that it wraps the constraints: a control character is reported as such,
# not as a wrong form.
Plain = Annotated[str, BeforeValidator(_one_line)]  # settings and labels: one line, may be empty
_SOME_TEXT = StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
Line = Annotated[str, _SOME_TEXT, BeforeValidator(_line)]  # a title, an option: one line of text
Text = Annotated[str, _SOME_TEXT, BeforeValidator(_prose)]  # prose: may span lines
Slug = Annotated[
    str, StringConstraints(max_length=SLUG_MAX, pattern=SLUG_PATTERN), BeforeValidator(_one_line)
]
LanguageTag = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN), BeforeValidator(_one_line)]
ButtonLabel = Annotated[str, StringConstraints(min_length=1, max_length=40), BeforeValidator(_one_line)]
