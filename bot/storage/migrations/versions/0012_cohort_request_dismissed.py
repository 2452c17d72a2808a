"""cohort requests: when a request the bot gave up was dismissed from `interviewer db problems`

Revision ID: 0012
Revises: 0011
Create Date: 2027-02-15
"""

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cohort_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dismissed_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("cohort_requests", schema=None) as batch_op:
        batch_op.drop_column("dismissed_at")
