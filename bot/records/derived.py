"""Files derived from interviews outside the database, and how erasure finds and deletes them.

The analysis keeps stage results that quote participants and sentence vectors derived from what they
wrote (bot/analysis/cache.py). Beside every such file lies a `.sources` listing: the interview codes it
was built from. Erasure (withdrawal, retention) calls `invalidate` with the erased interviews' codes and
every file whose listing names one goes at once, with the vectors of its cache folder; vectors of a folder
that lists no corpus at all (a run interrupted while embedding) go too, their origin being unknown.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from pathlib import Path

SOURCES = ".sources"
STALE_TMP_SECONDS = 60  # a half-written stage file older than this belongs to a run that crashed


def write_sources(path: Path, sources: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(f"{code}\n" for code in sources), encoding="utf-8")
    tmp.replace(path)


def _names(path: Path) -> set[str]:
    try:
        return set(path.read_text(encoding="utf-8").split())
    except OSError:
        return set()


def invalidate(root: Path, codes: Iterable[str]) -> int:
    """Delete, under `root`, every stage file derived from an interview in `codes`, and the vectors of
    each cache folder that held one; returns how many files were removed."""
    wanted = set(codes)
    if not wanted or not root.exists():
        return 0
    removed = 0
    for listing in root.rglob(f"*{SOURCES}"):
        if listing.parent.name != "stages" or not (_names(listing) & wanted):
            continue
        stages = listing.parent
        for path in (listing.with_suffix(".json"), listing.with_suffix(".tmp"), listing):
            if path.exists():
                path.unlink()
                removed += 1
        vectors = stages.parent / "vectors"  # keyed by text, not by interview: all of them go
        if vectors.exists():
            removed += sum(1 for p in vectors.rglob("*") if p.is_file())
            shutil.rmtree(vectors)
        for tmp in stages.glob("*.tmp"):  # a crashed run's half-written results
            if time.time() - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                tmp.unlink()
                removed += 1
    for vectors in [p for p in root.rglob("vectors") if p.is_dir()]:
        if not any((vectors.parent / "stages").glob(f"*{SOURCES}")):
            removed += sum(1 for p in vectors.rglob("*") if p.is_file())
            shutil.rmtree(vectors)
    return removed
