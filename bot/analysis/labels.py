"""Label files: hand-coded gold subsets and coded tables, read and written as CSV.

Two layouts are accepted. A wide label file has an id column (`transcript_id` or `interview`) and one
0/1 column per code; a blank cell means "not coded" and is skipped. The long codes table the report
writes (`codes.csv`: interview, code, present, score, evidence, source) holds one row per interview and
code. Both are read into `{interview: {code: present}}`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from bot.analysis.files import csv_text
from bot.analysis.tables import safe, unsafe
from bot.errors import LabelFileError
from bot.text_files import printable, write_text_atomic

ID_COLUMNS = ("transcript_id", "interview")
CODED_COLUMNS = ("interview", "code", "present")
TRUE = frozenset({"1", "true", "yes", "y", "t"})
FALSE = frozenset({"0", "false", "no", "n", "f"})
MAX_BYTES = 200 * 1024 * 1024  # far above any real label file; refuses a wrong file before reading it

Labels = dict[str, dict[str, bool]]
GOLD_NOTE_START = "The gold file"  # notes about the gold file that the command also prints
SHOWN_CELL = 40  # a cell longer than this is not quoted in an error: it may be a participant's words


def _text(path: Path) -> str:
    return csv_text(
        path,
        error=LabelFileError,
        max_bytes=MAX_BYTES,
        expected="a header such as `transcript_id,<code>,...`",
    )


def _rows(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every non-blank row, header included."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LabelFileError(
                f"{printable(path)}:{start}: unreadable CSV ({exc}); check the quotes on that line"
            ) from None
        line, start = start, reader.line_num + 1
        if any(c.strip() for c in cells):
            yield line, cells


def _value(path: Path, line: int, column: str, cell: str) -> bool | None:
    """A 0/1 cell as a bool; None for a blank (not coded)."""
    value = cell.strip().lower()
    if not value:
        return None
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    if len(value) > SHOWN_CELL:
        raise LabelFileError(
            f"{printable(path)}:{line}: column {column!r} holds a text of {len(value)} characters, not 0 or 1; "
            "is this a transcript file? Give a gold or codes file: an id column and one 0/1 column per code"
        )
    raise LabelFileError(
        f"{printable(path)}:{line}: column {column!r} has {cell.strip()!r}; use 1 (present) or 0 (absent), "
        "or leave the cell blank if it was not coded"
    )


def _header(path: Path, rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    try:
        _, header = next(rows)
    except StopIteration:
        raise LabelFileError(
            f"{printable(path)}: has no header; expected `transcript_id,<code>,...`"
        ) from None
    return [h.strip() for h in header]


def _id_column(path: Path, header: list[str]) -> int:
    lowered = [h.lower() for h in header]
    for name in ID_COLUMNS:
        if name in lowered:
            return lowered.index(name)
    raise LabelFileError(
        f"{printable(path)}:1: no id column; the first row must name `transcript_id` (or `interview`), "
        f"found {', '.join(repr(h) for h in header)}"
    )


def _cells(path: Path, line: int, cells: list[str], width: int) -> list[str]:
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        raise LabelFileError(
            f"{printable(path)}:{line}: {len(cells)} cells but the header names {width} columns; "
            "remove the extra cells or add a column name"
        )
    if len(cells) < width:  # a spreadsheet writes every column, blank or not: this row was cut short
        raise LabelFileError(
            f"{printable(path)}:{line}: {len(cells)} cells but the header names {width} columns; the row is cut "
            "short (an interrupted copy?): leave a cell blank for an uncoded code, but keep its comma"
        )
    return cells[:width]


def read_labels(path: Path, *, blank_ok: bool = False) -> Labels:
    """A wide label CSV: an id column, then one 0/1 column per code. A file whose every code cell is
    blank holds no label and is refused, unless `blank_ok` (a hand-coding sitting that only skipped)."""
    path = Path(path)
    rows = _rows(path, _text(path))
    header = _header(path, rows)
    id_at = _id_column(path, header)
    codes = [(i, h) for i, h in enumerate(header) if i != id_at]
    for i, name in codes:
        if not name:
            raise LabelFileError(
                f"{printable(path)}:1: column {i + 1} has no name; give every code column its code id"
            )
        if not name.isprintable():  # it is shown in tables and reports: a code id is a plain slug
            raise LabelFileError(
                f"{printable(path)}:1: column {i + 1}'s name {name[:40]!r} holds control characters; name "
                "the column after its code id"
            )
    names = [h for _, h in codes]
    if not names:
        raise LabelFileError(f"{printable(path)}:1: only an id column; add one 0/1 column per code")
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise LabelFileError(
            f"{printable(path)}:1: column {twice[0]!r} appears twice; keep one column per code"
        )
    labels: Labels = {}
    first_line: dict[str, int] = {}
    for line, raw in rows:
        cells = _cells(path, line, raw, len(header))
        interview = unsafe(cells[id_at].strip())
        if not interview:
            raise LabelFileError(
                f"{printable(path)}:{line}: the id column is blank; fill in the interview id"
            )
        if interview in labels:
            raise LabelFileError(
                f"{printable(path)}:{line}: {interview!r} is listed again (first on line {first_line[interview]}); "
                "keep one row per interview"
            )
        first_line[interview] = line
        values = {name: _value(path, line, name, cells[i]) for i, name in codes}
        labels[interview] = {name: v for name, v in values.items() if v is not None}
    if not labels:
        raise LabelFileError(
            f"{printable(path)}: has a header but no rows; add one row per hand-coded interview"
        )
    if not blank_ok and not any(labels.values()):
        raise LabelFileError(
            f"{printable(path)}: every code cell is blank, so no interview is coded; write 1 (present) or 0 (absent) "
            "in the cells (with `codebook label`, answer y or n rather than s)"
        )
    return labels


def read_coded(path: Path, *, gold_rows: bool = False) -> Labels:
    """The report's long codes table (`codes.csv`): one row per interview and code.

    Rows with `source` gold are the hand-coded labels copied into the table; they are left out unless
    `gold_rows`, because comparing them with the gold file would only compare the file with itself.
    """
    path = Path(path)
    rows = _rows(path, _text(path))
    header = _header(path, rows)
    lowered = [h.lower() for h in header]
    missing = [c for c in CODED_COLUMNS if c not in lowered]
    if missing:
        raise LabelFileError(
            f"{printable(path)}:1: a codes table needs the columns {', '.join(CODED_COLUMNS)}; "
            f"missing {', '.join(missing)}"
        )
    at = {c: lowered.index(c) for c in CODED_COLUMNS}
    source_at = lowered.index("source") if "source" in lowered else None
    labels: Labels = {}
    skipped = 0
    for line, raw in rows:
        cells = _cells(path, line, raw, len(header))
        if not gold_rows and source_at is not None and cells[source_at].strip().lower() == "gold":
            skipped += 1
            continue
        interview, code = unsafe(cells[at["interview"]].strip()), cells[at["code"]].strip()
        if not interview or not code:
            raise LabelFileError(f"{printable(path)}:{line}: interview and code must both be filled in")
        present = _value(path, line, "present", cells[at["present"]])
        if present is None:
            continue
        if code in labels.get(interview, {}):
            raise LabelFileError(
                f"{printable(path)}:{line}: {interview!r} has code {code!r} twice; keep one row per interview and code"
            )
        labels.setdefault(interview, {})[code] = present
    if not labels:
        why = (
            f" ({skipped} row(s) with source gold are the hand-coded labels and are left out)"
            if skipped
            else ""
        )
        raise LabelFileError(f"{printable(path)}: has a header but no coded rows{why}")
    return labels


def is_coded_table(path: Path) -> bool:
    """True for the long codes table (its header has `code` and `present`), False for a wide label file."""
    path = Path(path)
    lowered = {h.lower() for h in _header(path, _rows(path, _text(path)))}
    return {"code", "present"} <= lowered


def read_any(path: Path, *, gold_rows: bool = False) -> Labels:
    """Either layout, told apart by the header."""
    return read_coded(path, gold_rows=gold_rows) if is_coded_table(path) else read_labels(path)


def write_labels(path: Path, labels: Labels, codes: list[str]) -> None:
    """A wide label CSV that `read_labels` reads back; codes an interview lacks are left blank."""
    out = io.StringIO()  # written in one step: a full disk leaves the previous file whole
    writer = csv.writer(out)
    writer.writerow(["transcript_id", *codes])
    for interview in sorted(labels):
        row = labels[interview]
        writer.writerow([safe(interview), *("" if c not in row else int(row[c]) for c in codes)])
    write_text_atomic(Path(path), out.getvalue())
