"""Alembic environment: runs on the connection the Store hands over (see Store.upgrade)."""

from alembic import context
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations with `interviewer db upgrade`; it opens the configured database.")
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
