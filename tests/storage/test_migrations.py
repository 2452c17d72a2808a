"""Migrations: every earlier revision upgrades to the schema the code expects (the first release's too),
and workers starting together on one fresh database serialise their migrations instead of crashing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from bot.storage import Store
from bot.storage.store import MIGRATIONS, alembic_config
from tests.support.helpers import Console, fresh_postgres, postgres_available, settings_for, start_runtime
from tests.support.paths import ROOT

FIRST_RELEASE = Path(__file__).parent / "fixtures" / "first_release_0001_initial_tables.py.txt"
BIN = Path(sys.executable).parent / "interviewer"
# every released revision a database may stand at; "first-release" is 0001 as the first release shipped it
EARLIER = ["first-release", "0001", "0002", "0003", "0007", "0009", "0010"]


def _first_release_scripts(tmp_path: Path) -> Path:
    """A migrations folder holding only 0001 as the first release shipped it (lease_until was added to
    0001 after release, which is why released migrations must never be edited)."""
    scripts = tmp_path / "first_release_migrations"
    (scripts / "versions").mkdir(parents=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(MIGRATIONS / name, scripts / name)
    shutil.copy(FIRST_RELEASE, scripts / "versions" / "0001_initial_tables.py")
    return scripts


async def _build_at(url: str, revision: str, tmp_path: Path) -> None:
    engine = create_async_engine(url)

    def upgrade(connection: sa.Connection) -> None:
        config = alembic_config(connection)
        if revision == "first-release":
            config.set_main_option("script_location", str(_first_release_scripts(tmp_path)))
            command.upgrade(config, "0001")
        else:
            command.upgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(upgrade)
    await engine.dispose()


def _ours(name: str | None, kind: str, parents: object) -> bool:
    # slack_* tables belong to slack_sdk's installation stores; tests/storage/test_store.py checks them against it
    return not (kind == "table" and name is not None and name.startswith("slack_"))


def _differences(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": False, "include_name": _ours})
    return compare_metadata(context, SQLModel.metadata)


@pytest.mark.parametrize("revision", EARLIER)
async def test_every_earlier_revision_upgrades_to_the_schema_of_the_code(
    database_url: str, tmp_path: Path, revision: str
) -> None:
    await _build_at(database_url, revision, tmp_path)
    store = Store(database_url)
    try:
        async with store.engine.connect() as conn:
            before = await conn.run_sync(_differences)
        assert before, "an earlier revision lacks something the code needs"
        await store.upgrade()
        async with store.engine.connect() as conn:
            after = await conn.run_sync(_differences)
            heads = (await conn.execute(sa.text("select version_num from alembic_version"))).scalars().all()
        assert after == [], after
        assert heads == [ScriptDirectory(str(MIGRATIONS)).get_current_head()]
    finally:
        await store.close()


async def test_a_first_release_database_runs_whole_interviews_after_the_upgrade(
    database_url: str, tmp_path: Path, study_dir: Path
) -> None:
    """The first release's databases said "up to date" but lacked outbox.lease_until: every turn failed."""
    await _build_at(database_url, "first-release", tmp_path)
    async with start_runtime(settings_for(database_url, study_dir)) as runtime:
        c = Console(runtime)
        await c.session.open()
        await c.say("1")
        await c.say("1")
        await c.say("2")
        assert "Which tasks do you use tools for?" in c.texts[-1]


async def test_upgrading_twice_changes_nothing(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    try:
        await store.upgrade()
        await store.upgrade()
        async with store.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await store.close()


def _start_two_workers(database_url: str, tmp_path: Path) -> list[subprocess.CompletedProcess[str]]:
    """Two `interviewer schedule show` processes at once: each runs the whole start-up (migrations, study
    versions, the generated pseudonym key) on the same database, as two bot workers starting do."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SLACK_", "DISCORD_"))}
    env.pop("PSEUDONYM_KEY", None)  # both generate-or-read the instance key: part of the race
    env.update(DATABASE_URL=database_url.replace("+aiosqlite", "").replace("+psycopg", ""))
    env.update(STUDIES_DIR=str(ROOT / "studies"))
    workers = [
        subprocess.Popen(
            [str(BIN), "schedule", "show", "teachers"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(worker.args, worker.returncode, out, err))
    return results


async def _study_versions(url: str) -> list[tuple[str, int]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text("select study_id, version from study_versions order by 1, 2"))
            return [(r[0], r[1]) for r in rows]
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("trial", range(10))
async def test_two_workers_starting_together_on_a_fresh_postgres_database(tmp_path: Path, trial: int) -> None:
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    async with fresh_postgres() as url:
        results = _start_two_workers(url, tmp_path)
        for result in results:
            assert result.returncode == 0, result.stderr
            assert "Traceback" not in result.stderr
        assert await _study_versions(url) == [
            (s, 1) for s in ("ai-at-work", "creatives", "scientists", "teachers")
        ]


@pytest.mark.parametrize("trial", range(3))
async def test_two_workers_starting_together_on_a_fresh_sqlite_file(tmp_path: Path, trial: int) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    for result in _start_two_workers(url, tmp_path):
        assert result.returncode == 0, result.stderr
    assert await _study_versions(url) == [
        (s, 1) for s in ("ai-at-work", "creatives", "scientists", "teachers")
    ]
