"""The interviews to analyse: read from a study in the database or from a dataset-layout CSV file.

Either way each interview becomes a `Doc` whose segments are the participant's answers, each paired with
the interviewer question just before it. Text stays verbatim here (quotes are checked against it before
they are redacted); only consented, non-withdrawn, completed, non-pilot interviews are read from the
database, through the same filter the export uses.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.analysis.files import csv_text
from bot.analysis.model import Doc, Segment
from bot.errors import AnalysisInputError
from bot.interview.normalize import visible_text
from bot.records.importer import parse_transcript
from bot.text_files import printable

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.studies.study import Study

MAX_CSV_BYTES = 2 * 1024**3  # a 1,000-interview dataset is about 20 MB; this refuses a wrong file early
ID_COLUMNS = ("transcript_id", "interview")


@dataclass
class Corpus:
    """The docs plus where they came from and what could not be read."""

    name: str  # study id, or the CSV file's stem
    docs: list[Doc]
    study: Study | None = None  # the study definition when read from the database (survey items, groups)
    problems: list[str] = field(default_factory=list)  # "file:line: what is wrong", rows that were skipped


def segments(code: str, turns: Iterable[tuple[str, str]]) -> list[Segment]:
    """Participant answers paired with the interviewer turn before each; empty answers are dropped."""
    out: list[Segment] = []
    question = ""
    for role, text in turns:
        if role == "participant":
            if text.strip():
                out.append(Segment(interview=code, index=len(out), question=question, answer=text))
        else:
            question = text.strip()
    return out


def is_csv_source(source: str) -> bool:
    return source.lower().endswith(".csv")


# ---- CSV in the dataset layout ---------------------------------------------------------------------------


def _csv_text(path: Path) -> str:
    return csv_text(
        path, error=AnalysisInputError, max_bytes=MAX_CSV_BYTES, expected="a header `transcript_id,text`"
    )


def _header(path: Path, header: list[str]) -> tuple[int, int, list[tuple[int, str]]]:
    """Positions of the id and text columns and the (position, name) of every extra (group) column."""
    columns = [h.strip() for h in header]
    lower = [c.lower() for c in columns]
    id_at = next((lower.index(c) for c in ID_COLUMNS if c in lower), None)
    if id_at is None or "text" not in lower:
        raise AnalysisInputError(
            f"{printable(path)}:1: the header must name `transcript_id` and `text` (the Anthropic Interviewer dataset "
            f"layout); found {', '.join(columns) or 'nothing'}"
        )
    text_at = lower.index("text")
    extra = [(i, c) for i, c in enumerate(columns) if i not in (id_at, text_at) and c]
    return id_at, text_at, extra


def read_csv(path: Path) -> Corpus:
    """Docs from a `transcript_id,text[,group columns...]` CSV; malformed rows are skipped and listed."""
    text = _csv_text(path)
    csv.field_size_limit(sys.maxsize)  # a long interview is one very large quoted field
    # strict, as `interviewer import` reads: a quote left open is an error on its line, not a field that
    # swallows the rows after it (which then surface as dozens of misleading "expected 2 columns")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise AnalysisInputError(f"{printable(path)}:1: unreadable CSV header ({exc})") from None
    id_at, text_at, extra = _header(path, header)
    docs: list[Doc] = []
    problems: list[str] = []
    seen: set[str] = set()
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                f"{printable(path)}:{start}: unreadable CSV ({exc}); the rest of the file was skipped"
            )
            break
        line, start = start, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append(f"{printable(path)}:{line}: expected {len(header)} columns, found {len(values)}")
            continue
        code = values[id_at].strip()
        if not code:
            problems.append(f"{printable(path)}:{line}: the transcript_id is empty")
            continue
        if code in seen:
            problems.append(
                f"{printable(path)}:{line}: transcript_id {code!r} appears twice; the later row was skipped"
            )
            continue
        try:
            turns = [(role, visible_text(said)) for role, said in parse_transcript(values[text_at])]
        except ValueError as exc:
            problems.append(f"{printable(path)}:{line} ({printable(code)}): {exc}")
            continue
        seen.add(code)
        group = {name: values[i].strip() for i, name in extra if values[i].strip()}
        docs.append(Doc(code=code, group=group, segments=segments(code, turns)))
    return _checked(Corpus(name=path.stem, docs=docs, problems=problems), printable(path))


def _checked(corpus: Corpus, where: str) -> Corpus:
    """Drop interviews without a single answer; refuse a corpus with nothing left to analyse."""
    empty = [d.code for d in corpus.docs if not d.segments]
    if empty:
        corpus.problems.append(
            f"{where}: {len(empty)} interview(s) have no participant answer and were left out "
            f"(e.g. {', '.join(empty[:3])})"
        )
        corpus.docs = [d for d in corpus.docs if d.segments]
    if not corpus.docs:
        detail = f"; first problem: {corpus.problems[0]}" if corpus.problems else ""
        raise AnalysisInputError(f"{where}: no interview with participant answers to analyse{detail}")
    return corpus


# ---- a study in the database --------------------------------------------------------------------------


async def read_study(
    settings: Settings, study_id: str, *, include_pilot: bool = False, study_paths: list[Path] | None = None
) -> Corpus:
    """Docs for the study's completed, consented, non-withdrawn interviews (not redacted: quoting redacts).
    `study_paths`: the study files to load (default: every file of `STUDIES_DIR`)."""
    from bot.interviewer.scripted import OfflineInterviewer
    from bot.records.export import ExportFilter, records
    from bot.runtime import Runtime

    runtime = await Runtime.start(settings, interviewer=OfflineInterviewer(), study_paths=study_paths)
    try:
        study = runtime.catalog.get(study_id)
        if study is None:
            known = ", ".join(runtime.catalog.ids()) or "none"
            raise AnalysisInputError(
                f"there is no study {study_id!r} (known: {known}); give a study id or a path ending in .csv"
            )
        group_question = next((q.id for q in study.screening if q.group), None)
        flt = ExportFilter(study_id, group_question=group_question, include_pilot=include_pilot)
        docs = []
        async for record in records(runtime.store, flt, redacted=False):
            turns = [(t["role"], t["text"]) for t in record.turns]
            docs.append(
                Doc(
                    code=record.participant,
                    group=dict(record.screening),
                    survey=dict(record.survey),
                    segments=segments(record.participant, turns),
                )
            )
    finally:
        await runtime.close()
    if not docs:
        raise AnalysisInputError(
            f"study {study_id!r} has no completed, consented interview to analyse yet (pilot and "
            "withdrawn interviews are never analysed); run interviews first, or import transcripts with "
            f"`interviewer import FILE.csv --study {study_id}`"
        )
    return _checked(Corpus(name=study_id, docs=docs, study=study), f"study {study_id!r}")


def group_fields(docs: list[Doc]) -> list[str]:
    """Every group field some doc has, for error messages about `--by`."""
    return sorted({k for d in docs for k in d.group})
