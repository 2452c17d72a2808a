"""`interviewer plan ...` and `interviewer pilot` as a user runs them: real subprocesses."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.cli import run
from tests.support.interviews import write_transcripts
from tests.support.paths import ROOT


def test_draft_review_approve_and_diff_from_the_command_line(tmp_path: Path) -> None:
    study = tmp_path / "studies" / "nurse-notes.yaml"
    drafted = run(
        [
            "plan", "draft", "--goal", "Learn how nurses use AI for handover notes",
            "--audience", "Hospital nurses", "--hypothesis", "Nurses distrust AI summaries of patient notes.",
            "--minutes", "10", "--out", str(study),
        ],
        tmp_path,
    )  # fmt: skip
    assert drafted.returncode == 0, drafted.stderr
    assert "wrote a template" in drafted.stdout
    assert run(["study", "check", str(study)], tmp_path).returncode == 0
    again = run(["plan", "draft", "--goal", "g", "--audience", "a", "--out", str(study)], tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr
    for empty, named in (
        (["--goal", " ", "--audience", "a"], "--goal"),
        (["--goal", "g", "--audience", ""], "--audience"),
    ):
        blank = run(["plan", "draft", *empty, "--out", str(tmp_path / "blank.yaml")], tmp_path)
        assert blank.returncode == 2 and blank.stderr.startswith(f"error: {named} is empty"), blank.stderr
    assert not (tmp_path / "blank.yaml").exists()

    clean = run(["plan", "review", str(study)], tmp_path)
    assert clean.returncode == 0 and "no problems found" in clean.stdout

    unapproved = run(["plan", "diff", str(study)], tmp_path)
    assert (unapproved.returncode, unapproved.stdout) == (0, "")
    assert unapproved.stderr == "note: v1 is the only version of 'nurse-notes', and it is not approved yet\n"

    approved = run(["plan", "approve", str(study), "--by", "Dr Okafor"], tmp_path)
    assert approved.returncode == 0 and "approved nurse-notes v1" in approved.stdout

    text = study.read_text()
    study.write_text(text.replace("To start, what does a typical week", "Do you think a typical week"))
    flagged = run(["plan", "review", str(study)], tmp_path)
    assert flagged.returncode == 1
    assert "plan.topics[0] (context).question: yes/no question" in flagged.stdout
    assert "suggestion:" in flagged.stdout

    diff = run(["plan", "diff", str(study)], tmp_path)
    assert diff.returncode == 0
    assert (
        "--- nurse-notes v1 (approved by Dr Okafor" in diff.stdout
        and "+++ nurse-notes v2 (not approved)" in diff.stdout
    )
    assert "+    question: Do you think a typical week" in diff.stdout
    versions = run(["plan", "versions", str(study)], tmp_path)
    assert (
        "v1" in versions.stdout
        and "v2" in versions.stdout
        and "not approved  <- this file" in versions.stdout
    )


def test_pilot_replays_transcripts_and_writes_the_report(tmp_path: Path) -> None:
    data = tmp_path / "transcripts.csv"
    write_transcripts(data)
    study = tmp_path / "pilot-study.yaml"
    from tests.support.helpers import write_study

    write_study(tmp_path)
    result = run(
        ["pilot", str(study), "--participants", "3", "--replay", str(data), "--report", "report.md"],
        tmp_path,
        COLUMNS="200",
    )
    assert result.returncode == 0, result.stderr
    assert "Pilot of pilot-study: 3 simulated interview(s)" in result.stdout
    report = (tmp_path / "report.md").read_text()
    assert "| tasks | must | 3/3 | 3/3 |" in report
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("select count(*), sum(pilot) from interviews").fetchone() == (3, 3)


def test_pilot_explains_bad_inputs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,body\n1,hello\n")
    result = run(["pilot", str(ROOT / "studies" / "teachers.yaml"), "--replay", str(bad)], tmp_path)
    assert result.returncode == 2 and "header must name `transcript_id` and `text`" in result.stderr
    personas = run(["pilot", str(ROOT / "studies" / "teachers.yaml"), "--personas", str(bad)], tmp_path)
    assert personas.returncode == 2 and "--personas needs ANTHROPIC_API_KEY" in personas.stderr
