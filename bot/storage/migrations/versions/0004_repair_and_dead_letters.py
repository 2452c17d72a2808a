"""repair first-release databases; dead letters and cut messages in the inbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Databases created by the first release ran a version of 0001 without `outbox.lease_until` (0001 was
edited after release, so `db upgrade` reported them up to date). This revision adds every column a
released revision may lack, only where it is missing, so it is safe on old and new databases alike.
"""

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Columns a database made by some released revision may lack: (table, column factory).
REPAIRS = [
    (
        "outbox",
        lambda: sa.Column("lease_until", bot.storage.models.UTCDateTime(timezone=True), nullable=True),
    ),
]
NEW = [
    ("inbox", lambda: sa.Column("original_chars", sa.Integer(), nullable=True)),
    ("inbox", lambda: sa.Column("error", sa.Text(), nullable=True)),
    ("inbox", lambda: sa.Column("dead_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True)),
]


def _missing(table: str, name: str) -> bool:
    return name not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    for table, column in REPAIRS + NEW:
        made = column()
        if _missing(table, made.name):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.add_column(made)
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_dead_at"), ["dead_at"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_recipient", ["platform", "workspace", "user_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_recipient")
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_dead_at"))
        for _, column in reversed(NEW):
            batch_op.drop_column(column().name)
