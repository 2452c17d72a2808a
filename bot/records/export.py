"""Transcript export: stream a study's consented interviews from the database in pages into a file.

Formats: `jsonl` (everything, one interview a line, with each turn's bookkeeping), `csv` (the public
Anthropic Interviewer dataset layout, `transcript_id,text`, then the interview's attributes, consent and
answers, every cell neutralised against spreadsheet formulas), `markdown` (a zip of one file per
interview, attributes and answers on top; one document holding them all when the file's name ends in
`.md`) and `qdpx` (a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA:
the transcripts; docs/export.md says why attributes are left to the CSV). Only interviews whose participant consented leave the database; withdrawn ones never do;
participants appear by their per-study code, and text is redacted unless the caller turns that off.
A file appears under its name only complete: it is written beside it under a temporary name, then renamed.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.records.formats import WRITERS, Columns, Record, write_csv, write_markdown_document, write_qdpx
from bot.records.redact import preload, redact
from bot.storage import Store
from bot.storage.models import (
    ConsentRecord,
    Interview,
    Participant,
    ScreeningAnswer,
    SurveyAnswer,
    Turn,
    table_of,
)

FORMATS = ("jsonl", "csv", "markdown", "qdpx")
SUFFIX = {"jsonl": "jsonl", "csv": "csv", "markdown": "zip", "qdpx": "qdpx"}
PAGE = 200
PART = ".part"  # an export being written: `.<name>.<random>.part` beside the file it will become
DOCUMENT_SUFFIXES = (".md", ".markdown")  # a markdown export to such a name is one file, not a zip


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


@dataclass(frozen=True)
class ExportResult:
    path: Path
    interviews: int
    format: str
    bytes: int | None = None  # None when written to a pipe or a device


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
            page = await _page(s, [i.id for i in interviews if i.id is not None], clean)
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
                group=page.screening[i.id].get(flt.group_question or "") if flt.group_question else None,
                screening=page.screening[i.id],
                survey=page.survey[i.id],
                consent={
                    "participation": page.consent[i.id].get("participation", False),
                    "release": page.consent[i.id].get("release", False),
                },
                turns=page.turns[i.id],
            )
        after = interviews[-1].id or after


@dataclass
class _Page:
    """What a page of interviews holds besides the interview rows, by interview id."""

    turns: dict[int, list[dict[str, Any]]]
    screening: dict[int, dict[str, str]]
    survey: dict[int, dict[str, str]]
    consent: dict[int, dict[str, bool]]


async def _page(s: AsyncSession, ids: list[int], clean: Callable[[str], str]) -> _Page:
    # Plain column rows, not ORM objects: building objects was most of an unredacted export's time.
    page = _Page({i: [] for i in ids}, {i: {} for i in ids}, {i: {} for i in ids}, {i: {} for i in ids})
    for row in await s.exec(
        select(*TURN_COLUMNS)
        .where(col(Turn.interview_id).in_(ids))
        .order_by(col(Turn.interview_id), col(Turn.seq))
    ):
        page.turns[row[0]].append(_turn(row, clean))
    for iid, key, value in await s.exec(
        select(ScreeningAnswer.interview_id, ScreeningAnswer.question_id, ScreeningAnswer.value).where(
            col(ScreeningAnswer.interview_id).in_(ids)
        )
    ):
        page.screening[iid][key] = clean(value)
    for iid, key, value in await s.exec(
        select(SurveyAnswer.interview_id, SurveyAnswer.item_id, SurveyAnswer.value).where(
            col(SurveyAnswer.interview_id).in_(ids)
        )
    ):
        page.survey[iid][key] = clean(value)
    for iid, kind, granted in await s.exec(
        select(ConsentRecord.interview_id, ConsentRecord.kind, ConsentRecord.granted).where(
            col(ConsentRecord.interview_id).in_(ids)
        )
    ):
        page.consent[iid][kind] = bool(granted)
    return page


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
TURN_COLUMNS = [table_of(Turn).c.interview_id] + [table_of(Turn).c[name] for name in TURN_FIELDS]


def _turn(row: Any, clean: Callable[[str], str]) -> dict[str, Any]:
    turn = dict(zip(TURN_FIELDS, row[1:], strict=True))
    turn["text"] = clean(turn["text"])
    turn["at"] = _iso(turn.pop("created_at"))
    return turn


# ---- text renderings -------------------------------------------------------------------------------


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
    store: Store,
    flt: ExportFilter,
    fmt: str,
    out: Path,
    *,
    redacted: bool = True,
    confirm: Callable[[ExportResult], Awaitable[None]] | None = None,
) -> ExportResult:
    """Write the filtered interviews of one study to `out` in `fmt`.

    The file is written beside `out` under a temporary name and takes the name `out` only once it is
    complete and `confirm` (the caller's audit entry, say) has accepted it; on any failure the temporary
    file is removed and whatever was at `out` stays as it was. A file error names `out`. A pipe or a
    device (`/dev/stdout`) is written to directly."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    with _naming(out):  # a folder or an unusable name is refused before the names index is built
        dest = _destination(out)
        if dest is not None and not dest.parent.is_dir():
            if dest.parent.exists():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
        if dest is not None and not os.access(dest.parent, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    if redacted:  # the names index is read (or built once) off the event loop
        await asyncio.to_thread(preload)
    # what a name ending in .md promises, and what a terminal or a pipe can show: Markdown to read, not a
    # zip under that name or as bytes on a screen
    to_read = dest is None or out.suffix.lower() in DOCUMENT_SUFFIXES
    layout = "markdown-document" if fmt == "markdown" and to_read else fmt
    if dest is None:  # a pipe or a device (/dev/stdout): written as it comes, nothing to keep
        with _naming(out):
            result = ExportResult(out, await _write(store, flt, layout, out, redacted), fmt)
        if confirm is not None:
            await confirm(result)
        return result
    with _naming(out):
        part = _reserve(dest)
    try:
        with _naming(out):
            count = await _write(store, flt, layout, part, redacted)
            size = await asyncio.to_thread(_flush, part)
        result = ExportResult(out, count, fmt, size)
        if confirm is not None:
            await confirm(result)
        with _naming(out):
            os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return result


async def _write(store: Store, flt: ExportFilter, layout: str, out: Path, redacted: bool) -> int:
    """Write in `layout`: a format, or "markdown-document" (the markdown format as one file)."""
    rows = records(store, flt, redacted=redacted)
    if layout == "qdpx":
        return await write_qdpx(rows, out, project=flt.study_id)
    if layout == "csv":
        return await write_csv(rows, out, await answer_columns(store, flt.study_id))
    if layout == "markdown-document":
        return await write_markdown_document(rows, out)
    return await WRITERS[layout](rows, out)


def _destination(out: Path) -> Path | None:
    """The file to replace: `out`, or the file a symbolic link `out` points to (the link stays); None
    for a pipe or a device such as /dev/stdout. A folder is refused."""
    if out.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
    if out.exists() and not out.is_file():
        return None
    return Path(os.path.realpath(out))


def _reserve(out: Path) -> Path:
    """A new empty file in `out`'s folder (so that renaming it to `out` is atomic), with the permissions
    of the file it will replace, or those a file created at `out` gets."""
    while True:
        part = out.with_name(f".{out.name}.{secrets.token_hex(4)}{PART}")
        try:
            os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        try:
            if out.is_file():
                shutil.copymode(out, part)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return part


def _flush(part: Path) -> int:
    """Make sure the finished file is on disk (a full disk may show only now); its size in bytes."""
    fd = os.open(part, os.O_RDONLY)
    try:
        os.fsync(fd)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


@contextmanager
def _naming(out: Path) -> Iterator[None]:
    """A file error about the temporary file, or about no file in particular (a full disk), names `out`:
    the path the researcher gave."""
    try:
        yield
    except OSError as exc:
        if not isinstance(exc, ConnectionError) and (
            exc.filename is None or str(exc.filename).endswith(PART)
        ):
            exc.filename, exc.filename2 = str(out), None
        raise


def default_name(study_id: str, fmt: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{study_id}-{stamp}.{SUFFIX[fmt]}"
