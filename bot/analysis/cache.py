"""The analysis stage cache: one JSON file per stage and input key, so an interrupted run resumes.

Stage results quote participants (themes, emotions, coding evidence), and the sentence vectors beside
them are derived from what participants wrote. So every stage file has a `.sources` file listing the
interview codes its corpus was built from, and each run lists its whole corpus on first use of the
cache; erasure deletes what names an erased interview (bot/records/derived.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from bot.records.derived import SOURCES, write_sources


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
            write_sources(self.dir / f"corpus-{digest(self.sources)[:24]}{SOURCES}", self.sources)
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
        write_sources(path.with_suffix(SOURCES), self.sources)  # first: no result without its sources
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(value, default=_plain), encoding="utf-8")
        tmp.replace(path)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    raise TypeError(f"cannot cache {type(value).__name__}")
