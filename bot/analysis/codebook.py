"""Codebook files: read and check a researcher's codes, or draft one from the emergent themes.

The format is a YAML file with a top-level `codes:` list; each code has an `id` (lower-case slug), a
`label`, a one-sentence-or-more `definition`, optional `include`, `exclude` and `examples` lists, and an
optional `counts` list of stances that also count as the code (`negated`, `hypothetical`, `others`;
by default a denial, a wish or someone else's view does not) (see eval/workforce_codebook.yaml). An
optional top-level `procedural:` list names interviewer questions (whole or in part) whose answers are
about the interview itself, not its subject; the themes leave them out. Every problem is reported with
the file, the entry and the field, and says how to fix it.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from bot.analysis.model import Code, Theme
from bot.errors import AnalysisInputError
from bot.text_files import printable
from bot.yaml_files import YamlProblem, load_yaml

MAX_BYTES = 5 * 1024 * 1024
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]

HINTS = {
    "id": "a lower-case slug such as `reliability` (letters, digits, - or _, at most 40 characters)",
    "label": "a short human-readable name",
    "definition": "one or two sentences saying when an interview has this code",
    "include": "a list of strings: what counts as this code",
    "exclude": "a list of strings: what looks similar but does not count",
    "examples": "a list of example sentences a participant might say",
    "counts": "a list of stances that also count as present: negated, hypothetical, others",
}
Counted = Literal["negated", "hypothetical", "others"]
TOP_LEVEL = {
    "codes": "a list of codes, each with id, label and definition",
    "procedural": "a list of interviewer questions, or parts of them, such as 'any questions before we "
    "begin', whose answers are about the interview rather than its subject",
}


class _CodeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug
    label: Line
    definition: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)]
    include: list[Line] = []
    exclude: list[Line] = []
    examples: list[Line] = []
    counts: list[Counted] = []


class _Codebook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codes: list[_CodeEntry] = Field(min_length=1, max_length=200)
    procedural: list[Line] = Field(default=[], max_length=200)

    @field_validator("codes")
    @classmethod
    def _unique(cls, codes: list[_CodeEntry]) -> list[_CodeEntry]:
        seen: set[str] = set()
        for code in codes:
            if code.id in seen:
                raise ValueError(f"code id {code.id!r} is used twice; give each code its own id")
            seen.add(code.id)
        return codes


def _where(path: Path, raw: object, loc: tuple[int | str, ...]) -> str:
    """`file: codes[2] (id 'stigma'), field 'definition'` for a pydantic error location."""
    parts = [printable(path)]
    if len(loc) >= 2 and loc[0] == "codes" and isinstance(loc[1], int):
        entry = f"codes[{loc[1]}]"
        with contextlib.suppress(KeyError, TypeError, IndexError):  # an entry without an id is named by place
            entry += f" (id {raw['codes'][loc[1]]['id']!r})"  # type: ignore[index]  # raw YAML of any shape
        parts.append(entry)
        if len(loc) >= 3:
            parts.append(f"field {loc[2]!r}")
    elif loc:
        parts.append(f"field {'.'.join(str(x) for x in loc)!r}")
    return ": ".join(parts)


def _problems(path: Path, raw: object, exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        field = loc[2] if len(loc) >= 3 else (loc[0] if loc else "")
        top = bool(loc) and (len(loc) == 1 or loc[0] == "procedural")
        # a validator's own message (a duplicate id) already says what to do
        hint = None if error["type"] == "value_error" else (TOP_LEVEL if top else HINTS).get(str(field))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            allowed = TOP_LEVEL if top else HINTS
            near = difflib.get_close_matches(str(field), allowed, n=1)
            message = (f"unknown field; did you mean {near[0]!r}? " if near else "unknown field; ") + (
                f"allowed: {', '.join(allowed)}"
            )
        elif error["type"] == "model_type" and len(loc) == 2 and loc[0] == "codes":  # `- 42`, `- text`
            message = (
                f"holds {printable(repr(error['input'])[:40])}, not a code; write each code "
                "as `- id: ...` with `label:` and `definition:` indented below it"
            )
        elif hint:
            message += f"; expected {hint}"
        lines.append(f"{_where(path, raw, loc)}: {message}")
    return lines


@dataclass(frozen=True)
class Codebook:
    """A codebook file's contents: the codes, and the questions whose answers themes leave out."""

    codes: list[Code]
    procedural: list[str]


def load_codebook(path: Path) -> list[Code]:
    """The codes in `path`; AnalysisInputError listing every problem otherwise."""
    return read_codebook(path).codes


def read_codebook(path: Path) -> Codebook:
    """The codes and `procedural` questions in `path`; AnalysisInputError listing every problem otherwise."""
    if not path.exists():
        raise AnalysisInputError(f"{printable(path)}: no such codebook file; check the path")
    try:
        raw = load_yaml(path, max_bytes=MAX_BYTES, what="a codebook (a YAML file with a `codes:` list)")
    except YamlProblem as exc:
        raise AnalysisInputError(str(exc)) from None
    if not isinstance(raw, dict) or "codes" not in raw:
        raise AnalysisInputError(
            f"{printable(path)}: a codebook is a YAML mapping with a top-level `codes:` list "
            "(see `interviewer codebook draft` for a starting point)"
        )
    try:
        book = _Codebook.model_validate(raw)
    except ValidationError as exc:
        raise AnalysisInputError("\n".join(_problems(path, raw, exc))) from None
    codes = [
        Code(
            id=c.id,
            label=c.label,
            definition=" ".join(c.definition.split()),
            include=list(c.include),
            exclude=list(c.exclude),
            examples=list(c.examples),
            counts=list(dict.fromkeys(c.counts)),
        )
        for c in book.codes
    ]
    return Codebook(codes, list(book.procedural))


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32].strip("-") or "code"
    if not base[0].isalpha():
        base = f"c-{base}"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def draft_from_themes(themes: list[Theme]) -> str:
    """A codebook YAML to edit: one code per top-level theme, its sub-themes and quotes as hints."""
    taken: set[str] = set()
    subs: dict[str, list[Theme]] = {}
    for t in themes:
        if t.parent:
            subs.setdefault(t.parent, []).append(t)
    lines = [
        "# Codebook drafted from the emergent themes. It is a starting point, not a result:",
        "# - rewrite each `definition` as the rule a second coder would apply (when is the code present?);",
        "# - `include` lists what counts (drafted from the sub-themes), `exclude` what looks similar but",
        "#   does not count (left empty: fill it in; the offline coder uses both);",
        "# - `examples` are sentences a participant might say (the drafted ones are redacted real quotes;",
        "#   replace them with your own wording before sharing this file);",
        "# - delete codes you do not need, merge overlapping ones, add codes from your research questions.",
        "# Then run: interviewer analyze <study|file.csv> --codebook THIS_FILE --out DIR",
        "codes:",
    ]
    for theme in (t for t in themes if t.parent is None):
        entry = {
            "id": _slug(theme.name, taken),
            "label": theme.name,
            "definition": (
                f"The participant talks about {', '.join(theme.keywords[:4]) or theme.name.lower()}. "
                f"(Drafted from theme {theme.id}: {theme.description} Edit this definition.)"
            ),
            "include": [s.name for s in subs.get(theme.id, [])],
            "exclude": [],
            "examples": [q.text for q in theme.quotes[:2]],
        }
        block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100)
        lines.append(f"  # {theme.id}: {theme.size} answers from {theme.interviews} interviews")
        lines.extend("  " + line for line in block.rstrip("\n").splitlines())
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
