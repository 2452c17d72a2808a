"""Shared fixtures. `database_url` runs a test on SQLite and, where it answers, on PostgreSQL; `runtime`
is a started runtime on SQLite with the small study, closed after the test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runtime import Runtime
from tests.support.helpers import fresh_postgres, postgres_available, settings_for, start_runtime, write_study

# One compute thread per process, for every test process and every process a test starts (they inherit
# the environment). The suite runs four workers on two cores, each starting commands of its own; with
# PyTorch's default of a thread per core, OpenMP threads of different processes wait on each other
# spinning: on a 2-core machine the analysis tests took 258 s (478 s of CPU) that way, 179 s (314 s) with
# one thread. Users' own runs keep the default.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # In CI (INTERVIEWER_TEST_POSTGRES_URL set) a missing PostgreSQL is a failure, not a skip.
    if os.environ.get("INTERVIEWER_TEST_POSTGRES_URL") and not postgres_available():
        raise pytest.UsageError("INTERVIEWER_TEST_POSTGRES_URL is set but PostgreSQL does not answer")
    # The longest tests go first, so that in a parallel run none of them starts last and the other
    # workers do not sit idle waiting for it (a stable sort: the rest keep their order).
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "studies"
    directory.mkdir()
    write_study(directory)
    return directory


@pytest.fixture
async def runtime(sqlite_url: str, study_dir: Path) -> AsyncIterator[Runtime]:
    """The bot's parts on SQLite with the small study and the offline interviewer. A test that needs other
    settings, PostgreSQL or a restart starts its own: `async with start_runtime(settings) as runtime:`."""
    async with start_runtime(settings_for(sqlite_url, study_dir)) as started:
        yield started
