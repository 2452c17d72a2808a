"""Every command, fed bad files and arguments: one line saying what is wrong and how to fix it, exit status
2 (1 where part of the input was used and the rest reported), never a traceback. The commands run through
the same entry point as the installed `interviewer` script (`bot.cli.main`), in this process."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from bot.cli.errors import run
from tests.cli.test_hostile_organizer import ORGANIZER_CASES
from tests.support.hostile_cli import (
    GOOD_CSV,
    TEACHERS,
    TRANSCRIPT,
    Files,
    assert_clean,
    csv_of,
    invoke,
    make,
)

# (id, arguments, files to create, expected exit status, a fragment the output must hold)
CASES: list[tuple[str, list[str], Files, int, str]] = [
    # import
    (
        "import-latin1",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": GOOD_CSV.replace("every", "caf\xe9").encode("latin-1")},
        2,
        "Windows-1252",
    ),
    (
        "import-utf8-bom",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": codecs.BOM_UTF8 + GOOD_CSV.encode()},
        0,
        "imported 2",
    ),
    (
        "import-utf16-bom",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": GOOD_CSV.encode("utf-16")},
        0,
        "imported 2",
    ),
    (
        "import-utf16-no-bom",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": GOOD_CSV.encode("utf-16-le")},
        2,
        "UTF-16",
    ),
    (
        "import-utf32-bom",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": GOOD_CSV.encode("utf-32")},
        0,
        "imported 2",
    ),
    (
        "import-binary",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": bytes(range(256)) * 40},
        2,
        "binary",
    ),
    ("import-empty", ["import", "f.csv", "--study", "teachers"], {"f.csv": ""}, 1, "empty"),
    (
        "import-turns-inside-lines",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": 'transcript_id,text\nt1,"AI: How do you use it? User: For emails."\n'},
        1,
        "'User:' appears only inside a line, so no answer was found; start each turn on a new line",
    ),
    (
        "import-other-columns",
        ["import", "f.csv", "--study", "teachers"],
        {
            "f.csv": GOOD_CSV.replace("transcript_id,text", "transcript_id,text,occupation").replace(
                '."\n', '.",Nurse\n'
            )
        },
        0,
        "note: only transcript_id and text are imported; left out: occupation",
    ),
    (
        "import-header-only",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": "transcript_id,text\n"},
        0,
        "imported 0",
    ),
    (
        "import-wrong-header",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": "id,body\n1,x\n"},
        1,
        "transcript_id",
    ),
    (
        "import-duplicate-ids",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": csv_of([("A1", TRANSCRIPT), ("A1", TRANSCRIPT + " More.")])},
        1,
        "different texts",
    ),
    (
        "import-duplicate-last",
        ["import", "f.csv", "--study", "teachers", "--duplicates", "last"],
        {"f.csv": csv_of([("A1", TRANSCRIPT), ("A1", TRANSCRIPT + " More.")])},
        0,
        "1 id(s) with several texts",
    ),
    (
        "import-duplicate-same-text",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": csv_of([("A1", TRANSCRIPT), ("A1", TRANSCRIPT)])},
        0,
        "1 repeated row",
    ),
    (
        "import-duplicates-bad-flag",
        ["import", "f.csv", "--study", "teachers", "--duplicates", "both"],
        {"f.csv": GOOD_CSV},
        2,
        "--duplicates 'both'",
    ),
    ("import-folder", ["import", "d", "--study", "teachers"], {"d": None}, 2, "is a folder"),
    ("import-missing", ["import", "nope.csv", "--study", "teachers"], {}, 2, "no such file"),
    (
        "import-unknown-study",
        ["import", "f.csv", "--study", "nope"],
        {"f.csv": GOOD_CSV},
        2,
        "no study 'nope'",
    ),
    (
        "import-nul-in-text",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": "x" * 70000 + "\n" + GOOD_CSV.replace("every", "ev\x00ery")},
        2,
        "f.csv:4: a NUL byte",  # past the sample that tells text from binary, still found and named
    ),
    (
        "import-unclosed-quote",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": 'transcript_id,text\nA1,"User: never closed\n'},
        1,
        "line 2",
    ),
    (
        "import-long-id",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": csv_of([("X" * 40, TRANSCRIPT)])},
        1,
        "1-32 characters",
    ),
    # study check and study files
    (
        "study-deep-nesting",
        ["study", "check", "s.yaml"],
        {"s.yaml": "id: " + "[" * 20000 + "]" * 20000},
        1,
        "nested too deeply",
    ),
    (
        "study-deep-mapping",
        ["study", "check", "s.yaml"],
        {"s.yaml": "".join(f"{'  ' * i}k{i}:\n" for i in range(3000))},
        1,
        "s.yaml",
    ),
    (
        "study-billion-laughs",
        ["study", "check", "s.yaml"],
        {
            "s.yaml": "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        },
        1,
        "s.yaml",
    ),
    ("study-folder", ["study", "check", "d"], {"d": None}, 1, "is a folder"),
    ("study-utf16-bom", ["study", "check", "s.yaml"], {"s.yaml": TEACHERS.encode("utf-16")}, 0, ": ok ("),
    (
        "study-utf8-bom",
        ["study", "check", "s.yaml"],
        {"s.yaml": codecs.BOM_UTF8 + TEACHERS.encode()},
        0,
        ": ok (",
    ),
    (
        "study-utf16-no-bom",
        ["study", "check", "s.yaml"],
        {"s.yaml": TEACHERS.encode("utf-16-be")},
        1,
        "UTF-16",
    ),
    (
        "study-latin1",
        ["study", "check", "s.yaml"],
        {"s.yaml": TEACHERS.replace("teachers", "caf\xe9").encode("latin-1")},
        1,
        "Windows-1252",
    ),
    ("study-binary", ["study", "check", "s.yaml"], {"s.yaml": b"\x89PNG\r\n\x1a\n\x00\x00"}, 1, "binary"),
    ("study-huge", ["study", "check", "s.yaml"], {"s.yaml": "# " + "x" * 1_100_000}, 1, "byte limit"),
    (
        "study-duplicate-key",
        ["study", "check", "s.yaml"],
        {"s.yaml": TEACHERS + "\nid: again\n"},
        1,
        "appears twice",
    ),
    ("study-list", ["study", "check", "s.yaml"], {"s.yaml": "- a\n- b\n"}, 1, "mapping"),
    ("study-tabs", ["study", "check", "s.yaml"], {"s.yaml": "id: x\n\ttitle: y\n"}, 1, "YAML syntax error"),
    ("study-empty", ["study", "check", "s.yaml"], {"s.yaml": ""}, 1, "empty"),
    ("study-missing", ["study", "check", "nope.yaml"], {}, 2, "no such file"),
    (
        "study-python-tag",
        ["study", "check", "s.yaml"],
        {"s.yaml": "id: !!python/object/apply:os.system ['true']\n"},
        1,
        "the tag !!python/object/apply:os.system is not accepted; remove it",
    ),
    (
        "study-huge-number",
        ["study", "check", "s.yaml"],
        {"s.yaml": TEACHERS.replace("minutes: 13", "minutes: " + "9" * 5000)},
        1,
        "s.yaml: a number with 5000 digits cannot be read; write a shorter number",
    ),
    # analyze
    ("analyze-binary", ["analyze", "f.csv", "--out", "rep"], {"f.csv": bytes(range(256)) * 10}, 2, "binary"),
    (
        "analyze-latin1",
        ["analyze", "f.csv", "--out", "rep"],
        {"f.csv": GOOD_CSV.replace("every", "caf\xe9").encode("latin-1")},
        2,
        "Windows-1252",
    ),
    (
        "analyze-header-only",
        ["analyze", "f.csv", "--out", "rep"],
        {"f.csv": "transcript_id,text\n"},
        2,
        "no interview",
    ),
    ("analyze-missing", ["analyze", "nope.csv", "--out", "rep"], {}, 2, "no such file"),
    # arguments far longer than any id or path: the error line stays short
    ("huge-argument", ["export", "x" * 5000], {}, 2, "an argument has 5,000 characters"),
    (
        "huge-option",
        ["export", "teachers", "--group=" + "g" * 5000],
        {},
        2,
        "the value of --group has 5,000 characters (starting 'ggg",
    ),
    ("long-study-id", ["audit", "y" * 1000], {}, 2, "there is no study 'yyy"),
    ("long-path", ["analyze", "y" * 1000 + ".csv", "--out", "rep"], {}, 2, "(1004 characters)"),
    (
        "analyze-gold-without-codebook",
        ["analyze", "f.csv", "--out", "rep", "--gold", "g.csv"],
        {"f.csv": GOOD_CSV, "g.csv": "transcript_id,reliability\nA1,1\n"},
        2,
        "--gold g.csv needs --codebook",
    ),
    ("analyze-out-is-a-file", ["analyze", "f.csv", "--out", "f.csv"], {"f.csv": GOOD_CSV}, 2, "is a file"),
    (
        "analyze-bad-mode",
        ["analyze", "f.csv", "--out", "rep", "--mode", "magic"],
        {"f.csv": GOOD_CSV},
        2,
        "--mode",
    ),
    ("analyze-unknown-study", ["analyze", "no-such-study", "--out", "rep"], {}, 2, "no-such-study"),
    ("analyze-folder-csv", ["analyze", "d.csv", "--out", "rep"], {"d.csv": None}, 2, "is a folder"),
    # export
    (
        "export-out-under-a-file",
        ["export", "teachers", "--out", "f.csv/x.jsonl"],
        {"f.csv": GOOD_CSV},
        2,
        "not a folder",
    ),
    ("export-out-is-a-folder", ["export", "teachers", "--out", "d"], {"d": None}, 2, "is a folder"),
    ("export-bad-format", ["export", "teachers", "--format", "pdf"], {}, 2, "--format"),
    ("export-bad-date", ["export", "teachers", "--since", "2027-13-45"], {}, 2, "2027-13-45"),
    ("export-unknown-study", ["export", "nope"], {}, 2, "no study 'nope'"),
]
ENV_CASES: list[tuple[str, list[str], dict[str, str], str]] = [
    (
        "database-url-unknown-scheme",
        ["db", "upgrade"],
        {"DATABASE_URL": "mysql://x@localhost/db"},
        "DATABASE_URL",
    ),
    (
        "database-unreachable",
        ["db", "upgrade"],
        {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"},
        "cannot be used",
    ),
    ("setting-out-of-range", ["db", "upgrade"], {"ANTHROPIC_MAX_TOKENS": "5"}, "ANTHROPIC_MAX_TOKENS"),
    ("setting-not-a-number", ["db", "upgrade"], {"COALESCE_SECONDS": "soon"}, "COALESCE_SECONDS"),
]


@pytest.mark.parametrize("case,args,files,expected,fragment", CASES, ids=[c[0] for c in CASES])
def test_command_fails_clearly(
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


@pytest.mark.parametrize("case,args,env,fragment", ENV_CASES, ids=[c[0] for c in ENV_CASES])
def test_bad_configuration_fails_clearly(
    workdir: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    args: list[str],
    env: dict[str, str],
    fragment: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert_clean(*invoke(args, capfd), 2, fragment)


def test_debug_shows_the_traceback(workdir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (workdir / "f.csv").write_bytes(bytes(range(256)))
    code, _, err = invoke(["import", "f.csv", "--study", "teachers", "--debug"], capfd)
    assert code == 2 and "Traceback" in err and "binary" in err.splitlines()[-1]


def test_library_warnings_are_logged_not_printed(workdir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import warnings

    import typer

    app = typer.Typer()

    @app.command()
    def noisy() -> None:
        warnings.warn("Number of distinct clusters found smaller than n_clusters", UserWarning, stacklevel=1)
        typer.echo("done")

    try:
        run(app, [])
    except SystemExit as exc:
        assert exc.code in (0, None)
    out, err = capfd.readouterr()
    assert out.strip() == "done" and "clusters" not in err


@pytest.mark.parametrize("raised", [RuntimeError, SystemExit])
def test_an_error_that_echoes_raw_input_still_cannot_colour_or_split_the_screen(
    capfd: pytest.CaptureFixture[str], raised: type[BaseException]
) -> None:
    import typer

    app = typer.Typer()

    @app.command()
    def echoes() -> None:  # a library error quoting a value as it was typed
        raise raised("no such thing: 'a\x1b[31mb\u202ec'\rfake line")

    with pytest.raises(SystemExit) as stopped:
        run(app, [])
    err = capfd.readouterr().err
    assert stopped.value.code == 2
    assert "\x1b" not in err and "\u202e" not in err and "\r" not in err
    assert "a\\x1b[31mb\\u202ec" in err


def test_the_table_is_large_enough() -> None:
    """The issue asks for at least 250 hostile cases across the engine, every adapter and the CLI: each
    text goes through the engine (at an open question and at a button question), the terminal, Slack's and
    Discord's translation (test_hostile_input)."""
    from tests.support.hostile_corpus import BYTES, SLACK_BODIES, TEXTS

    total = (
        5 * len(TEXTS) + len(BYTES) + len(SLACK_BODIES) + len(CASES) + len(ORGANIZER_CASES) + len(ENV_CASES)
    )
    assert total >= 250, total
