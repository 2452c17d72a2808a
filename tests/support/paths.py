"""Where the project's files are, for tests at any depth of tests/ (README, bundled studies, manifests)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUDIES = ROOT / "studies"
