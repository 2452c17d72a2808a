"""Pydantic's validation errors as study problems: one line each, naming the field, what is wrong and how
to fix it. The one place a study's validation errors are worded."""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot.studies.fields import LANGUAGE_PATTERN, SLUG_PATTERN
from bot.text_files import printable

_short = reprlib.Repr()  # attributes, not keyword arguments: those need Python 3.12
_short.maxlevel, _short.maxstring, _short.maxother, _short.maxlist, _short.maxdict = 2, 60, 60, 4, 4

_README = "studies/README.md"
_FORMS = {
    SLUG_PATTERN: "use lower-case letters, digits and dashes (e.g. ai-at-work)",
    LANGUAGE_PATTERN: "write a language tag such as en, de or pt-BR",
}
_WHOLE_NUMBER = "write a whole number such as 10"


def problem_lines(exc: ValidationError, source: str) -> list[str]:
    """`source: field: problem; fix` for every error of a study's validation."""
    return [f"{printable(source)}: {_where(_location(e))}: {_explain(e)}" for e in exc.errors()]


def _location(error: ErrorDetails) -> tuple[Any, ...]:
    # a model's own check may name the field it is about (see Schedule in study.py)
    field = (error.get("ctx") or {}).get("field")
    return (*error["loc"], field) if isinstance(field, str) else tuple(error["loc"])


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        # a key is shown escaped when it holds anything but printable text
        name = part if isinstance(part, int) or str(part).isprintable() else _short.repr(part)
        out += f"[{name}]" if isinstance(part, int) else (f".{name}" if out else str(name))
    return out or "(top level)"


def _got(value: Any) -> str:
    # bounded: a value may be a huge (or alias-expanded, exponentially large) structure
    return _short.repr(value)


def _not_text(value: Any, ctx: dict[str, Any]) -> str:
    if isinstance(value, bool):
        word = "Yes" if value else "No"
        return (
            f"is read as {str(value).lower()}, not as text (YAML reads Yes/No/On/Off as true/false); "
            f'write it in quotes ("{word}")'
        )
    if value is None:
        return "is empty; write the text after the colon, or leave the line out if the field is optional"
    if isinstance(value, int | float | date):  # YAML reads 2026-05-01 as a date
        what = "a date" if isinstance(value, date) else "the number"
        shown = _short.repr(str(value))[1:-1]  # bounded: a number may have thousands of digits
        return f'is read as {what} {shown}, not as text; write it in quotes ("{shown}")'
    kind = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "not text"
    return f"is {kind} ({_got(value)}), not text; write one piece of text"


def _wrong_form(value: Any, ctx: dict[str, Any]) -> str:
    form = _FORMS.get(str(ctx.get("pattern")), f"check its form against {_README}")
    return f"{_got(value)} has the wrong form; {form}"


def _too_long(value: Any, ctx: dict[str, Any]) -> str:
    if ctx.get("field_type") == "List":
        return f"has too many items (at most {ctx.get('max_length')}); remove some"
    length = len(value) if isinstance(value, str) else ctx.get("actual_length")
    return f"is too long ({length} characters, at most {ctx.get('max_length')}); shorten it"


def _too_short(value: Any, ctx: dict[str, Any]) -> str:
    if ctx.get("field_type") == "List":
        least = ctx.get("min_length")
        return (
            f"needs at least {least} item{'' if least == 1 else 's'}; add {'one' if least == 1 else 'more'}"
        )
    return "is empty; write some text"


def _not_one_of(value: Any, ctx: dict[str, Any]) -> str:
    allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
    return f"{_got(value)} is not one of {', '.join(allowed)}"


def _not_mapping(value: Any, ctx: dict[str, Any]) -> str:
    what = "is empty" if value is None else f"{_got(value)} is not a mapping of fields"
    return f"{what}; write its fields on the lines below it, indented"


_EXPLAIN: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    "missing": lambda v, c: f"is required; add it ({_README} describes every field)",
    "extra_forbidden": lambda v, c: f"is not a known field; check its spelling against {_README}",
    "literal_error": _not_one_of,
    "string_type": _not_text,
    "string_pattern_mismatch": _wrong_form,
    "string_too_short": _too_short,
    "too_short": _too_short,
    "string_too_long": _too_long,
    "too_long": _too_long,
    "int_parsing": lambda v, c: f"{_got(v)} is not a whole number; {_WHOLE_NUMBER}",
    "int_type": lambda v, c: f"{_got(v)} is not a whole number; {_WHOLE_NUMBER}",
    "int_from_float": lambda v, c: f"{_got(v)} is not a whole number; {_WHOLE_NUMBER}",
    "greater_than_equal": lambda v, c: f"{_got(v)} is too small; write {c.get('ge')} or more",
    "less_than_equal": lambda v, c: f"{_got(v)} is too large; write {c.get('le')} or less",
    "bool_parsing": lambda v, c: f"{_got(v)} is not true or false; write true or false",
    "bool_type": lambda v, c: f"{_got(v)} is not true or false; write true or false",
    "list_type": lambda v, c: f"{_got(v)} is not a list; write [a, b] or one '- item' per line below it",
    "model_type": _not_mapping,
    "dict_type": _not_mapping,
}


def _explain(error: ErrorDetails) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "value_error":  # our own checks: worded with their fix where they are made
        return str(ctx.get("error", error["msg"]))
    if kind == "string_type" and error["loc"][-1:] in (("send_window",), ("quiet_hours",)):
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 15:30 as the base-60 number 930
            hours, minutes = divmod(value, 60)
            return (
                f"is read as the number {value}: YAML reads unquoted times such as {hours:02d}:{minutes:02d} "
                'as numbers; write the range in quotes, e.g. "09:00-18:00"'
            )
    if kind in _EXPLAIN:
        return _EXPLAIN[kind](value, ctx)
    if "field" in ctx:  # a model's own check, worded where it is made
        return error["msg"]
    return f"{error['msg']} (got {_got(value)}); check it against {_README}"
