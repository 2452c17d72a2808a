"""Bad input to the commands the first audit (test_hostile_process.py) did not reach: db problems, db purge,
invite, import, codebook, validate and analyze, each run as the started `interviewer` process. Every
refusal names what is wrong and how to fix it; nothing good in the input is lost. Files are written only
inside `tmp_path`; the analysis checks all fail before the sentence model would load."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.hostile_cli import GOOD_CSV, TRANSCRIPT, Files, csv_of, make

GOLD = "transcript_id,drafting\nA1,1\nA2,0\n"
CODEBOOK = "codes:\n  - id: drafting\n    label: Drafting\n    definition: Uses AI to draft a text first.\n"
ESC = "\x1b[31m"


def last_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "nothing on standard error"
    return lines[-1]


# a transcript file with a NUL byte on line 4,003, past the first 64 KiB looked at to tell text from binary
LATE_NUL = csv_of([(f"T{n}", TRANSCRIPT) for n in range(2000)] + [("N1", "AI: Hi\nUser: a\x00b")])

# (id, arguments, files, exit status, fragments of the last line on standard error)
CASES: list[tuple[str, list[str], Files, int, list[str]]] = [
    ("retry-no-number", ["db", "problems", "--retry", "wave:"], {}, 2, ["--retry", "digits only", "in:12"]),
    ("retry-kind", ["db", "problems", "--retry", "msg:3"], {}, 2, ["in:, out:, inv:, wave:"]),
    ("retry-other-digits", ["db", "problems", "--retry", "out:\u0661\u0662"], {}, 2, ["digits only"]),
    ("retry-huge", ["db", "problems", "--retry", "out:99999999999999999999"], {}, 2, ["digits only"]),
    (
        "retry-twice",
        ["db", "problems", "--retry", "out:5", "--retry", "out:5", "--dismiss", "cohort:2"],
        {},
        2,
        ["0 of 2 put back or dismissed", "(out:5, cohort:2)", "run `interviewer db problems`"],
    ),
    ("dismiss-kind", ["db", "problems", "--dismiss", "in:1"], {}, 2, ["one of cohort:", "cohort:3"]),
    (
        "purge-odd-date",
        ["db", "purge", "--study", "teachers", "--before", "31/01/2024", "--yes"],
        {},
        2,
        ["--before", "YYYY-MM-DD"],
    ),
    (
        "purge-out-of-range",
        ["db", "purge", "--study", "teachers", "--before", "0001-01-01T00:00+01:00", "--yes"],
        {},
        2,
        ["--before", "out of range"],
    ),
    (
        "purge-far-past",
        ["db", "purge", "--study", "teachers", "--before", "0001-01-01", "--yes"],
        {},
        0,
        [],
    ),
    (
        "purge-no-study",
        ["db", "purge", "--study", "nope", "--before", "2024-01-01"],
        {},
        2,
        ["known: ai-at-work"],
    ),
    (
        "show-limit-0",
        ["schedule", "show", "teachers", "--limit", "0"],
        {},
        2,
        ["--limit", "greater than or equal to 1"],
    ),
    (
        "invite-empty",
        ["invite", "teachers", "--platform", "discord", "--roster", "r.csv"],
        {"r.csv": " \n"},
        2,
        ["r.csv: the file is empty", "user_id"],
    ),
    (
        "invite-stray-nul",
        ["invite", "teachers", "--platform", "discord", "--roster", "r.csv"],
        {"r.csv": b"user_id\n5\x001\n52\n"},
        2,
        ["r.csv:2: a NUL byte", "delete it"],
    ),
    (
        "import-late-nul",
        ["import", "t.csv", "--study", "teachers"],
        {"t.csv": LATE_NUL},
        2,
        ["t.csv:4003: a NUL byte", "delete it in an editor"],
    ),
    (
        "codebook-draft-folder",
        ["codebook", "draft", "t.csv", "--out", "d", "--force"],
        {"t.csv": GOOD_CSV, "d": None},
        2,
        ["--out d is a folder"],
    ),
    (
        "codebook-label-duplicate-codes",
        ["codebook", "label", "t.csv", "--codebook", "c.yaml", "--out", "g.csv"],
        {"t.csv": GOOD_CSV, "c.yaml": CODEBOOK + CODEBOOK.removeprefix("codes:\n")},
        2,
        ["code id 'drafting' is used twice"],
    ),
    (
        "codebook-label-n",
        ["codebook", "label", "t.csv", "--codebook", "c.yaml", "--out", "g.csv", "--n", "99999999999"],
        {"t.csv": GOOD_CSV, "c.yaml": CODEBOOK},
        2,
        ["lower --n to at most 2"],
    ),
    (
        "codebook-label-codes-not-mappings",
        ["codebook", "label", "t.csv", "--codebook", "c.yaml", "--out", "g.csv"],
        {"t.csv": GOOD_CSV, "c.yaml": "codes:\n  - 42\n"},
        2,
        ["c.yaml: codes[0]: holds 42, not a code", "`- id: ...`"],
    ),
    (
        "codebook-label-empty-part",
        [
            "codebook",
            "label",
            "t.csv",
            "--codebook",
            "c.yaml",
            "--out",
            "g.csv",
            "--n",
            "2",
            "--part",
            "9/9",
            "--overlap",
            "0",
        ],
        {"t.csv": GOOD_CSV, "c.yaml": CODEBOOK},
        2,
        ["--part 9/9: this part gets no interview", "use fewer parts"],
    ),
    (
        "codebook-label-coder",
        ["codebook", "label", "t.csv", "--codebook", "c.yaml", "--out", "g.csv", "--coder", f"me{ESC}"],
        {"t.csv": GOOD_CSV, "c.yaml": CODEBOOK},
        2,
        ["--coder me\\x1b[31m: write your name or initials"],
    ),
    (
        "agree-column-control",
        ["codebook", "agree", "a.csv", "b.csv"],
        {"a.csv": f"transcript_id,d{ESC}\nA1,1\n", "b.csv": GOLD},
        2,
        ["a.csv:1: column 2's name 'd\\x1b[31m' holds control characters", "code id"],
    ),
    (
        "validate-mismatched",
        ["validate", "--codes", "codes.csv", "--gold", "gold.csv"],
        {"codes.csv": GOLD, "gold.csv": "transcript_id,drafting\nZZ,1\n"},
        2,
        ["share no interview id", "same ids"],
    ),
    (
        "analyze-by",
        ["analyze", "t.csv", "--out", "r", "--by", "team"],
        {"t.csv": GOOD_CSV},
        2,
        ["--by 'team'"],
    ),
    (
        "analyze-min-cell",
        ["analyze", "t.csv", "--out", "r", "--min-cell", "0"],
        {"t.csv": GOOD_CSV},
        2,
        ["--min-cell"],
    ),
    (
        "analyze-mode",
        ["analyze", "t.csv", "--out", "r", "--mode", "gpt"],
        {"t.csv": GOOD_CSV},
        2,
        ["--mode 'gpt'"],
    ),
    (
        "analyze-out-file",
        ["analyze", "t.csv", "--out", "t.csv"],
        {"t.csv": GOOD_CSV},
        2,
        ["is a file; give a folder"],
    ),
    (
        "analyze-gold-ids",
        ["analyze", "t.csv", "--out", "r", "--codebook", "c.yaml", "--gold", "g.csv"],
        {"t.csv": GOOD_CSV, "c.yaml": CODEBOOK, "g.csv": "transcript_id,drafting\nZZ,1\n"},
        2,
        ["none of the 1 interviews in the gold file is in the corpus"],
    ),
    (
        "analyze-gold-binary",
        ["analyze", "t.csv", "--out", "r", "--codebook", "c.yaml", "--gold", "g.csv"],
        {"t.csv": GOOD_CSV, "c.yaml": CODEBOOK, "g.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00"},
        2,
        ["g.csv: looks binary"],
    ),
]


@pytest.mark.parametrize("case,args,files,status,fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_arguments_and_files_get_a_line_that_says_how_to_fix_them(
    tmp_path: Path, case: str, args: list[str], files: Files, status: int, fragments: list[str]
) -> None:
    make(tmp_path, files)
    result = run(args, tmp_path)
    both = result.stdout + result.stderr
    assert "Traceback" not in both and "this is a bug" not in both, both[-2000:]
    assert result.returncode == status, both[-1500:]
    if status == 2:
        line = last_error(result.stderr)
        assert line.startswith("error: ") and len(line) < 400, line
        assert all(f in line for f in fragments), line
    assert "Analysing" not in result.stderr, "an analysis option was checked only after the model loaded"
    assert not (tmp_path / "r").exists(), "a refused analysis leaves no report folder"


def test_thousands_of_bad_roster_lines_are_listed_twenty_and_counted(tmp_path: Path) -> None:
    lines = ["user_id", *(f"bad{n}" for n in range(3000)), "777"]
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(["invite", "teachers", "--platform", "discord", "--roster", "r.csv"], tmp_path)
    assert result.returncode == 1, result.stderr[-1500:]
    assert "1 invitation(s) for `teachers` scheduled" in result.stdout, "the good line is invited"
    errors = result.stderr.splitlines()
    assert len(errors) == 22, errors[:3]
    assert errors[0] == "r.csv:line 2: user_id 'bad0' is not a Discord user id (digits only)"
    assert errors[20].startswith("r.csv: ... and 2,980 more problem(s) like these; fix the ones above")
    assert errors[21].startswith("3000 roster line(s) skipped")


def test_thousands_of_bad_rows_give_twenty_warnings_and_a_count_before_the_model_loads(
    tmp_path: Path,
) -> None:
    rows = ["transcript_id,text,role", *(f',"{TRANSCRIPT}",r' for _ in range(3000)), f'A1,"{TRANSCRIPT}",r']
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text(CODEBOOK, encoding="utf-8")
    for args in (
        ["analyze", "t.csv", "--out", "r", "--by", "team"],
        ["codebook", "label", "t.csv", "--codebook", "c.yaml", "--out", "g.csv"],
    ):
        result = run(args, tmp_path)
        assert result.returncode == 2, result.stderr[-1500:]
        lines = result.stderr.splitlines()
        assert len(lines) == 22 and lines[0] == "warning: t.csv:2: the transcript_id is empty", lines[:2]
        assert lines[20] == "warning: ... and 2,980 more row(s) left out like these; fix the ones above first"
    assert not (tmp_path / "g.csv").exists()


def test_an_oversized_transcript_is_refused_by_its_row_and_the_others_are_imported(tmp_path: Path) -> None:
    huge = "AI: Tell me.\nUser: " + "word " * 500_000  # 2.5 million characters, over the 2 million cap
    rows = f'transcript_id,text\nA1,"{TRANSCRIPT}"\nBIG,"{huge}"\nA3,"{TRANSCRIPT}."\n'
    (tmp_path / "t.csv").write_text(rows, encoding="utf-8")
    result = run(["import", "t.csv", "--study", "teachers"], tmp_path)
    assert result.returncode == 1, result.stderr[-1500:]
    assert "imported 2 transcript(s) into teachers" in result.stdout
    assert result.stderr.startswith(
        f"t.csv:line 4 (BIG): the text has {len(huge):,} characters, over the 2,000,000-character limit"
    ), result.stderr[:500]
    again = run(["import", "t.csv", "--study", "teachers"], tmp_path)  # nothing of the good rows is lost
    assert "imported 0 transcript(s) into teachers; 2 already there" in again.stdout


def test_purging_up_to_a_date_to_come_says_that_interviews_under_way_go_too(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(GOOD_CSV, encoding="utf-8")
    assert run(["import", "t.csv", "--study", "teachers"], tmp_path).returncode == 0
    declined = run(["db", "purge", "--study", "teachers", "--before", "2999-01-01"], tmp_path, stdin="n\n")
    assert declined.returncode == 1 and declined.stderr == "nothing erased\n"
    assert "2 interview(s) of teachers last active before 2999-01-01" in declined.stdout
    assert "interviews under way now are erased too" in declined.stdout


def test_control_characters_in_paths_and_ids_are_shown_escaped(tmp_path: Path) -> None:
    """A file name with an escape sequence or a newline is echoed escaped: it can neither colour the
    researcher's terminal nor split the error line; so are ids read from a file."""
    make(tmp_path, {"codes.csv": GOLD, "gold.csv": f"transcript_id,drafting\nA1,1\nA{ESC}9,0\n"})
    missing = run(["validate", "--codes", "codes.csv", "--gold", f"bad{ESC}name.csv"], tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == "error: bad\\x1b[31mname.csv: no such file; check the path\n"

    roster = f"r{ESC}\n.csv"
    (tmp_path / roster).write_text("user_id\nU-1\n", encoding="utf-8")
    invite = run(["invite", "teachers", "--platform", "discord", "--roster", roster], tmp_path)
    assert invite.returncode == 2 and "\x1b" not in invite.stderr
    assert invite.stderr.splitlines() == [
        "r\\x1b[31m\\n.csv:line 2: user_id 'U-1' is not a Discord user id (digits only)",
        "error: r\\x1b[31m\\n.csv: no member to invite; fix the lines above",
    ]

    noted = run(["validate", "--codes", "codes.csv", "--gold", "gold.csv"], tmp_path)
    assert noted.returncode == 0, noted.stderr
    assert "\x1b" not in noted.stderr and "were left out: A\\x1b[31m9;" in noted.stderr

    make(
        tmp_path,
        {"a.csv": f"transcript_id,drafting\nA{ESC}1,1\n", "b.csv": f"transcript_id,drafting\nA{ESC}1,0\n"},
    )
    agree = run(["codebook", "agree", "a.csv", "b.csv"], tmp_path)
    assert agree.returncode == 0 and "drafting: disagree on A\\x1b[31m1\n" in agree.stdout, agree.stdout

    url = f"sqlite:///{tmp_path}/no{ESC}dir/x.db"
    database = run(["schedule", "show", "teachers"], tmp_path, DATABASE_URL=url)
    assert database.returncode == 2 and "no\\x1b[31mdir for the SQLite database" in database.stderr

    option = run(["db", "purge", "--study", "teachers", "--before", "2024-01-01", f"--x{ESC}"], tmp_path)
    assert option.returncode == 2 and option.stderr.startswith("error: No such option: --x\\x1b[31m")


def test_printable_escapes_only_what_cannot_be_shown() -> None:
    from bot.text_files import printable

    assert printable(Path("caf\xe9/r\u00e9sum\u00e9.csv")) == "caf\xe9/r\u00e9sum\u00e9.csv"
    assert printable("a\tb\nc\rd\x1b[0m\x07\u202e\x7f") == "a\\tb\\nc\\rd\\x1b[0m\\x07\\u202e\\x7f"
    assert printable("bad\udcffbyte") == "bad\\udcffbyte"  # a name that is not UTF-8, as os.fsdecode reads it
    assert printable(printable("x\ny")) == "x\\ny"


def test_gold_notes_name_unknown_ids_and_columns_escaped(tmp_path: Path) -> None:
    """The notes `analyze --gold` prints and puts in the report (checked here without the sentence model)."""
    from bot.analysis.codebook import load_codebook
    from bot.analysis.corpus import read_csv
    from bot.analysis.prevalence import check_gold

    make(tmp_path, {"t.csv": GOOD_CSV, "c.yaml": CODEBOOK})
    gold = {"A1": {"drafting": True}, f"Z{ESC}9": {"drafting": False, f"x{ESC}": True}}
    notes = check_gold(read_csv(tmp_path / "t.csv").docs, load_codebook(tmp_path / "c.yaml"), gold)
    assert all("\x1b" not in note for note in notes), notes
    assert "not used: Z\\x1b[31m9;" in notes[0] and notes[1].endswith("not used: x\\x1b[31m")
