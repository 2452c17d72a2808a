"""Modules stay small and single-purpose: at most 400 lines, and no function longer than 60 lines.

Measured with `ast` over the code that runs (bot/, adapters/), the benchmarks (bench/), the evaluation
(eval/) and the fakes the tests talk to (tests/support/fakes/). A module past the limit is split by what its parts do, a long function
into the steps it takes; the limits are not raised for one file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("bot", "adapters", "bench", "eval", "tests/support/fakes")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
GENERATED = ("bot/storage/migrations/",)  # Alembic revisions: written once, never edited


def _modules() -> list[Path]:
    found = []
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if not name.startswith(GENERATED):
                found.append(path)
    return found


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_measured_folders_hold_code() -> None:
    """A wrong path here would make every other check pass on nothing."""
    names = {_name(path) for path in _modules()}
    assert {"bot/engine/engine.py", "adapters/console.py", "bench/engine_bench.py"} <= names


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_module_is_at_most_400_lines(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines; split it by what its parts do"


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_no_function_is_longer_than_60_lines(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    long = [
        f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{_name(path)}: split these into the steps they take: {'; '.join(long)}"


def test_the_engine_orchestrates_in_at_most_300_lines() -> None:
    """The engine module only orders the work; effects, inbox claiming and answers live beside it."""
    lines = (ROOT / "bot/engine/engine.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 300, f"bot/engine/engine.py has {lines} lines"
