"""`interviewer invite --roster` and `interviewer schedule show`, run as a user runs them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.cli import run
from tests.support.helpers import write_study


def test_roster_invite_reports_bad_lines_and_schedule_show_lists_the_sends(tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "user_id,timezone,group\nU1,Asia/Tokyo,teachers\nU2,Nowhere/Land,artists\nU3,,artists\n"
    )
    env = {"STUDIES_DIR": str(studies)}
    result = run(["invite", "pilot-study", "--roster", str(roster), "--workspace", "T1"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert "2 invitation(s) for `pilot-study` scheduled" in result.stdout
    assert "line 3: 'Nowhere/Land' is not an IANA time zone" in result.stderr
    again = run(["invite", "pilot-study", "--roster", str(roster), "--workspace", "T1"], tmp_path, **env)
    assert "2 already invited" in again.stdout
    shown = run(["schedule", "show", "pilot-study"], tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    rows = [line for line in shown.stdout.splitlines() if "invitation" in line]
    assert len(rows) == 2 and all("main" in r for r in rows)
    assert "U1" not in shown.stdout  # participants appear by their pseudonymous code
    unknown = run(["schedule", "show", "nope"], tmp_path, **env)
    assert unknown.returncode == 2 and "no study 'nope'" in unknown.stderr


def test_discord_roster_members_are_addressed_like_their_own_dms(tmp_path: Path) -> None:
    """A Discord roster needs no server id: members get the address their own DMs to the bot have."""
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)
    roster = tmp_path / "roster.csv"
    roster.write_text("user_id\n501\n")
    env = {"STUDIES_DIR": str(studies)}
    slack = run(["invite", "pilot-study", "--roster", str(roster)], tmp_path, **env)
    assert slack.returncode == 2 and "--workspace is required for Slack" in slack.stderr
    result = run(["invite", "pilot-study", "--roster", str(roster), "--platform", "discord"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("select platform, workspace, user_id from participants").fetchall() == [
            ("discord", "dm", "501")
        ]
