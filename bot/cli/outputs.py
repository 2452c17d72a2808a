"""Where a command will write, checked before its work starts: a long analysis, a pilot that pays for
Claude's replies or a codebook draft should not end in "cannot write there" after the work is done."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from bot.text_files import printable


def folder_problem(path: Path, option: str) -> str | None:
    """Why `path` cannot be the output folder, or None. A missing folder is not made here, only checked
    for (its nearest existing parent must take new files): a command that fails before it writes
    anything leaves no empty folder behind."""
    if path.exists() and not path.is_dir():
        return f"{option} {printable(path)} is a file; give a folder"
    if path.is_dir():
        return _probe(path, option, path)
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return (
            f"{option} {printable(path)}: {printable(parent)} is a file, not a folder; choose another place"
        )
    return _probe(parent, option, path)


def file_problem(path: Path, option: str) -> str | None:
    """Why a file cannot be written at `path` (its folder must exist), or None."""
    if path.is_dir():
        return f"{option} {printable(path)} is a folder; give a file path"
    if not path.parent.is_dir():
        return f"{option} {printable(path)}: the folder {printable(path.parent)} does not exist; create it or choose another"
    return _probe(path.parent, option, path)


def _probe(folder: Path, option: str, path: Path) -> str | None:
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".write-check.")
    except OSError as exc:
        return f"{option} {printable(path)}: cannot write in {printable(folder)} ({exc.strerror or exc}); choose another place"
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return None
