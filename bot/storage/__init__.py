"""Persistence: SQLModel tables, the async `Store`, and Alembic migrations."""

from bot.storage.store import Store

__all__ = ["Store"]
