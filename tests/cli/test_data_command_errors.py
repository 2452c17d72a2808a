"""The researcher's data commands refuse what cannot be right in one line, exit status 2: a study that is
neither a file nor in the database (purge, audit, as export and import do), an unknown `--duplicates`
choice, and a SQLite file in a folder that does not exist. Run as a user runs them (a real subprocess)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.cli import BIN, cli_env, run
from tests.support.paths import STUDIES

UNKNOWN = "error: there is no study 'nosuch'; known: ai-at-work, creatives, scientists, teachers\n"


def test_purge_audit_export_and_import_refuse_an_unknown_study_alike(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text('transcript_id,text\nA1,"AI: Hi?\nUser: Hello."\n', encoding="utf-8")
    for args in (
        ["db", "purge", "--study", "nosuch", "--before", "2020-01-01", "--yes"],
        ["audit", "nosuch"],
        ["export", "nosuch"],
        ["import", "t.csv", "--study", "nosuch"],
    ):
        result = run(args, tmp_path)
        assert (result.returncode, result.stderr, result.stdout) == (2, UNKNOWN, ""), args


def test_a_study_whose_file_was_removed_can_still_be_audited_and_purged(tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    shutil.copytree(STUDIES, studies)
    env = {"STUDIES_DIR": str(studies)}
    assert run(["demo", "--study", "ai-at-work"], tmp_path, **env).returncode == 0
    assert run(["export", "ai-at-work", "--out", "t.jsonl"], tmp_path, **env).returncode == 0
    (studies / "ai-at-work.yaml").unlink()

    audit = run(["audit", "ai-at-work"], tmp_path, **env)
    assert audit.returncode == 0 and "export  ok" in audit.stdout
    purge = run(["db", "purge", "--study", "ai-at-work", "--before", "2999-01-01", "--yes"], tmp_path, **env)
    assert purge.returncode == 0, purge.stderr
    assert "erased the content of 1 interview(s) of ai-at-work" in purge.stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("select count(*) from turns").fetchone() == (0,)

    # a study the database holds nothing of and no file names is unknown, the removed one is listed
    result = run(["audit", "nosuch"], tmp_path, **env)
    assert result.returncode == 2
    assert (
        result.stderr
        == "error: there is no study 'nosuch'; known: ai-at-work, creatives, scientists, teachers\n"
    )
    # a study file that cannot be read hides no study the database holds
    (studies / "teachers.yaml").write_text("id: [broken\n", encoding="utf-8")
    assert run(["audit", "ai-at-work"], tmp_path, **env).returncode == 0


def test_a_known_study_with_nothing_to_purge_or_audit_says_so(tmp_path: Path) -> None:
    result = run(["db", "purge", "--study", "teachers", "--before", "2020-01-01", "--yes"], tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("nothing to erase")
    result = run(["audit", "teachers"], tmp_path)
    assert result.returncode == 0 and result.stdout == "no audit entries for teachers\n"


def test_purge_without_yes_and_without_a_terminal_says_to_add_yes_and_erases_nothing(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text('transcript_id,text\nA1,"AI: Hi?\nUser: Hello."\n', encoding="utf-8")
    assert run(["import", "t.csv", "--study", "teachers"], tmp_path).returncode == 0
    purge = ["db", "purge", "--study", "teachers", "--before", "2999-01-01"]

    closed = run(purge, tmp_path, stdin="")  # cron, a pipe: nobody to answer the question
    assert closed.returncode == 2, closed.stderr
    assert closed.stderr.strip().splitlines()[-1] == (
        "error: no answer to the confirmation (standard input is not a terminal); "
        "add --yes to erase without asking"
    )
    declined = run(purge, tmp_path, stdin="n\n")
    assert (declined.returncode, declined.stderr) == (1, "nothing erased\n")
    assert _count(tmp_path / "cli.db", "turns") == 2, "nothing was erased"

    confirmed = run(purge, tmp_path, stdin="y\n")
    assert confirmed.returncode == 0 and "erased the content of 1 interview(s)" in confirmed.stdout
    assert _count(tmp_path / "cli.db", "turns") == 0


def test_an_unknown_duplicates_choice_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "good.csv").write_text('transcript_id,text\nA1,"AI: Hi?\nUser: Hello."\n', encoding="utf-8")
    result = run(["import", "good.csv", "--study", "teachers", "--duplicates", "middle"], tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: --duplicates 'middle' is not one of: report, first, last\n"
    assert not (tmp_path / "cli.db").exists(), "refused before the database is opened"
    result = run(["import", "good.csv", "--study", "teachers", "--duplicates", "last"], tmp_path)
    assert result.returncode == 0 and "imported 1 transcript(s) into teachers" in result.stdout


def test_a_sqlite_database_in_a_missing_folder_is_refused_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    for args in (["db", "upgrade"], ["export", "teachers", "--out", "t.jsonl"], ["audit", "teachers"]):
        result = run(args, tmp_path, DATABASE_URL=f"sqlite:///{missing / 'x.db'}")
        assert result.returncode == 2, args
        assert result.stderr == (
            f"error: the folder {missing} for the SQLite database does not exist; "
            "create it or fix DATABASE_URL\n"
        )
    result = run(["db", "upgrade"], tmp_path, DATABASE_URL="sqlite:///data/x.db")  # relative to the cwd
    assert result.returncode == 2 and f"the folder {tmp_path / 'data'} for the SQLite" in result.stderr
    assert not (tmp_path / "no").exists() and not (tmp_path / "data").exists()
    assert not (tmp_path / "t.jsonl").exists()


def test_a_sqlite_database_that_cannot_be_written_or_is_a_folder_is_refused_at_once(tmp_path: Path) -> None:
    """Before, a folder the process cannot write in looked like a lock held by another process: the
    command waited two minutes, then reported a bug."""
    if os.geteuid() == 0:  # root writes in any folder of mode 0o500; /proc refuses new files even to root
        unwritable = Path("/proc")
    else:
        unwritable = tmp_path / "locked"
        unwritable.mkdir(mode=0o500)
    for args in (["db", "upgrade"], ["demo"]):
        result = run(args, tmp_path, DATABASE_URL=f"sqlite:///{unwritable / 'x.db'}")
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith(
            f"error: cannot write in the folder {unwritable} of the SQLite database ("
        )
        assert result.stderr.endswith("point DATABASE_URL at a folder you can write in\n")
    result = run(["demo"], tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}")
    assert (result.returncode, result.stderr) == (
        2,
        f"error: DATABASE_URL names the folder {tmp_path}, not a file; add a file name, "
        f"e.g. sqlite:///{tmp_path / 'interviewer.db'}\n",
    )


def test_the_default_database_in_the_working_folder_still_works(tmp_path: Path) -> None:
    for url in ("sqlite:///interviewer.db", "sqlite+aiosqlite:///interviewer.db"):
        result = run(["db", "upgrade"], tmp_path, DATABASE_URL=url)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "interviewer.db").is_file()
    (tmp_path / "sub").mkdir()
    assert run(["db", "upgrade"], tmp_path, DATABASE_URL="sqlite:///sub/x.db").returncode == 0
    assert (tmp_path / "sub" / "x.db").is_file()


def test_another_studys_broken_file_is_named_but_does_not_stop_an_export_or_import(tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    shutil.copytree(STUDIES, studies)
    (studies / "broken.yaml").write_text("id: broken\ntitle: 5\n", encoding="utf-8")
    (tmp_path / "t.csv").write_text('transcript_id,text\nA1,"AI: Hi?\nUser: Hello."\n', encoding="utf-8")
    env = {"STUDIES_DIR": str(studies)}
    imported = run(["import", "t.csv", "--study", "scientists"], tmp_path, **env)
    assert imported.returncode == 0, imported.stderr
    exported = run(["export", "scientists", "--out", "s.jsonl"], tmp_path, **env)
    assert exported.returncode == 0, exported.stderr
    assert "broken.yaml left out" in exported.stderr and "interviewer study check" in exported.stderr
    assert "1 interview(s) written" in exported.stdout


def test_ctrl_c_during_an_import_says_how_far_it_got_and_a_rerun_finishes_it(tmp_path: Path) -> None:
    rows = "".join(f'T{n:05d},"AI: What do you do?\nUser: I teach class {n}."\n' for n in range(3_000))
    (tmp_path / "big.csv").write_text("transcript_id,text\n" + rows, encoding="utf-8")
    args = [str(BIN), "import", "big.csv", "--study", "teachers"]
    process = subprocess.Popen(args, cwd=tmp_path, env=cli_env(tmp_path), stderr=subprocess.PIPE, text=True)
    db = tmp_path / "cli.db"
    while process.poll() is None and not _count(db, "interviews"):
        time.sleep(0.05)  # until the first batch is committed
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    if process.returncode == 0:
        pytest.skip("the import finished before the interrupt arrived")
    assert process.returncode == 130, err
    done = _count(db, "interviews")
    assert f"interrupted: {done} transcript(s) imported into teachers so far" in err
    assert "import  interrupted" in run(["audit", "teachers"], tmp_path).stdout
    again = run(["import", "big.csv", "--study", "teachers"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"imported {3_000 - done} transcript(s) into teachers; {done} already there" in again.stdout


def _count(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute(f"select count(*) from {table}").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_import_refuses_a_header_that_names_the_text_column_twice(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text('transcript_id,text,text\na,"User: one","User: two"\n', encoding="utf-8")
    result = run(["import", "d.csv", "--study", "teachers"], tmp_path)
    assert result.returncode == 1
    assert "d.csv:line 1: the header names `text` twice; keep one such column" in result.stderr
    assert "imported 0 transcript(s)" in result.stdout
