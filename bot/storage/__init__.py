"""Persistence: SQLModel tables, the async `Store`, and Alembic migrations."""

from bot.storage.store import CoreRow, Store, core_connection

__all__ = ["CoreRow", "Store", "core_connection"]
