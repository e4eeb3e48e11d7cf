"""Delivery at Slack's pace: the next free moment of each paced destination (a channel, a Web API method),
shared by every bot process; and where an author's confirmation was sent, so that a confirmation sent
before its post (in a rush) gets the post's link added later.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pace",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("next_free", sa.Float(), nullable=False),  # seconds since the epoch: plain arithmetic in SQL
    )
    for table in ("idea", "challenge"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("confirmed_in", sa.String(32), nullable=True))
            batch_op.add_column(sa.Column("confirmed_ts", sa.String(32), nullable=True))
            batch_op.add_column(sa.Column("confirmed_linked", sa.Boolean(), nullable=True))


def downgrade() -> None:
    for table in ("challenge", "idea"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("confirmed_linked")
            batch_op.drop_column("confirmed_ts")
            batch_op.drop_column("confirmed_in")
    op.drop_table("pace")
