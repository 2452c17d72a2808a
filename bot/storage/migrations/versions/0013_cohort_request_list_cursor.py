"""cohort requests: the member list's place (Slack's users.list cursor), so that a resumed request reads
on from the page it stopped at

Revision ID: 0013
Revises: 0012
Create Date: 2027-02-16
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cohort_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("list_cursor", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cohort_requests", schema=None) as batch_op:
        batch_op.drop_column("list_cursor")
