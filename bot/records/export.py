"""Transcript export: stream a study's consented interviews from the database in pages into a file.

Formats: `jsonl` (everything, one interview a line, with each turn's bookkeeping), `csv` (the public
Anthropic Interviewer dataset layout, `transcript_id,text`, then the interview's attributes, consent and
answers, every cell neutralised against spreadsheet formulas), `markdown` (a zip of one file per
interview, attributes and answers on top) and `qdpx` (a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA:
the transcripts; docs/export.md says why attributes are left to the CSV). Only interviews whose participant consented leave the database; withdrawn ones never do;
participants appear by their per-study code, and text is redacted unless the caller turns that off.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import json
import re
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from sqlalchemy import and_, exists
from sqlmodel import col, select

from bot.records.redact import preload, redact
from bot.storage import Store
from bot.storage.models import ConsentRecord, Interview, Participant, ScreeningAnswer, SurveyAnswer, Turn

FORMATS = ("jsonl", "csv", "markdown", "qdpx")
SUFFIX = {"jsonl": "jsonl", "csv": "csv", "markdown": "zip", "qdpx": "qdpx"}
PAGE = 200
QDA_NAMESPACE = "urn:QDA-XML:project:1.0"
GUID_NAMESPACE = uuid.UUID("6f1c2a8e-4d0b-4f55-9a43-2b1f0d7c9e10")  # fixed: the same interview, the same GUID
ROLE_LABEL = {"interviewer": "AI", "participant": "User"}


@dataclass(frozen=True)
class ExportFilter:
    """Which interviews of a study to export."""

    study_id: str
    since: datetime | None = None  # started on or after
    group: str | None = None  # the answer to the study's group screening question
    group_question: str | None = None
    include_incomplete: bool = False  # also interviews that were stopped, expired or are still running
    public_only: bool = False  # only participants who also consented to public release
    include_pilot: bool = False
    workspace: tuple[str, str] | None = None  # (platform, workspace): only that community's participants


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


@dataclass(frozen=True)
class ExportResult:
    path: Path
    interviews: int
    format: str


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _query(flt: ExportFilter, after_id: int) -> Any:
    consented = exists().where(
        and_(
            col(ConsentRecord.interview_id) == col(Interview.id),
            col(ConsentRecord.kind) == "participation",
            col(ConsentRecord.granted).is_(True),
        )
    )
    query = (
        select(Interview)
        .where(
            Interview.study_id == flt.study_id,
            col(Interview.id) > after_id,
            Interview.state != "withdrawn",
            col(Interview.erased_at).is_(None),  # withdrawn, or past the study's retention period
            consented,
        )
        .order_by(col(Interview.id))
        .limit(PAGE)
    )
    if not flt.include_incomplete:
        query = query.where(Interview.state == "completed")
    if not flt.include_pilot:
        query = query.where(col(Interview.pilot).is_(False))
    if flt.since is not None:
        query = query.where(col(Interview.created_at) >= flt.since)
    if flt.workspace is not None:
        query = query.join(Participant, col(Participant.id) == col(Interview.participant_id)).where(
            Participant.platform == flt.workspace[0], Participant.workspace == flt.workspace[1]
        )
    if flt.public_only:
        query = query.where(
            exists().where(
                and_(
                    col(ConsentRecord.interview_id) == col(Interview.id),
                    col(ConsentRecord.kind) == "release",
                    col(ConsentRecord.granted).is_(True),
                )
            )
        )
    if flt.group is not None:
        query = query.where(
            exists().where(
                and_(
                    col(ScreeningAnswer.interview_id) == col(Interview.id),
                    col(ScreeningAnswer.question_id) == (flt.group_question or ""),
                    col(ScreeningAnswer.value) == flt.group,
                )
            )
        )
    return query


async def records(store: Store, flt: ExportFilter, *, redacted: bool = True) -> AsyncIterator[Record]:
    """The matching interviews, oldest first, read `PAGE` at a time (never the whole study at once)."""
    # Interviewers repeat their core questions word for word: redact each distinct text once.
    clean: Callable[[str], str] = (
        functools.lru_cache(maxsize=4096)(redact) if redacted else (lambda text: text)
    )
    after = 0
    while True:
        async with store.session() as s:
            interviews = list((await s.exec(_query(flt, after))).all())
            if not interviews:
                return
            ids = [i.id for i in interviews]
            # Plain column rows, not ORM objects: building objects was most of an unredacted export's time.
            turns: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}  # type: ignore[misc]
            for row in await s.exec(
                select(*TURN_COLUMNS)
                .where(col(Turn.interview_id).in_(ids))
                .order_by(col(Turn.interview_id), col(Turn.seq))
            ):
                turns[row[0]].append(_turn(row, clean))
            screening: dict[int, dict[str, str]] = {i: {} for i in ids}  # type: ignore[misc]
            for iid, key, value in await s.exec(
                select(
                    ScreeningAnswer.interview_id, ScreeningAnswer.question_id, ScreeningAnswer.value
                ).where(col(ScreeningAnswer.interview_id).in_(ids))
            ):
                screening[iid][key] = clean(value)
            survey: dict[int, dict[str, str]] = {i: {} for i in ids}  # type: ignore[misc]
            for iid, key, value in await s.exec(
                select(SurveyAnswer.interview_id, SurveyAnswer.item_id, SurveyAnswer.value).where(
                    col(SurveyAnswer.interview_id).in_(ids)
                )
            ):
                survey[iid][key] = clean(value)
            consent: dict[int, dict[str, bool]] = {i: {} for i in ids}  # type: ignore[misc]
            for iid, kind, granted in await s.exec(
                select(ConsentRecord.interview_id, ConsentRecord.kind, ConsentRecord.granted).where(
                    col(ConsentRecord.interview_id).in_(ids)
                )
            ):
                consent[iid][kind] = bool(granted)
        for i in interviews:
            assert i.id is not None
            yield Record(
                participant=i.participant_code,
                study_id=i.study_id,
                study_version=i.study_version,
                plan_hash=i.plan_hash,
                state=i.state,
                pilot=i.pilot,
                started_at=_iso(i.created_at) or "",
                completed_at=_iso(i.completed_at),
                group=screening[i.id].get(flt.group_question or "") if flt.group_question else None,
                screening=screening[i.id],
                survey=survey[i.id],
                consent={
                    "participation": consent[i.id].get("participation", False),
                    "release": consent[i.id].get("release", False),
                },
                turns=turns[i.id],
            )
        after = interviews[-1].id or after


TURN_FIELDS = (
    "seq",
    "role",
    "text",
    "created_at",
    "topic_id",
    "move",
    "covered",
    "followups_used",
    "flags",
    "model",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
)
TURN_COLUMNS = [Turn.__table__.c.interview_id] + [Turn.__table__.c[name] for name in TURN_FIELDS]  # type: ignore[attr-defined]


def _turn(row: Any, clean: Callable[[str], str]) -> dict[str, Any]:
    turn = dict(zip(TURN_FIELDS, row[1:], strict=True))
    turn["text"] = clean(turn["text"])
    turn["at"] = _iso(turn.pop("created_at"))
    return turn


# ---- text renderings -------------------------------------------------------------------------------


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


def markdown_text(r: Record) -> str:
    lines = [f"# Interview {r.participant}", ""]
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
            z.writestr(f"{SAFE_NAME.sub('_', names(r.participant))}.md", markdown_text(r))
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


async def answer_columns(store: Store, study_id: str) -> Columns:
    """Every screening question and survey item answered in the study, in a stable order."""
    async with store.session() as s:
        screening = await s.exec(
            select(ScreeningAnswer.question_id)
            .join(Interview, col(Interview.id) == col(ScreeningAnswer.interview_id))
            .where(Interview.study_id == study_id)
            .distinct()
        )
        survey = await s.exec(
            select(SurveyAnswer.item_id)
            .join(Interview, col(Interview.id) == col(SurveyAnswer.interview_id))
            .where(Interview.study_id == study_id)
            .distinct()
        )
        return Columns(tuple(sorted(screening.all())), tuple(sorted(survey.all())))


async def export(
    store: Store, flt: ExportFilter, fmt: str, out: Path, *, redacted: bool = True
) -> ExportResult:
    """Write the filtered interviews of one study to `out` in `fmt`."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if redacted:  # the names index is read (or built once) off the event loop
        await asyncio.to_thread(preload)
    rows = records(store, flt, redacted=redacted)
    if fmt == "qdpx":
        count = await write_qdpx(rows, out, project=flt.study_id)
    elif fmt == "csv":
        count = await write_csv(rows, out, await answer_columns(store, flt.study_id))
    else:
        count = await WRITERS[fmt](rows, out)
    return ExportResult(out, count, fmt)


def default_name(study_id: str, fmt: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{study_id}-{stamp}.{SUFFIX[fmt]}"
