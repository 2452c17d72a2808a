"""SQLite statements run in the event loop's own thread, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs each connection in a worker thread and hands every call (open a cursor, execute, fetch,
close, commit) across a queue and back: four thread hand-offs per statement, which cost more than the
statement itself on a local file in WAL mode (tens of microseconds). This module gives the dialect
connections with aiosqlite's interface whose calls run the standard `sqlite3` module directly, so a
statement is one ordinary function call.

Blocking is the one thing to avoid in the loop's thread, and SQLite blocks in one place: waiting for
another connection's write lock. These connections therefore set `busy_timeout=0` and wait for a busy
lock themselves, with `asyncio.sleep` between tries: the loop keeps serving other tasks (among them the
one holding the lock) for up to BUSY_SECONDS, the same patience the threaded driver had.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

BUSY_SECONDS = 10.0
_T = TypeVar("_T")


async def _patiently(call: Callable[[], _T]) -> _T:
    """Run `call`; while SQLite answers SQLITE_BUSY (another connection is writing), sleep and retry."""
    try:
        return call()
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_BUSY":
            raise  # BUSY_SNAPSHOT and the rest cannot succeed by waiting
    loop = asyncio.get_running_loop()
    deadline, pause = loop.time() + BUSY_SECONDS, 0.0005
    while True:
        await asyncio.sleep(pause)
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", "") != "SQLITE_BUSY" or loop.time() > deadline:
                raise
        pause = min(pause * 2, 0.05)


class InlineCursor:
    """aiosqlite's cursor interface over a `sqlite3.Cursor`."""

    def __init__(self, cursor: sqlite3.Cursor):
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        await _patiently(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        rows = list(parameters)  # an iterator could not be replayed after a busy retry
        await _patiently(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _Immediate:
    """Stands in for aiosqlite's request queue, which SQLAlchemy uses to set the isolation level: the
    request runs at once, in this thread."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # handed to the waiting caller, as the queue would
            future.set_exception(exc)


class InlineConnection:
    """aiosqlite's connection interface over a `sqlite3.Connection` used in the event loop's thread."""

    def __init__(self, connection: sqlite3.Connection):
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection  # SQLAlchemy checks it is still open
        self._tx = _Immediate()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        await _patiently(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def creator(database: str) -> Callable[[], Any]:
    """The `async_creator` for `create_async_engine`: connections to `database` that run inline."""

    async def connect() -> InlineConnection:
        # check_same_thread=False: the pool may close a connection from a finalizer; all use is in the
        # loop's thread
        connection = sqlite3.connect(database, check_same_thread=False)
        connection.execute("PRAGMA busy_timeout=0")  # never block the loop: `_patiently` waits instead
        return InlineConnection(connection)

    return connect
