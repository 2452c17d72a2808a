"""The async database handle: engine, sessions, migrations, and the dialect details (SQLite vs PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from filelock import FileLock, Timeout
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.sql.expression import Executable
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import InterviewerError
from bot.storage import sqlite_inline
from bot.text_files import printable

log = logging.getLogger(__name__)
# A Core row with any columns: read on the hot paths where building ORM objects would cost too much.
CoreRow = Row[*tuple[Any, ...]]
MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK_KEY = 0x696E7476  # PostgreSQL advisory lock id for migrations ("intv")
MIGRATION_WAIT_SECONDS = 120.0


class DatabaseFolderMissing(InterviewerError):
    """DATABASE_URL names a SQLite file in a folder that does not exist (a mistyped path, most likely) or
    that this process cannot write in."""


def _sqlite_pragmas(busy_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers run beside the single writer; busy_timeout waits for the writer instead of
        # failing (0 for inline connections, which wait without blocking the loop).
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted content is overwritten with zeros, not left in free pages (withdrawal, retention).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    return on_connect


async def core_connection(db: AsyncSession | AsyncConnection) -> AsyncConnection:
    """The connection to run Core statements on: a session's own (its transaction), or `db` itself."""
    return await db.connection() if isinstance(db, AsyncSession) else db


class Store:
    """One database. `session()` yields a session inside a transaction that commits on success."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        # hide_parameters: an error's message never carries the values (participants' words) it bound
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if not url.startswith("sqlite"):
            # No ping before each checkout (a round trip per transaction): a connection the server
            # dropped fails its statement once, which invalidates the whole pool (`retry_on_disconnect`
            # and the engine's retries cover that one failure); pool_recycle retires idle ones.
            kwargs.update(pool_size=20, max_overflow=20, pool_recycle=1800)
        parsed = make_url(url)
        inline = parsed.drivername == "sqlite+aiosqlite" and not parsed.query  # plain file (or memory)
        if inline:
            kwargs["async_creator"] = sqlite_inline.creator(parsed.database or ":memory:")
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        # Single writes go through connections that stay in autocommit mode (a small pool of their own),
        # so neither pool switches a connection's mode at every checkout.
        if not url.startswith("sqlite"):
            kwargs.update(pool_size=5, max_overflow=10)
        if self.is_sqlite and parsed.database in (None, "", ":memory:"):
            # one in-memory database lives in one connection: share it, switching its mode per use
            self.autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            self.autocommit_engine = create_async_engine(url, isolation_level="AUTOCOMMIT", **kwargs)
        if self.is_sqlite:
            busy_ms = 0 if inline else int(sqlite_inline.BUSY_SECONDS * 1000)
            for engine in {self.engine.sync_engine, self.autocommit_engine.sync_engine}:
                event.listen(engine, "connect", _sqlite_pragmas(busy_ms))
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection inside a transaction that commits on success: no ORM session to set up."""
        async with self.engine.begin() as conn:
            yield conn

    async def execute_one(self, statement: Executable, params: dict[str, Any] | None = None) -> None:
        """Run one write statement that is its own transaction, in autocommit mode: no BEGIN and COMMIT
        round trips around it. A connection the server had dropped is retried once on a fresh one."""
        for attempt in (1, 2):
            try:
                async with self.autocommit_engine.connect() as conn:
                    await conn.execute(statement, params)
                return
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise

    async def upgrade(self) -> None:
        """Apply Alembic migrations up to the newest revision, one process at a time: workers starting
        together on one database wait for each other instead of racing to create the same tables."""
        if self.is_postgres:
            async with self.engine.begin() as conn:
                # held until this transaction (the whole upgrade) commits; a second worker then finds
                # the database at the newest revision and has nothing to do
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                await conn.run_sync(_upgrade)
            return
        async with _file_lock(self.url):
            async with self.engine.begin() as conn:
                await conn.run_sync(_upgrade)

    async def close(self) -> None:
        await self.engine.dispose()
        await self.autocommit_engine.dispose()


@asynccontextmanager
async def _file_lock(url: str) -> AsyncIterator[None]:
    """An exclusive lock on `<database file>.lock` (released by the system if the process dies)."""
    database = make_url(url).database
    if not database or database == ":memory:":  # one process owns an in-memory database
        yield
        return
    _check_sqlite_path(database)
    lock = FileLock(f"{database}.lock", timeout=MIGRATION_WAIT_SECONDS)
    try:
        await asyncio.to_thread(lock.acquire)
    except Timeout:
        raise RuntimeError(
            f"another process has been migrating {database} for {MIGRATION_WAIT_SECONDS:g} s; "
            f"if none is running, delete {database}.lock and start again"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _check_sqlite_path(database: str) -> None:
    """Refuse a SQLite file SQLite could not make, before the lock would wait on it or create it."""
    folder = Path(database).parent.absolute()
    if not folder.is_dir():  # checked here: the lock would create it, and SQLite an empty database in it
        raise DatabaseFolderMissing(
            f"the folder {printable(folder)} for the SQLite database does not exist; create it or fix DATABASE_URL"
        )
    if Path(database).is_dir():
        raise DatabaseFolderMissing(
            f"DATABASE_URL names the folder {printable(database)}, not a file; add a file name, "
            f"e.g. sqlite:///{printable(str(Path(database).absolute() / 'interviewer.db'))}"
        )
    try:  # a folder this process cannot write in would look like a lock held by another to FileLock
        Path(f"{database}.lock").open("a").close()
    except OSError as exc:
        raise DatabaseFolderMissing(
            f"cannot write in the folder {printable(folder)} of the SQLite database ({exc.strerror}); "
            "make it writable or point DATABASE_URL at a folder you can write in"
        ) from None


def alembic_config(connection: Connection | None = None) -> Any:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "heads")  # branches from parallel work all apply
