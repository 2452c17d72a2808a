"""Export formats: how exported interviews (`Record`s) are written. `jsonl` (everything, one interview a
line), `csv` (the Anthropic Interviewer dataset layout, every cell neutralised against spreadsheet
formulas), `markdown` (a zip of one file per interview, or one document holding them all) and `qdpx` (a
REFI-QDA project)."""

from __future__ import annotations

import csv
import json
import re
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

QDA_NAMESPACE = "urn:QDA-XML:project:1.0"
GUID_NAMESPACE = uuid.UUID("6f1c2a8e-4d0b-4f55-9a43-2b1f0d7c9e10")  # fixed: the same interview, the same GUID
ROLE_LABEL = {"interviewer": "AI", "participant": "User"}


@dataclass
class Record:
    """One exported interview."""

    participant: str
    study_id: str
    study_version: int
    plan_hash: str
    state: str
    pilot: bool
    started_at: str
    completed_at: str | None
    group: str | None
    screening: dict[str, str]
    survey: dict[str, str]
    consent: dict[str, bool]
    turns: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.__dict__


def dataset_text(turns: list[dict[str, Any]]) -> str:
    """Turns in the Anthropic Interviewer dataset layout: `Assistant:` first, then `AI:` and `User:`."""
    parts, first = [], True
    for t in turns:
        label = ROLE_LABEL.get(t["role"], "User")
        if label == "AI" and first:
            label, first = "Assistant", False
        elif label == "AI":
            first = False
        parts.append(f"{label}: {t['text']}")
    return "\n\n".join(parts)


def markdown_text(r: Record, name: str | None = None) -> str:
    """One interview as Markdown; `name` is its unique name in the export (P-XXX-2 for a second one)."""
    lines = [f"# Interview {name or r.participant}", ""]
    lines.append(f"- Study: `{r.study_id}` (plan v{r.study_version}, {r.plan_hash[:12]})")
    lines.append(
        f"- State: {r.state}; started {r.started_at}"
        + (f", completed {r.completed_at}" if r.completed_at else "")
    )
    if r.group:
        lines.append(f"- Group: {r.group}")
    for key, value in r.screening.items():
        lines.append(f"- Screening `{key}`: {value}")
    lines.append(f"- Consent to take part: {'yes' if r.consent.get('participation') else 'no'}")
    lines.append(f"- Consent to release: {'yes' if r.consent.get('release') else 'no'}")
    if r.pilot:
        lines.append("- Pilot interview")
    lines += ["", "## Transcript", ""]
    for t in r.turns:
        who = "Interviewer" if t["role"] == "interviewer" else "Participant"
        lines += [f"**{who}:** {t['text']}", ""]
    if r.survey:
        lines += ["## Survey", ""]
        lines += [f"- `{k}`: {v}" for k, v in r.survey.items()]
        lines.append("")
    return "\n".join(lines)


class _Names:
    """Unique names per export: a participant who started over appears as P-XXX and P-XXX-2."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, code: str) -> str:
        n = self._seen.get(code, 0) + 1
        self._seen[code] = n
        return code if n == 1 else f"{code}-{n}"


# ---- writers ---------------------------------------------------------------------------------------


async def write_jsonl(rows: AsyncIterator[Record], out: Path) -> int:
    count = 0
    with out.open("w", encoding="utf-8") as f:
        async for r in rows:
            f.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
            count += 1
    return count


SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]|^\.+")  # a file name inside a zip: no folders, no "..".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_META = ("study_id", "study_version", "plan_hash", "state", "pilot", "started_at", "completed_at")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would read as a formula (=, +, -, @, tab, carriage return first) gets a
    leading apostrophe, as OWASP's CSV injection guidance advises: shown as text, never run."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


@dataclass(frozen=True)
class Columns:
    """The screening and survey items a study's answers use: one CSV column each."""

    screening: tuple[str, ...] = ()
    survey: tuple[str, ...] = ()


def csv_header(columns: Columns) -> list[str]:
    return [
        "transcript_id",
        "text",
        *CSV_META,
        "consent_participation",
        "consent_release",
        *columns.screening,
        *(f"survey:{item}" for item in columns.survey),
    ]


def csv_row(name: str, r: Record, columns: Columns) -> list[str]:
    meta = [r.study_id, str(r.study_version), r.plan_hash, r.state, str(r.pilot).lower()]
    meta += [r.started_at, r.completed_at or ""]
    consent = [str(r.consent.get(k, False)).lower() for k in ("participation", "release")]
    answers = [r.screening.get(k, "") for k in columns.screening] + [
        r.survey.get(k, "") for k in columns.survey
    ]
    return [neutralise(cell) for cell in [name, dataset_text(r.turns), *meta, *consent, *answers]]


async def write_csv(rows: AsyncIterator[Record], out: Path, columns: Columns = Columns()) -> int:
    """The dataset layout (`transcript_id,text`) first, then the interview's attributes and answers."""
    count, names = 0, _Names()
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(csv_header(columns))
        async for r in rows:
            writer.writerow(csv_row(names(r.participant), r, columns))
            count += 1
    return count


async def write_markdown(rows: AsyncIterator[Record], out: Path) -> int:
    count, names = 0, _Names()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        async for r in rows:
            name = names(r.participant)
            z.writestr(f"{SAFE_NAME.sub('_', name)}.md", markdown_text(r, name))
            count += 1
    return count


async def write_markdown_document(rows: AsyncIterator[Record], out: Path) -> int:
    """Every interview in one Markdown file, one `# Interview` heading each, a rule between them."""
    count, names = 0, _Names()
    with out.open("w", encoding="utf-8") as f:
        async for r in rows:
            f.write(("\n---\n\n" if count else "") + markdown_text(r, names(r.participant)))
            count += 1
    return count


async def write_qdpx(rows: AsyncIterator[Record], out: Path, *, project: str = "interviews") -> int:
    """A REFI-QDA project: `project.qde` declares one TextSource per interview in `sources/<guid>.txt`."""
    sources: list[str] = []
    names = _Names()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        async for r in rows:
            name = names(r.participant)
            guid = str(uuid.uuid5(GUID_NAMESPACE, f"{r.study_id}|{name}|{r.started_at}")).upper()
            z.writestr(f"sources/{guid}.txt", dataset_text(r.turns))
            sources.append(
                f'    <TextSource guid="{guid}" name={quoteattr(name)} plainTextPath="internal://{guid}.txt"'
                f' creationDateTime="{_xml_time(r.started_at)}"/>'
            )
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = "\n".join(sources)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Project xmlns="{QDA_NAMESPACE}" name={quoteattr(project)} origin="interviewer" '
            f'creationDateTime="{now}">\n'
            + (f"  <Sources>\n{body}\n  </Sources>\n" if sources else "")
            + f"  <Description>{len(sources)} interview transcript(s) exported by interviewer</Description>\n"
            "</Project>\n"
        )
        z.writestr("project.qde", xml)
    return len(sources)


def _xml_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "markdown": write_markdown, "qdpx": write_qdpx}
