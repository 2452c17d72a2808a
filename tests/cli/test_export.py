"""`interviewer export / import / audit` as a user runs them (a real subprocess)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.support.cli import run


def test_export_import_and_audit_from_the_command_line(tmp_path: Path) -> None:
    assert run(["demo", "--study", "ai-at-work"], tmp_path).returncode == 0
    result = run(["export", "ai-at-work", "--format", "csv", "--out", "t.csv"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 interview(s) written to t.csv" in result.stdout
    with (tmp_path / "t.csv").open(newline="") as f:
        [header, row] = list(csv.reader(f))
    assert header[:2] == ["transcript_id", "text"] and row[1].startswith("Assistant: ")

    bad = tmp_path / "bad.csv"
    padding = "," * (len(header) - 2)
    bad.write_text((tmp_path / "t.csv").read_text() + f'broken,"no turns"{padding}\n', encoding="utf-8")
    result = run(["import", str(bad), "--study", "teachers"], tmp_path)
    assert result.returncode == 1 and "imported 1 transcript(s) into teachers" in result.stdout
    assert "no turn starts" in result.stderr and ":line " in result.stderr

    result = run(["export", "teachers", "-f", "jsonl", "-o", "t.jsonl", "--no-redact"], tmp_path)
    [record] = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert record["state"] == "completed" and record["participant"].startswith("P-")
    assert record["participant"] != row[0], "an imported id is pseudonymised again, like a platform id"

    audit = run(["audit", "ai-at-work"], tmp_path).stdout
    assert "export  ok" in audit and "format=csv" in audit and "redacted=True" in audit
    assert "include_pilot=False" in audit, "every option is recorded"
    assert "redacted=False" in run(["audit", "teachers"], tmp_path).stdout
    assert run(["export", "nope"], tmp_path).returncode == 2


@pytest.mark.long
def test_export_by_group_takes_an_answer_of_the_group_question_and_names_them_otherwise(
    tmp_path: Path,
) -> None:
    from bot.studies.study import load_study
    from tests.support.paths import STUDIES

    question = next(q for q in load_study(STUDIES / "ai-at-work.yaml").screening if q.group)
    assert run(["demo", "--study", "ai-at-work"], tmp_path).returncode == 0
    written = []
    for option in question.options:
        result = run(["export", "ai-at-work", "--group", option, "--out", "g.jsonl", "--force"], tmp_path)
        assert result.returncode == 0, result.stderr
        written.append(len((tmp_path / "g.jsonl").read_text().splitlines()))
    assert sorted(written)[-1] == 1 and sum(written) == 1  # the demo participant is in exactly one group
    wrong = run(["export", "ai-at-work", "--group", "Nope", "--out", "n.jsonl"], tmp_path)
    assert wrong.returncode == 2 and question.options[0] in wrong.stderr and "give one of" in wrong.stderr
    assert not (tmp_path / "n.jsonl").exists()


def test_markdown_export_to_a_name_ending_in_md_is_one_markdown_file(tmp_path: Path) -> None:
    """A zip under the name t.md, or on a terminal, would show as garbage: a .md name and standard
    output get one document with every interview, any other name the zip of one file per interview."""
    import zipfile

    for _ in range(2):
        assert run(["demo", "--study", "teachers"], tmp_path).returncode == 0
    result = run(["export", "teachers", "-f", "markdown", "-o", "t.md"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2 interview(s) written to t.md\n"
    assert not zipfile.is_zipfile(tmp_path / "t.md")
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("# ")]
    assert len(headings) == 2 and all(h.startswith("# Interview P-") for h in headings)
    assert text.count("\n---\n") == 1 and text.count("## Transcript") == 2

    shown = run(["export", "teachers", "-f", "markdown", "-o", "-"], tmp_path)  # a pipe here
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == text, "standard output gets the document, never a zip's bytes"
    assert shown.stderr == "2 interview(s) written to standard output\n"

    zipped = run(["export", "teachers", "-f", "markdown", "-o", "t.zip"], tmp_path)
    assert zipped.returncode == 0, zipped.stderr
    with zipfile.ZipFile(tmp_path / "t.zip") as z:
        files = {name: z.read(name).decode() for name in z.namelist()}
    assert sorted(f"# Interview {name[:-3]}" for name in files) == sorted(headings)
    assert "".join(sorted(files.values())) == "".join(sorted(text.split("\n---\n\n")))
