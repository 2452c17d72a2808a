"""wave plan failures: a follow-up wave whose planning keeps failing is set aside

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wave_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("wave", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("plan_failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("study_id", "wave"),
    )


def downgrade() -> None:
    op.drop_table("wave_plans")
