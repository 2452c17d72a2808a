"""Every Sender in the repository (adapters, the pilot's, the benchmarks' and the tests' own) keeps the
parameters of `bot.messages.Sender`. mypy checks bot/ and adapters/ only, and the engine logs a sender's
TypeError as "could not update answered message" instead of failing: a test or benchmark sender left
behind by a change of the protocol would measure or test a bot that no longer behaves as shipped."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from bot.messages import Sender

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("send", "mark_answered", "delete")


def _protocol(name: str) -> list[tuple[str, bool]]:
    """(name, has a default) of each parameter after `self`."""
    params = list(inspect.signature(getattr(Sender, name)).parameters.values())[1:]
    return [(p.name, p.default is not inspect.Parameter.empty) for p in params]


def _implementations() -> list[tuple[str, str, list[tuple[str, bool]]]]:
    found = []
    for folder in ("adapters", "bot", "bench", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name != "Sender"):
                methods = {
                    f.name: f for f in cls.body if isinstance(f, ast.AsyncFunctionDef) and f.name in METHODS
                }
                if "mark_answered" not in methods:  # a Sender implements it; other classes may have `send`
                    continue
                for name, func in methods.items():
                    args = func.args.args[1:]
                    defaults = len(func.args.defaults)
                    params = [(a.arg, i >= len(args) - defaults) for i, a in enumerate(args)]
                    found.append((f"{path.relative_to(ROOT)}:{cls.name}", name, params))
    return found


IMPLEMENTATIONS = _implementations()


def test_the_repository_has_senders_to_check() -> None:
    places = {where.split(":")[0] for where, _, _ in IMPLEMENTATIONS}
    assert {"adapters/console.py", "bench/engine_bench.py", "tests/support/outreach.py"} <= places


@pytest.mark.parametrize(("where", "method", "params"), IMPLEMENTATIONS, ids=lambda v: str(v)[:60])
def test_each_sender_takes_the_protocols_parameters(
    where: str, method: str, params: list[tuple[str, bool]]
) -> None:
    assert params == _protocol(method), f"{where}.{method} differs from bot.messages.Sender.{method}"
