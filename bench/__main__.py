"""Run every benchmark in turn: `make bench` (or `python -m bench`)."""

from __future__ import annotations

import asyncio
import importlib
import time

MODULES = [
    "bench.engine_bench",
    "bench.slack_bench",
    "bench.schedule_bench",
    "bench.export_bench",
    "bench.redaction_bench",
    "bench.analysis_bench",
    "bench.claude_cost_bench",
    "bench.kill_harness",
    "bench.demo_bench",
]


async def main() -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        start = time.perf_counter()
        await module.main()
        print(f"  ({name} took {time.perf_counter() - start:.0f} s)\n")


if __name__ == "__main__":
    asyncio.run(main())
