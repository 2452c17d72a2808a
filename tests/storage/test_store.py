"""The database handle: SQLite statements in the loop's thread that wait for a busy writer without
blocking it, autocommit single writes, and a connection the server dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from bot.storage import Store
from bot.storage.sqlite_inline import InlineConnection
from tests.support.helpers import fresh_postgres, postgres_available

METADATA = sa.MetaData()
NOTES = sa.Table(
    "notes",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)


async def _store_with_notes(url: str) -> Store:
    store = Store(url)
    async with store.connection() as conn:
        await conn.run_sync(METADATA.create_all)
    return store


async def test_sqlite_runs_inline_and_a_busy_writer_is_waited_for_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    store = await _store_with_notes(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    ticks = 0
    holding = asyncio.Event()
    release = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def first_writer() -> None:
        async with store.connection() as conn:
            await conn.execute(sa.insert(NOTES).values(body="first"))  # takes the write lock
            holding.set()
            await release.wait()  # ... and keeps it while the loop runs other tasks

    async def second_writer() -> int:
        await holding.wait()
        before = ticks
        async with store.connection() as conn:
            await conn.execute(sa.insert(NOTES).values(body="second"))  # busy until the first commits
        return ticks - before

    try:
        async with store.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
        spinning = asyncio.create_task(ticker())
        first = asyncio.create_task(first_writer())
        second = asyncio.create_task(second_writer())
        await holding.wait()
        for _ in range(20):  # the second writer is waiting: the loop still runs everything else
            await asyncio.sleep(0.001)
        assert not second.done()
        release.set()
        await first
        ticks_while_waiting = await asyncio.wait_for(second, 5)
        spinning.cancel()
        assert ticks_while_waiting > 0
        async with store.connection() as conn:
            bodies = (await conn.execute(sa.select(NOTES.c.body).order_by(NOTES.c.id))).scalars().all()
        assert bodies == ["first", "second"]
    finally:
        await store.close()


async def test_sqlite_errors_other_than_busy_surface_at_once(tmp_path: Path) -> None:
    store = await _store_with_notes(f"sqlite+aiosqlite:///{tmp_path / 'errors.db'}")
    try:
        with pytest.raises(sa.exc.IntegrityError):
            await store.execute_one(sa.insert(NOTES).values(body=None))
        with pytest.raises(sa.exc.OperationalError, match="no such table"):
            await store.execute_one(text("INSERT INTO missing VALUES (1)"))
    finally:
        await store.close()


@pytest.mark.postgres
async def test_a_connection_the_server_dropped_is_retried_once_on_a_fresh_one() -> None:
    """No ping before each checkout: the first statement on a dropped connection fails, the pool is
    invalidated, and `execute_one` runs the write again on a new connection."""
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    async with fresh_postgres() as url:
        store = await _store_with_notes(url)
        try:
            async with store.autocommit_engine.connect() as conn:  # the pooled connection to be cut
                pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            admin = Store(url)
            async with admin.engine.connect() as conn:
                await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await admin.close()
            await store.execute_one(sa.insert(NOTES).values(body="after the cut"))
            async with store.connection() as conn:
                bodies = (await conn.execute(sa.select(NOTES.c.body))).scalars().all()
            async with store.autocommit_engine.connect() as conn:
                new_pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            assert bodies == ["after the cut"] and new_pid != pid
        finally:
            await store.close()


async def test_an_in_memory_sqlite_database_is_one_database_for_every_kind_of_write() -> None:
    store = await _store_with_notes("sqlite+aiosqlite://")
    try:
        await store.execute_one(sa.insert(NOTES).values(body="autocommit"))
        async with store.connection() as conn:
            await conn.execute(sa.insert(NOTES).values(body="transaction"))
        async with store.session() as s:
            bodies = (await s.exec(sa.select(NOTES.c.body).order_by(NOTES.c.id))).scalars().all()  # type: ignore[call-overload]
        assert bodies == ["autocommit", "transaction"]
    finally:
        await store.close()


async def test_the_slack_installation_tables_match_slack_sdks_stores(database_url: str) -> None:
    """Our migration writes out slack_sdk's installation and OAuth state tables: same columns."""
    import sqlalchemy as sa
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

    from bot.storage import Store

    store = Store(database_url)
    try:
        await store.upgrade()
        expected = AsyncSQLAlchemyInstallationStore("c", store.engine).metadata
        expected_states = AsyncSQLAlchemyOAuthStateStore(60, store.engine).metadata
        async with store.engine.connect() as conn:
            for table in [*expected.tables.values(), *expected_states.tables.values()]:
                columns = await conn.run_sync(
                    lambda c, t=table: {col["name"] for col in sa.inspect(c).get_columns(t.name)}
                )
                assert columns == {c.name for c in table.columns}, table.name
    finally:
        await store.close()
