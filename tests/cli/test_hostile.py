"""Every command, fed bad files and arguments: one line saying what is wrong and how to fix it, exit status
2 (1 where part of the input was used and the rest reported), never a traceback. The commands run through
the same entry point as the installed `interviewer` script (`bot.cli.main`), in this process."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.cli.errors import run
from bot.settings import get_settings
from tests.support.paths import ROOT

TEACHERS = (ROOT / "studies" / "teachers.yaml").read_text(encoding="utf-8")
TRANSCRIPT = "AI: How do you use it?\nUser: I draft reports with it every week and then rewrite them."


def _csv(rows: list[tuple[str, str]], header: str = "transcript_id,text") -> str:
    quoted = [f'{tid},"{text.replace(chr(34), chr(34) * 2)}"' for tid, text in rows]
    return "\n".join([header, *quoted]) + "\n"


GOOD_CSV = _csv([("A1", TRANSCRIPT), ("A2", TRANSCRIPT.replace("reports", "emails"))])
Files = dict[str, bytes | str | None]  # name -> content (None: a folder)

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
        {"f.csv": _csv([("A1", TRANSCRIPT), ("A1", TRANSCRIPT + " More.")])},
        1,
        "different texts",
    ),
    (
        "import-duplicate-last",
        ["import", "f.csv", "--study", "teachers", "--duplicates", "last"],
        {"f.csv": _csv([("A1", TRANSCRIPT), ("A1", TRANSCRIPT + " More.")])},
        0,
        "1 id(s) with several texts",
    ),
    (
        "import-duplicate-same-text",
        ["import", "f.csv", "--study", "teachers"],
        {"f.csv": _csv([("A1", TRANSCRIPT), ("A1", TRANSCRIPT)])},
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
        1,
        "transcript_id",
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
        {"f.csv": _csv([("X" * 40, TRANSCRIPT)])},
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
    ("study-missing", ["study", "check", "nope.yaml"], {}, 1, "no such file"),
    (
        "study-python-tag",
        ["study", "check", "s.yaml"],
        {"s.yaml": "id: !!python/object/apply:os.system ['true']\n"},
        1,
        "YAML syntax error",
    ),
    (
        "study-huge-number",
        ["study", "check", "s.yaml"],
        {"s.yaml": TEACHERS.replace("minutes: 13", "minutes: " + "9" * 5000)},
        1,
        "s.yaml",
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
        0,
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
        "not an application id",
    ),
    # chat, demo, db, validate, codebook
    ("chat-as-empty", ["chat", "--as", ""], {}, 2, "--as"),
    ("chat-as-too-long", ["chat", "--as", "n" * 100], {}, 2, "1 to 64"),
    ("chat-as-newline", ["chat", "--as", "a\nb"], {}, 2, "printable"),
    ("chat-unknown-study", ["chat", "--study", "nope"], {}, 2, "no such file"),
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


def _invoke(args: list[str], capfd: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    get_settings.cache_clear()
    try:
        run(cli.app, args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        get_settings.cache_clear()
    out, err = capfd.readouterr()
    return code, out, err


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("STUDIES_DIR", str(ROOT / "studies"))
    monkeypatch.setenv("PSEUDONYM_KEY", "hostile")
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _make(root: Path, files: Files) -> None:
    for name, content in files.items():
        path = root / name
        if content is None:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _assert_clean(code: int, out: str, err: str, expected: int, fragment: str) -> None:
    both = out + err
    assert "Traceback" not in both and "this is a bug" not in both, both[-2000:]
    assert code == expected, f"exit {code}, expected {expected}: {both[-1500:]}"
    assert fragment in both, both[-1500:]
    if expected == 2:
        last = [line for line in err.splitlines() if line.strip()][-1]
        assert len(last) < 400 and not last.startswith(("  File", "Error")), last


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
    _make(workdir, files)
    _assert_clean(*_invoke(args, capfd), expected, fragment)


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
    _assert_clean(*_invoke(args, capfd), 2, fragment)


def test_debug_shows_the_traceback(workdir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (workdir / "f.csv").write_bytes(bytes(range(256)))
    code, _, err = _invoke(["import", "f.csv", "--study", "teachers", "--debug"], capfd)
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


def test_the_table_is_large_enough() -> None:
    """The issue asks for at least 250 hostile cases across the engine, every adapter and the CLI: each
    text goes through the engine (at an open question and at a button question), the terminal, Slack's and
    Discord's translation (test_hostile_input)."""
    from tests.support.hostile_corpus import BYTES, SLACK_BODIES, TEXTS

    total = 5 * len(TEXTS) + len(BYTES) + len(SLACK_BODIES) + len(CASES) + len(ENV_CASES)
    assert total >= 250, total
