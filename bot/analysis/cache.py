"""The analysis stage cache: one JSON file per stage and input key, so an interrupted run resumes.

Stage results quote participants (themes, emotions, coding evidence), and the sentence vectors beside
them are derived from what participants wrote. So every stage file has a `.sources` file listing the
interview codes its corpus was built from, and each run lists its whole corpus on first use of the
cache. When interviews are erased (withdrawal, retention), `invalidate` deletes every stage file whose
sources name one of them, and the cache folder's vectors, at once; vectors of a folder that lists no
corpus at all (a run interrupted while embedding) go too, their origin being unknown.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


class StageCache:
    """One JSON file per stage and input key; written atomically so a crash never leaves half a file."""

    def __init__(self, directory: Path | None, sources: Iterable[str] = ()) -> None:
        self.dir = directory / "stages" if directory else None
        self.hits: list[str] = []
        self.sources = sorted(set(sources))  # the corpus's interview codes
        self._listed = False

    def _list_corpus(self) -> None:
        """Name the corpus the folder's vectors and results come from, once, on first use."""
        if self.dir is not None and self.sources and not self._listed:
            _write_sources(self.dir / f"corpus-{digest(self.sources)[:24]}{SOURCES}", self.sources)
            self._listed = True

    def _path(self, stage: str, key: str) -> Path | None:
        return self.dir / f"{stage}-{key[:24]}.json" if self.dir else None

    def get(self, stage: str, key: str) -> Any:
        self._list_corpus()
        path = self._path(stage, key)
        if path is None or not path.exists():
            return None
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # unreadable: recompute
        self.hits.append(stage)
        return value

    def put(self, stage: str, key: str, value: Any) -> None:
        path = self._path(stage, key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self._list_corpus()
        _write_sources(path.with_suffix(SOURCES), self.sources)  # first: no result without its sources
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(value, default=_plain), encoding="utf-8")
        tmp.replace(path)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    raise TypeError(f"cannot cache {type(value).__name__}")


SOURCES = ".sources"
STALE_TMP_SECONDS = 60  # a half-written stage file older than this belongs to a run that crashed


def _write_sources(path: Path, sources: list[str]) -> None:
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
