"""Persistence: SQLModel tables, the async `Store`, and Alembic migrations."""

from bot.storage.store import Store, core_connection

__all__ = ["Store", "core_connection"]
