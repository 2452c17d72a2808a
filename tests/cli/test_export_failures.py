"""An export that fails (full disk, locked database, missing folder) leaves the file already at its path as
it was, no partial file, and an audit log that says what happened; one that succeeds replaces the file
whole. The commands run as a user runs them (a real subprocess); the disk is a real, tiny tmpfs."""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.records import audit
from bot.records.export import ExportFilter, ExportResult, export
from bot.runtime import Runtime
from bot.storage import sqlite_inline
from tests.support.cli import BIN, cli_env, run
from tests.support.helpers import Console
from tests.support.interviews import complete
from tests.support.paths import STUDIES


def _demo(tmp_path: Path, times: int = 1) -> None:
    for _ in range(times):
        assert run(["demo", "--study", "ai-at-work"], tmp_path).returncode == 0


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_successful_export_replaces_the_file_whole_and_keeps_its_permissions(tmp_path: Path) -> None:
    _demo(tmp_path)
    old = tmp_path / "t.jsonl"
    old.write_text("an older export\n", encoding="utf-8")
    old.chmod(0o640)
    refused = run(["export", "ai-at-work", "--out", "t.jsonl"], tmp_path)
    assert (
        refused.returncode == 2 and "t.jsonl exists; choose another --out, or add --force" in refused.stderr
    )
    assert old.read_text(encoding="utf-8") == "an older export\n"
    result = run(["export", "ai-at-work", "--out", "t.jsonl", "--force"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert old.read_text(encoding="utf-8").startswith('{"participant": "P-')
    assert old.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path) == []
    lines = run(["audit", "ai-at-work"], tmp_path).stdout.splitlines()
    assert [line.split()[5] for line in lines] == ["started", "ok"]
    assert f"bytes={old.stat().st_size}" in lines[1] and "interviews=1" in lines[1]


def test_an_export_through_a_link_to_a_pipe_or_onto_a_folder(tmp_path: Path) -> None:
    """A link keeps pointing at the replaced file; /dev/stdout (a pipe here) is written to directly; a
    folder is refused before anything is written."""
    _demo(tmp_path)
    (tmp_path / "real.jsonl").write_text("an older export\n", encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to("real.jsonl")
    refused = run(["export", "ai-at-work", "--out", "link.jsonl"], tmp_path)
    assert refused.returncode == 2 and f"(a link to {tmp_path / 'real.jsonl'})" in refused.stderr
    assert run(["export", "ai-at-work", "--out", "link.jsonl", "--force"], tmp_path).returncode == 0
    assert (tmp_path / "link.jsonl").is_symlink()
    assert (tmp_path / "real.jsonl").read_text(encoding="utf-8").startswith('{"participant": "P-')

    piped = run(["export", "ai-at-work", "--out", "/dev/stdout"], tmp_path)
    [record] = piped.stdout.splitlines()  # the summary stays out of the data
    assert piped.returncode == 0 and record.startswith('{"participant": "P-')
    assert piped.stderr.splitlines()[-1] == "1 interview(s) written to standard output"
    zipped = subprocess.run(
        [BIN, "export", "ai-at-work", "-f", "markdown", "--out", "-"],
        cwd=tmp_path,
        env=cli_env(tmp_path),
        capture_output=True,
        check=True,
    )
    # "-" is standard output, whole: the Markdown document (a zip would be bytes on a terminal)
    assert zipped.stdout.decode().startswith("# Interview P-")
    assert not zipfile.is_zipfile(io.BytesIO(zipped.stdout))
    assert not (tmp_path / "-").exists()

    (tmp_path / "folder").mkdir()
    result = run(["export", "ai-at-work", "--out", "folder"], tmp_path)
    assert (result.returncode, result.stderr) == (2, "error: folder: is a folder; give a file path\n")
    assert _leftovers(tmp_path) == [] and list((tmp_path / "folder").iterdir()) == []
    outcomes = [line.split()[5] for line in run(["audit", "ai-at-work"], tmp_path).stdout.splitlines()]
    assert outcomes == ["started", "ok", "started", "ok", "started", "ok", "started", "failed"]


def test_an_export_into_a_missing_folder_names_the_path_and_is_audited_as_failed(tmp_path: Path) -> None:
    _demo(tmp_path)
    result = run(["export", "ai-at-work", "--out", "nowhere/t.csv", "-f", "csv"], tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: nowhere/t.csv: no such file or folder; check the path\n"
    assert not (tmp_path / "nowhere").exists()
    [started, failed] = run(["audit", "ai-at-work"], tmp_path).stdout.splitlines()
    assert "export  started" in started and "path=nowhere/t.csv" in started
    assert "export  failed" in failed and "reason=No such file or directory" in failed


def _in_tiny_tmpfs(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    """`script` run by sh in a private mount namespace with a 64 KiB tmpfs mounted on `tmp_path/fs`."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is not installed")
    (tmp_path / "fs").mkdir()
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {tmp_path / 'fs'}"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a user namespace here: {probe.stderr.strip()}")
    env = cli_env(tmp_path, BIN=str(BIN))
    mount = f"mount -t tmpfs -o size=64k tmpfs {tmp_path / 'fs'} && cd {tmp_path / 'fs'} && "
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", mount + script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def test_a_full_disk_keeps_the_previous_export_and_is_audited_as_failed(tmp_path: Path) -> None:
    _demo(tmp_path, times=3)  # about 8 KB per interview as jsonl
    assert run(["export", "ai-at-work", "--out", "all.jsonl"], tmp_path).returncode == 0
    previous = (tmp_path / "all.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[0]
    (tmp_path / "previous.jsonl").write_text(previous, encoding="utf-8")
    digest = hashlib.sha256(previous.encode()).hexdigest()
    # the previous export (one interview) and 48 KB of other files: too little room for three interviews,
    # even in the place the previous export would free if it were truncated
    result = _in_tiny_tmpfs(
        tmp_path,
        "cp ../previous.jsonl P.jsonl && head -c 48000 /dev/zero > filler && "
        '"$BIN" export ai-at-work --format jsonl --out P.jsonl --force; echo "exit=$?"; sha256sum P.jsonl; ls -a',
    )
    assert "exit=2" in result.stdout, result.stdout + result.stderr
    assert result.stderr == "error: P.jsonl: the disk is full; free some space or choose another folder\n"
    assert f"{digest}  P.jsonl" in result.stdout, "the previous export is left as it was"
    assert ".part" not in result.stdout, "no partial file is left behind"
    lines = run(["audit", "ai-at-work"], tmp_path).stdout.splitlines()
    assert "export  started" in lines[-2] and "path=P.jsonl" in lines[-2]
    assert "export  failed" in lines[-1] and "reason=No space left on device" in lines[-1]


def test_an_export_while_the_database_is_locked_leaves_no_file(tmp_path: Path) -> None:
    """Another connection holds the write lock for longer than the export waits (10 s)."""
    _demo(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"db = sqlite3.connect({str(tmp_path / 'cli.db')!r}, isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE')\nprint('locked', flush=True)\nsys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        result = run(["export", "ai-at-work", "--no-redact", "--out", "raw.jsonl"], tmp_path)
    finally:
        holder.communicate("", timeout=10)
    assert result.returncode == 2 and "database is locked" in result.stderr
    assert not (tmp_path / "raw.jsonl").exists() and _leftovers(tmp_path) == []
    assert "export" not in run(["audit", "ai-at-work"], tmp_path).stdout


async def test_an_export_the_audit_cannot_confirm_leaves_the_previous_file(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database is locked between writing the file and recording `ok`: the file never takes its name."""
    await complete(Console(runtime, name="ann"))
    out = tmp_path / "e.jsonl"
    out.write_text("an older export\n", encoding="utf-8")
    seen: list[str] = []

    async def audit_ok(result: ExportResult) -> None:
        seen.append(out.read_text(encoding="utf-8"))  # the new file has not replaced the old one yet
        await audit.record(runtime.store, "pilot-study", "test", "export", "ok", bytes=result.bytes)

    monkeypatch.setattr(sqlite_inline, "BUSY_SECONDS", 0.2)
    other = sqlite3.connect(str(tmp_path / "test.db"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            await export(runtime.store, ExportFilter("pilot-study"), "csv", out, confirm=audit_ok)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert seen == ["an older export\n"] and out.read_text(encoding="utf-8") == "an older export\n"
    assert _leftovers(tmp_path) == []

    result = await export(runtime.store, ExportFilter("pilot-study"), "csv", out, confirm=audit_ok)
    assert result.interviews == 1 and result.bytes == out.stat().st_size
    assert out.read_text(encoding="utf-8").startswith("transcript_id,text,")
    [entry] = await audit.entries(runtime.store, "pilot-study")
    assert entry.detail == {"bytes": result.bytes}


def test_plan_draft_force_on_a_full_disk_keeps_the_study_file_it_would_replace(tmp_path: Path) -> None:
    study = (STUDIES / "teachers.yaml").read_text(encoding="utf-8")
    digest = hashlib.sha256(study.encode()).hexdigest()
    result = _in_tiny_tmpfs(
        tmp_path,
        f"cp {STUDIES / 'teachers.yaml'} keep.yaml && head -c 60000 /dev/zero > filler; "
        '"$BIN" plan draft --goal "How teachers use AI" --audience teachers --out keep.yaml --force '
        '--template; echo "exit=$?"; sha256sum keep.yaml; ls -a',
    )
    assert "exit=2" in result.stdout, result.stdout + result.stderr
    assert "keep.yaml: the disk is full" in result.stderr, result.stderr
    assert f"{digest}  keep.yaml" in result.stdout, "the study file is left as it was"
    assert ".tmp" not in result.stdout, "no partial file is left behind"
