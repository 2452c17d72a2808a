"""erasure: when an interview's content was deleted (withdrawal or retention)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("erased_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True)
        )
    # Interviews withdrawn before this revision keep erased_at empty: the retention job finishes their
    # erasure (earlier versions left inbox texts and the participant's other interviews behind).


def downgrade() -> None:
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
