"""The analysis stage cache: one JSON file per stage and input key, so an interrupted run resumes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


class StageCache:
    """One JSON file per stage and input key; written atomically so a crash never leaves half a file."""

    def __init__(self, directory: Path | None) -> None:
        self.dir = directory / "stages" if directory else None
        self.hits: list[str] = []

    def _path(self, stage: str, key: str) -> Path | None:
        return self.dir / f"{stage}-{key[:24]}.json" if self.dir else None

    def get(self, stage: str, key: str) -> Any:
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
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(value, default=_plain), encoding="utf-8")
        tmp.replace(path)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    raise TypeError(f"cannot cache {type(value).__name__}")
