"""Bad study files given to the commands that run a study (chat, demo, plan, pilot, schedule), checked on
the started `interviewer` process: the last line on standard error is the `error:` line, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.hostile_cli import TEACHERS, Files, assert_clean, make, start

# (id, arguments, files to create, a fragment of the error line)
CASES: list[tuple[str, list[str], Files, str]] = [
    ("chat-missing-study", ["chat", "--study", "s.yaml", "--interviewer", "offline"], {}, "no such file"),
    ("demo-empty-study", ["demo", "--study", "s.yaml", "--interviewer", "offline"], {"s.yaml": ""}, "empty"),
    (
        "demo-binary-study",
        ["demo", "--study", "s.yaml", "--interviewer", "offline"],
        {"s.yaml": b"\x89PNG\r\n\x1a\n\x00\x00"},
        "binary",
    ),
    ("plan-review-folder", ["plan", "review", "d", "--no-claude"], {"d": None}, "is a folder"),
    (
        "plan-approve-latin1",
        ["plan", "approve", "s.yaml", "--by", "me"],
        {"s.yaml": TEACHERS.replace("teachers", "caf\xe9").encode("latin-1")},
        "Windows-1252",
    ),
    ("plan-versions-list", ["plan", "versions", "s.yaml"], {"s.yaml": "- a\n"}, "mapping"),
    ("plan-diff-aliases", ["plan", "diff", "s.yaml"], {"s.yaml": "a: &a [x]\nb: *a\n"}, "aliases"),
    (
        "pilot-python-tag",
        ["pilot", "s.yaml", "--interviewer", "offline", "--participants", "1"],
        {"s.yaml": "id: !!python/object/apply:os.system ['true']\n"},
        "the tag !!python/object/apply:os.system is not accepted",
    ),
]


@pytest.mark.parametrize("case,args,files,fragment", CASES, ids=[c[0] for c in CASES])
def test_study_file_error_ends_in_an_error_line(
    tmp_path: Path, case: str, args: list[str], files: Files, fragment: str
) -> None:
    make(tmp_path, files)
    code, out, err = start(args, tmp_path)
    assert_clean(code, out, err, 2, fragment)
    last = [line for line in err.splitlines() if line.strip()][-1]
    assert last.startswith("error: ") and fragment in last, err


def test_formula_ids_are_neutralised_and_read_back(tmp_path: Path) -> None:
    """A dataset's transcript_id such as =HYPERLINK(...) is written as text to the tables a spreadsheet
    opens, and `validate` and `codebook label` read the id back as it was."""
    from bot.analysis.labels import read_labels, write_labels
    from bot.analysis.tables import safe, unsafe

    ids = ['=HYPERLINK("http://x")', "+A2", "-3", "@SUM(1)", "A4"]
    path = tmp_path / "gold.csv"
    write_labels(path, {i: {"drafting": True} for i in ids}, ["drafting"])
    text = path.read_text(encoding="utf-8")
    assert all(not line.startswith(("=", "+", "-", "@", '"=')) for line in text.splitlines()), text
    assert set(read_labels(path)) == set(ids)
    assert [unsafe(safe(i)) for i in ids] == ids and safe("A4") == "A4"
