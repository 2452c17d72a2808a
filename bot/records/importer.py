"""Import transcripts in the Anthropic Interviewer dataset layout (`transcript_id,text`) into a study.

Each good row becomes a completed interview of an `import:<study>` participant. The transcript id is
kept only in the participant row (to recognise the same transcript when a file is imported again);
the interview's code is a keyed pseudonym of it, like a platform participant's, so an e-mail address or
a name used as an id never reaches an export. Malformed rows are reported by line number and the rest
still go in. Imported interviews
carry a participation consent record marked `imported` (whoever gathered them obtained it) and no
consent to public release.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.interview.normalize import normalize_text
from bot.messages import Address, utcnow
from bot.records.pseudonym import Pseudonyms
from bot.storage import Store
from bot.storage.models import ConsentRecord, Interview, Participant, Turn
from bot.text_files import printable, read_text

PLATFORM = "import"
BATCH = 200
MAX_IMPORT_BYTES = 2 * 2**30
# The longest text one row may hold. A long interview transcript runs to a few hundred thousand characters;
# a field ten times that is a file whose quotes went wrong or not a transcript at all, and would be stored,
# exported and analysed whole. Such a row is refused by its line, and the good rows are imported.
MAX_TRANSCRIPT_CHARS = 2_000_000
DUPLICATES = ("report", "first", "last")  # what to do with a transcript id that has several texts
MARKER = re.compile(r"^(Assistant|AI|User):[ \t]?", re.MULTILINE)
ROLES = {"Assistant": "interviewer", "AI": "interviewer", "User": "participant"}
INLINE_USER = re.compile(r"\bUser:")


def parse_transcript(text: str) -> list[tuple[str, str]]:
    """(role, text) turns of a dataset transcript. Raises ValueError when text precedes the first turn, or
    when the participant's turns are marked only inside lines."""
    marks = list(MARKER.finditer(text))
    if not marks:
        raise ValueError("no turn starts with 'Assistant:', 'AI:' or 'User:' at the start of a line")
    if text[: marks[0].start()].strip():
        raise ValueError("text before the first 'Assistant:'/'AI:'/'User:' turn")
    turns = []
    for n, m in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        turns.append((ROLES[m.group(1)], text[m.end() : end].strip()))
    if not any(role == "participant" for role, _ in turns) and INLINE_USER.search(text):
        # "AI: Hello. User: Hi" on one line would read as one interviewer turn and no answer
        raise ValueError(
            "'User:' appears only inside a line, so no answer was found; start each turn on a new line "
            "with 'User:' (the participant) or 'AI:'/'Assistant:' (the interviewer)"
        )
    return turns


@dataclass
class ImportReport:
    imported: int = 0
    skipped: int = 0  # already imported earlier
    repeated: int = 0  # rows that repeat an earlier row of the file exactly
    chose_between: int = 0  # transcript ids with several texts, of which --duplicates chose one
    problems: list[str] = field(default_factory=list)  # "line N: what is wrong"
    other_columns: list[str] = field(default_factory=list)  # header names read past (only the two are)


@dataclass(frozen=True)
class DatasetRow:
    line: int
    transcript_id: str
    turns: list[tuple[str, str]]


def _read_rows(path: Path, report: ImportReport) -> Iterator[tuple[int, str, str]]:
    """(line, transcript_id, text) of every well-formed row; malformed ones go to `report.problems`."""
    text = read_text(path, max_bytes=MAX_IMPORT_BYTES, what="a CSV file with a header `transcript_id,text`")
    csv.field_size_limit(sys.maxsize)  # a long interview is one very large quoted field
    # strict: a quote left open is an error, not a field that swallows the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        report.problems.append("line 1: the file is empty; expected a header `transcript_id,text`")
        return
    except csv.Error as exc:
        report.problems.append(f"line 1: unreadable CSV ({exc})")
        return
    columns = [h.strip().lower() for h in header]
    if "transcript_id" not in columns or "text" not in columns:
        report.problems.append(
            f"line 1: header must name `transcript_id` and `text`, found {header[:5]!r:.200}"
        )
        return
    twice = [name for name in ("transcript_id", "text") if columns.count(name) > 1]
    if twice:  # which one holds the interview? Reading either would drop the other without a word
        report.problems.append(f"line 1: the header names `{twice[0]}` twice; keep one such column")
        return
    id_at, text_at = columns.index("transcript_id"), columns.index("text")
    report.other_columns = [
        name.strip() for name in header if name.strip().lower() not in ("transcript_id", "text")
    ]
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.problems.append(f"line {start}: unreadable CSV ({exc}); the rest of the file was skipped")
            return
        line, start = start, reader.line_num + 1
        if not values or not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            report.problems.append(f"line {line}: expected {len(columns)} columns, found {len(values)}")
            continue
        transcript_id = values[id_at].strip()
        if not transcript_id or len(transcript_id) > 32:
            report.problems.append(f"line {line}: transcript_id must be 1-32 characters")
            continue
        if len(values[text_at]) > MAX_TRANSCRIPT_CHARS:
            report.problems.append(
                f"line {line} ({printable(transcript_id)}): the text has {len(values[text_at]):,} characters, "
                f"over the {MAX_TRANSCRIPT_CHARS:,}-character limit for one transcript; check the quotes of the rows "
                "above it, or split the interview"
            )
            continue
        yield line, transcript_id, values[text_at]


@dataclass(frozen=True)
class Target:
    """Where imported transcripts go: a study at one plan version, with the instance's pseudonyms."""

    study_id: str
    version: int
    plan_hash: str
    pseudonyms: Pseudonyms

    def code(self, transcript_id: str) -> str:
        return self.pseudonyms.code(self.study_id, Address(PLATFORM, self.study_id, transcript_id))


def _chosen(
    rows: list[tuple[int, str, str]], duplicates: str, report: ImportReport
) -> list[tuple[int, str, str]]:
    """One row per transcript id. A repeat with the same text is dropped quietly; rows of one id with
    different texts are kept as `duplicates` says: `first`, `last`, or (`report`) none, each reported."""
    by_id: dict[str, list[tuple[int, str, str]]] = {}
    for row in rows:
        by_id.setdefault(row[1], []).append(row)
    chosen = []
    for transcript_id, same in by_id.items():
        texts = {text for _, _, text in same}
        if len(texts) == 1:
            report.repeated += len(same) - 1
            chosen.append(same[0])
            continue
        lines = ", ".join(str(line) for line, _, _ in same)
        if duplicates == "report":
            report.problems.append(
                f"lines {lines}: transcript_id {transcript_id!r} has {len(texts)} different texts; none "
                "was imported (choose one with --duplicates first or --duplicates last)"
            )
            continue
        report.chose_between += 1
        chosen.append(same[0] if duplicates == "first" else same[-1])
    return sorted(chosen)


def dataset_rows(path: Path, report: ImportReport, duplicates: str = "report") -> Iterator[DatasetRow]:
    """The rows to import, in file order; see `_chosen` for transcript ids that appear more than once."""
    if duplicates not in DUPLICATES:
        raise ValueError(f"--duplicates {duplicates!r}: use one of {', '.join(DUPLICATES)}")
    for line, transcript_id, text in _chosen(list(_read_rows(path, report)), duplicates, report):
        try:
            turns = parse_transcript(text)
        except ValueError as exc:
            report.problems.append(f"line {line} ({printable(transcript_id)}): {exc}")
            continue
        yield DatasetRow(line, transcript_id, turns)


async def import_csv(
    store: Store, path: Path, target: Target, duplicates: str = "report", report: ImportReport | None = None
) -> ImportReport:
    """Read `path` into the target study; importing the same file twice adds nothing. `report` counts as
    it goes (each batch is committed on its own), so an interrupted import can say how far it got."""
    report = report if report is not None else ImportReport()
    batch: list[DatasetRow] = []
    for row in dataset_rows(path, report, duplicates):
        batch.append(row)
        if len(batch) >= BATCH:
            await _store(store, batch, target, report)
            batch = []
    if batch:
        await _store(store, batch, target, report)
    report.problems.sort(key=lambda problem: int(re.findall(r"\d+", problem)[0]))  # in file order
    return report


async def _recode(s: AsyncSession, participant: Participant, target: Target) -> None:
    """Interviews imported before ids were pseudonymised carry the raw id as their code: replace it."""
    await s.exec(
        update(Interview)
        .where(
            col(Interview.participant_id) == participant.id,
            col(Interview.participant_code) == participant.user_id,
        )
        .values(participant_code=target.code(participant.user_id))
    )


async def _store(store: Store, rows: list[DatasetRow], target: Target, report: ImportReport) -> None:
    study_id, version, plan_hash = target.study_id, target.version, target.plan_hash
    now = utcnow()
    async with store.session() as s:
        known = {
            p.user_id: p
            for p in (
                await s.exec(
                    select(Participant).where(
                        Participant.platform == PLATFORM,
                        Participant.workspace == study_id,
                        col(Participant.user_id).in_([r.transcript_id for r in rows]),
                    )
                )
            ).all()
        }
        for row in rows:
            if row.transcript_id in known:
                await _recode(s, known[row.transcript_id], target)
                report.skipped += 1
                continue
            participant = Participant(platform=PLATFORM, workspace=study_id, user_id=row.transcript_id)
            s.add(participant)
            await s.flush()
            known[row.transcript_id] = participant
            interview = Interview(
                participant_id=participant.id or 0,
                study_id=study_id,
                study_version=version,
                plan_hash=plan_hash,
                participant_code=target.code(row.transcript_id),
                state="completed",
                interviewer="imported",
                created_at=now,
                updated_at=now,
                completed_at=now,
            )
            s.add(interview)
            await s.flush()
            s.add(
                ConsentRecord(
                    interview_id=interview.id or 0, kind="participation", granted=True, text_hash="imported"
                )
            )
            for seq, (role, text) in enumerate(row.turns, start=1):
                # the normal form platform messages get (no control or invisible format characters)
                clean = normalize_text(text).text
                s.add(Turn(interview_id=interview.id or 0, seq=seq, role=role, text=clean, created_at=now))
            report.imported += 1
