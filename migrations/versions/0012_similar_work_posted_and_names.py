"""What reviewers are shown as similar work (kept once, with the scores the author saw), and the name
Slack gives a person (for terminal output that should not print raw user IDs) and when Slack said their
account was deactivated (retention counts from then) or they asked to be erased while reviewing open ideas.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("idea", "challenge"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("similar_posted", sa.Text(), nullable=True))
    with op.batch_alter_table("slack_user") as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("deactivated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("erasure_requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_user") as batch_op:
        batch_op.drop_column("erasure_requested_at")
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("name")
    for table in ("idea", "challenge"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("similar_posted")
