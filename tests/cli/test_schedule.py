"""`interviewer invite --roster` and `interviewer schedule show`, run as a user runs them."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.support.cli import run
from tests.support.helpers import write_study
from tests.support.paths import STUDIES


def test_roster_invite_lists_skipped_lines_exits_1_and_schedule_show_lists_the_sends(tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "user_id,timezone,group\nU1,Asia/Tokyo,teachers\nU2,Nowhere/Land,artists\nU3,,artists\n"
    )
    env = {"STUDIES_DIR": str(studies)}
    result = run(["invite", "pilot-study", "--roster", str(roster), "--workspace", "T1"], tmp_path, **env)
    assert result.returncode == 1, result.stderr  # as `interviewer import` with rows left out
    assert "2 invitation(s) for `pilot-study` scheduled" in result.stdout
    assert result.stderr.splitlines() == [
        f"{roster}:line 3: 'Nowhere/Land' is not an IANA time zone; write an Area/City name, e.g. "
        "Europe/Berlin, or UTC",
        "1 roster line(s) skipped; fix them and run the command again (members already invited are not "
        "invited twice)",
    ]
    again = run(["invite", "pilot-study", "--roster", str(roster), "--workspace", "T1"], tmp_path, **env)
    assert again.returncode == 1 and "2 already invited" in again.stdout
    roster.write_text("user_id,timezone,group\nU1,Asia/Tokyo,teachers\nU2,Europe/Berlin,artists\n")
    fixed = run(["invite", "pilot-study", "--roster", str(roster), "--workspace", "T1"], tmp_path, **env)
    assert fixed.returncode == 0, fixed.stderr
    assert "1 invitation(s)" in fixed.stdout and "1 already invited" in fixed.stdout
    assert fixed.stderr == ""
    shown = run(["schedule", "show", "pilot-study"], tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    rows = [line for line in shown.stdout.splitlines() if "invitation" in line]
    assert len(rows) == 3 and all("main" in r for r in rows)
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


def test_schedule_show_lists_only_the_follow_up_waves_the_scheduler_will_send(tmp_path: Path) -> None:
    """ai-at-work has a wave 90 days after completion: not for pilots, imported transcripts or interviews
    held in the terminal (nobody could receive the invitation); for a Slack participant, once."""
    (tmp_path / "t.csv").write_text('transcript_id,text\nA1,"AI: Hi?\nUser: Hello."\n', encoding="utf-8")
    assert run(["import", "t.csv", "--study", "ai-at-work"], tmp_path).returncode == 0
    study = str(STUDIES / "ai-at-work.yaml")
    assert run(["pilot", study, "--participants", "1", "--report", "p.md"], tmp_path).returncode == 0
    nothing = run(["schedule", "show", "ai-at-work"], tmp_path)
    assert (nothing.returncode, nothing.stdout) == (0, "Nothing scheduled for `ai-at-work`.\n")

    assert run(["demo", "--study", "ai-at-work"], tmp_path).returncode == 0  # a participant in the terminal
    assert run(["schedule", "show", "ai-at-work"], tmp_path).stdout == nothing.stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:  # as if the demo had been held in a Slack DM
        db.execute("UPDATE participants SET platform = 'slack', workspace = 'T1' WHERE platform = 'console'")
    shown = run(["schedule", "show", "ai-at-work"], tmp_path).stdout.splitlines()
    assert shown[1].split() == ["when", "what", "wave", "participant"]
    [row] = shown[2:]
    assert row.split()[2:5] == ["wave", "(planned)", "three-months-later"] and "P-" in row
    assert shown[1].index("wave ") == row.index("three-months-later")  # the columns line up


def test_another_studys_broken_file_is_named_but_does_not_stop_schedule_show(tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)
    (studies / "broken.yaml").write_text("id: broken\nplan: [\n", encoding="utf-8")
    shown = run(["schedule", "show", "pilot-study"], tmp_path, STUDIES_DIR=str(studies))
    assert (shown.returncode, shown.stdout) == (0, "Nothing scheduled for `pilot-study`.\n")
    assert "broken.yaml left out" in shown.stderr and "interviewer study check" in shown.stderr


def test_schedule_show_lists_the_reminder_each_invited_member_gets_if_they_stay_quiet(tmp_path: Path) -> None:
    """An organizer sees when reminders will go out, not only the invitations already queued."""
    studies = tmp_path / "studies"
    studies.mkdir()
    invitation = {"text": "A ten minute chat about your work?", "max_reminders": 1, "reminder_after": "3d"}
    write_study(studies, invitation=invitation, schedule={"days": ["mon", "tue", "wed", "thu", "fri"]})
    (tmp_path / "roster.csv").write_text("user_id,timezone\nU1,America/New_York\n")
    env = {"STUDIES_DIR": str(studies)}
    invited = run(["invite", "pilot-study", "--roster", "roster.csv", "--workspace", "T1"], tmp_path, **env)
    assert invited.returncode == 0, invited.stderr
    shown = run(["schedule", "show", "pilot-study"], tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    rows = [line.split() for line in shown.stdout.splitlines()[2:]]
    assert [r[2:-2] for r in rows] == [["invitation"], ["reminder", "(planned)"]]
    sent, reminded = (datetime.fromisoformat(f"{r[0]}T{r[1]}+00:00") for r in rows)
    assert reminded >= sent + timedelta(days=3)
    local = reminded.astimezone(ZoneInfo("America/New_York"))
    assert local.weekday() < 5 and 9 <= local.hour < 18  # inside the member's window, on a working day
