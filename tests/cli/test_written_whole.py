"""Files a researcher keeps are replaced whole or not at all: a report folder, a merged label file, a
codebook draft. A write that fails half way (a full disk) leaves the earlier file or report as it was,
and an output that cannot be written at all is refused before the work starts."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

import bot.text_files as text_files
from bot.analysis import report
from bot.analysis.labels import read_labels, write_labels
from bot.cli.analysis import _report
from tests.support.cli import run
from tests.support.paths import STUDIES


def test_a_failed_rerun_leaves_the_earlier_report_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report"
    out.mkdir()
    earlier = {"report.md": "# earlier report\n", "analysis.json": '{"study": "earlier"}\n'}
    for name, text in earlier.items():
        (out / name).write_text(text, encoding="utf-8")

    def half_written(analysis: object, folder: Path) -> list[Path]:
        (folder / "report.md").write_text("# the new rep", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "analysis.json"))

    monkeypatch.setattr(report, "write_report", half_written)
    with pytest.raises(OSError):
        _report(object(), out)  # type: ignore[arg-type]
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == earlier
    assert [p.name for p in tmp_path.iterdir()] == ["report"], "no half-written folder left beside it"


def test_a_merged_label_file_is_replaced_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "merged.csv"
    good = {f"id_{n:03d}": {"a": True, "b": n % 2 == 0} for n in range(50)}
    write_labels(path, good, ["a", "b"])
    before = path.read_bytes()
    real_fdopen = text_files.os.fdopen

    class Full:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, text: str) -> int:
            self.handle.write(text[:100])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(text_files.os, "fdopen", lambda fd, *a, **k: Full(real_fdopen(fd, *a, **k)))
    with pytest.raises(OSError) as failed:
        write_labels(path, {k: {"a": False, "b": False} for k in good}, ["a", "b"])
    assert str(path) in str(failed.value), "the error names the file asked for"
    assert path.read_bytes() == before and len(read_labels(path)) == 50
    assert [p.name for p in tmp_path.iterdir()] == ["merged.csv"]


def test_an_output_that_cannot_be_written_is_refused_before_the_work(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(
        'transcript_id,text\nA1,"AI: Hi?\nUser: Hello there."\n', encoding="utf-8"
    )
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    cases = [
        (["analyze", "t.csv", "--out", "afile"], "error: --out afile is a file; give a folder"),
        (
            ["analyze", "t.csv", "--out", "r", "--cache-dir", "afile"],
            "error: --cache-dir afile is a file; give a folder",
        ),
        (
            ["codebook", "draft", "t.csv", "--out", "nowhere/c.yaml"],
            "error: --out nowhere/c.yaml: the folder nowhere does not exist",
        ),
        (
            ["pilot", str(STUDIES / "teachers.yaml"), "--participants", "1", "--report", "nowhere/p.md"],
            "error: --report nowhere/p.md: the folder nowhere does not exist",
        ),
    ]
    for args, expected in cases:
        result = run(args, tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert expected in result.stderr, (args, result.stderr)
        assert "embed passages" not in result.stderr and "Interview 1" not in result.stdout, "no work done"
