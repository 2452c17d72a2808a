"""claude incidents: outages, permanent rejections and refusals per interview move

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claude_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("move_token", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("unalerted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("claude_incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claude_incidents_study_id"), ["study_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claude_incidents_interview_id"), ["interview_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claude_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claude_incidents_interview_id"))
        batch_op.drop_index(batch_op.f("ix_claude_incidents_study_id"))
    op.drop_table("claude_incidents")
