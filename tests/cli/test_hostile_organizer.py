"""The organizer's and researcher's commands (invite, plan, chat, demo, db, validate, codebook), fed bad
files and arguments: one line saying what is wrong and how to fix it, never a traceback
(tests/support/hostile_cli.py runs them; tests/cli/test_hostile.py holds the file-reading commands)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.hostile_cli import GOOD_CSV, Files, assert_clean, invoke, make

# (id, arguments, files to create, expected exit status, a fragment the output must hold)
ORGANIZER_CASES: list[tuple[str, list[str], Files, int, str]] = [
    # invite
    (
        "invite-roster-latin1",
        ["invite", "teachers", "--roster", "r.csv", "--workspace", "T1"],
        {"r.csv": "user_id,group\nU1,caf\xe9\n".encode("latin-1")},
        2,
        "Windows-1252",
    ),
    (
        "invite-roster-utf16-bom",
        ["invite", "teachers", "--roster", "r.csv", "--workspace", "T1"],
        {"r.csv": "user_id\nU1\n".encode("utf-16")},
        0,
        "1 invitation",
    ),
    (
        "invite-roster-binary",
        ["invite", "teachers", "--roster", "r.csv", "--workspace", "T1"],
        {"r.csv": b"\x00\x01\x02" * 100},
        2,
        "binary",
    ),
    (
        "invite-roster-folder",
        ["invite", "teachers", "--roster", "d", "--workspace", "T1"],
        {"d": None},
        2,
        "is a folder",
    ),
    (
        "invite-no-workspace",
        ["invite", "teachers", "--roster", "r.csv"],
        {"r.csv": "user_id\nU1\n"},
        2,
        "--workspace",
    ),
    (
        "invite-bad-platform",
        ["invite", "teachers", "--roster", "r.csv", "--platform", "irc"],
        {"r.csv": "user_id\nU1\n"},
        2,
        "--platform",
    ),
    (
        "invite-roster-header-only",
        ["invite", "teachers", "--roster", "r.csv", "--workspace", "T1"],
        {"r.csv": "user_id,timezone\n"},
        2,
        "no member to invite",
    ),
    (
        "invite-roster-semicolons",
        ["invite", "teachers", "--roster", "r.csv", "--workspace", "T1"],
        {"r.csv": "user_id;timezone\nU1;UTC\n"},
        2,
        "semicolons",
    ),
    (
        "invite-workspace-escape",
        ["invite", "teachers", "--roster", "r.csv", "--workspace", "T\x1b[31m"],
        {"r.csv": "user_id\nU1\n"},
        2,
        "--workspace",
    ),
    (
        "invite-bad-timezone",
        ["invite", "teachers", "--roster", "r.csv", "--workspace", "T1"],
        {"r.csv": "user_id,timezone\nU1,Mars/Olympus\nU2,UTC\n"},
        1,
        "roster line",
    ),
    # plan
    (
        "plan-review-deep",
        ["plan", "review", "s.yaml", "--no-claude"],
        {"s.yaml": "id: " + "[" * 20000},
        2,
        "s.yaml",
    ),
    ("plan-approve-folder", ["plan", "approve", "d", "--by", "me"], {"d": None}, 2, "is a folder"),
    (
        "plan-draft-out-under-a-file",
        ["plan", "draft", "--goal", "g", "--audience", "a", "--out", "f.csv/s.yaml", "--template"],
        {"f.csv": GOOD_CSV},
        2,
        "is a file",
    ),
    ("plan-versions-unknown", ["plan", "versions", "nope"], {}, 2, "nope"),
    ("plan-approve-by-escape", ["plan", "approve", "x.yaml", "--by", "Eve\x1b]0;PWNED\x07"], {}, 2, "--by"),
    ("plan-approve-by-rtl", ["plan", "approve", "x.yaml", "--by", "Eve\u202egnp.exe"], {}, 2, "--by"),
    ("plan-approve-by-long", ["plan", "approve", "x.yaml", "--by", "e" * 5000], {}, 2, "--by"),
    ("plan-diff-huge-version", ["plan", "diff", "x.yaml", "--from", "9" * 25], {}, 2, "--from"),
    ("schedule-show-huge-limit", ["schedule", "show", "teachers", "--limit", "9" * 25], {}, 2, "--limit"),
    (
        "discord-id-arabic-digits",
        ["discord", "invite-url", "--application-id", "١٢٣٤٥"],
        {},
        2,
        "not an application id",
    ),
    ("discord-id-zero", ["discord", "invite-url", "--application-id", "0"], {}, 2, "not an application id"),
    (
        "discord-id-huge",
        ["discord", "invite-url", "--application-id", "9" * 5000],
        {},
        2,
        "the value of --application-id has 5,000 characters",
    ),
    # chat, demo, db, validate, codebook
    ("chat-as-empty", ["chat", "--as", ""], {}, 2, "--as"),
    ("chat-as-too-long", ["chat", "--as", "n" * 100], {}, 2, "1 to 64"),
    ("chat-as-newline", ["chat", "--as", "a\nb"], {}, 2, "printable"),
    ("chat-unknown-study", ["chat", "--study", "nope"], {}, 2, "no study file"),
    ("demo-unknown-interviewer", ["demo", "--interviewer", "gpt"], {}, 2, "unknown interviewer"),
    ("db-problems-bad-id", ["db", "problems", "--retry", "12"], {}, 2, "in:12"),
    ("db-problems-none", ["db", "problems"], {}, 0, "no dead letters"),
    (
        "db-problems-retry-unknown",
        ["db", "problems", "--retry", "in:999"],
        {},
        2,
        "not every id given (in:999)",
    ),
    (
        "validate-binary",
        ["validate", "--codes", "c.csv", "--gold", "c.csv"],
        {"c.csv": b"\x00" * 100},
        2,
        "binary",
    ),
    (
        "codebook-out-exists",
        ["codebook", "draft", "f.csv", "--out", "f.csv"],
        {"f.csv": GOOD_CSV},
        2,
        "--force",
    ),
]


@pytest.mark.parametrize(
    "case,args,files,expected,fragment", ORGANIZER_CASES, ids=[c[0] for c in ORGANIZER_CASES]
)
def test_organizer_command_fails_clearly(
    workdir: Path,
    capfd: pytest.CaptureFixture[str],
    case: str,
    args: list[str],
    files: Files,
    expected: int,
    fragment: str,
) -> None:
    make(workdir, files)
    assert_clean(*invoke(args, capfd), expected, fragment)
