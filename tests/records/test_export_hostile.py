"""Exports with nothing raw in them: a study seeded with hostile transcript ids (an e-mail address, a
path, a spreadsheet formula) and hostile answers is exported in all four formats, and every byte of
every file is checked: no raw id, no live formula in a CSV cell, no file name outside the zip, and the
same fields in every format that carries them."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from bot.records.export import FORMATS, ExportFilter, export
from bot.records.formats import CSV_META
from bot.records.importer import import_csv
from bot.storage.models import Interview, ScreeningAnswer, SurveyAnswer
from tests.support.helpers import import_target, settings_for, start_runtime

HOSTILE_IDS = ["jane.doe@example.com", "=cmd|' /C calc'!A0", "../../etc/passwd", "+4412345678"]
HOSTILE_VALUES = ['=HYPERLINK("http://x")', "+SUM(1,2)", "-2+3", "@SUM(A1)", "\tindent", "\rreturn"]
TRANSCRIPT = (
    "Assistant: How do you use AI at work?\n\n"
    "User: =1+1 is what I type first; mail me at jane.doe@example.com.\n\n"
    "AI: Thank you."
)


def _csv_file(path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["transcript_id", "text"])
    for transcript_id in HOSTILE_IDS:
        writer.writerow([transcript_id, TRANSCRIPT])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _contents(path: Path) -> dict[str, bytes]:
    """Every file's bytes: the file itself, or each member of a zip (named by its member name)."""
    if not zipfile.is_zipfile(path):
        return {path.name: path.read_bytes()}
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.fixture
async def exported(sqlite_url: str, study_dir: Path, tmp_path: Path) -> dict[str, Path]:
    async with start_runtime(settings_for(sqlite_url, study_dir)) as runtime:
        report = await import_csv(runtime.store, _csv_file(tmp_path / "in.csv"), import_target(runtime))
        assert report.imported == len(HOSTILE_IDS)
        async with runtime.store.session() as s:
            for n, interview in enumerate((await s.exec(select(Interview))).all()):
                value = HOSTILE_VALUES[n % len(HOSTILE_VALUES)]
                s.add(ScreeningAnswer(interview_id=interview.id or 0, question_id="role", value=value))
                s.add(
                    SurveyAnswer(interview_id=interview.id or 0, item_id="comments", value=HOSTILE_VALUES[-n])
                )
        out = {}
        for fmt in FORMATS:
            out[fmt] = tmp_path / f"export.{fmt}"
            result = await export(
                runtime.store, ExportFilter("pilot-study", group_question="role"), fmt, out[fmt]
            )
            assert result.interviews == len(HOSTILE_IDS)
        return out


def test_no_raw_id_or_identifier_reaches_any_format(exported: dict[str, Path]) -> None:
    for fmt, path in exported.items():
        for name, data in _contents(path).items():
            for raw in [*HOSTILE_IDS, "jane.doe", "etc/passwd"]:
                assert raw.encode() not in data, f"{fmt}: {name} holds {raw!r}"
                assert raw not in name, f"{fmt}: a file is named after {raw!r}"
            assert not name.startswith(("/", "..")) and "/../" not in name


def test_every_csv_cell_is_safe_from_spreadsheet_formulas(exported: dict[str, Path]) -> None:
    with exported["csv"].open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    answers = {cell for row in rows[1:] for cell in row[2 + len(CSV_META) + 2 :]}
    assert '\'=HYPERLINK("http://x")' in answers and "'\tindent" in answers, "neutralised, not dropped"


def test_the_formats_carry_the_same_fields(exported: dict[str, Path]) -> None:
    [jsonl] = _contents(exported["jsonl"]).values()
    records = [json.loads(line) for line in jsonl.decode().splitlines()]
    with exported["csv"].open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    markdown = b"\n".join(_contents(exported["markdown"]).values()).decode()
    assert [r["participant"] for r in records] == [r["transcript_id"] for r in rows]
    for record, row in zip(records, rows, strict=True):
        assert record["participant"].startswith("P-") and record["state"] == row["state"] == "completed"
        assert (
            row["study_version"] == str(record["study_version"]) and row["plan_hash"] == record["plan_hash"]
        )
        assert row["consent_participation"] == "true" and row["consent_release"] == "false"
        assert row["role"].lstrip("'") == record["screening"]["role"]
        assert row["survey:comments"].lstrip("'") == record["survey"]["comments"]
        assert f"# Interview {record['participant']}" in markdown
        assert f"- Screening `role`: {record['screening']['role']}" in markdown
        assert "[EMAIL]" in row["text"] and "[EMAIL]" in json.dumps(record)
    assert "Consent to take part: yes" in markdown
