"""The Right to Challenge (issue 20): rule waivers asked for a test, and their audit trail.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "waiver",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("safeguards", sa.Text(), nullable=False),
        sa.Column("idea_id", sa.Integer(), sa.ForeignKey("idea.id"), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_waiver_status", "waiver", ["status"])
    op.create_table(
        "waiver_decision",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("waiver_id", sa.Integer(), sa.ForeignKey("waiver.id"), nullable=False),
        sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status_after", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_waiver_decision_waiver_id", "waiver_decision", ["waiver_id"])


def downgrade() -> None:
    op.drop_index("ix_waiver_decision_waiver_id", "waiver_decision")
    op.drop_table("waiver_decision")
    op.drop_index("ix_waiver_status", "waiver")
    op.drop_table("waiver")
