"""Experiments that teach (issue 20): an approved idea's experiment plan, and its team's check-ins.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "experiment",
        sa.Column("idea_id", sa.Integer(), sa.ForeignKey("idea.id"), primary_key=True),
        sa.Column("hypothesis", sa.Text(), nullable=False),
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("baseline", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("cost", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("stop_when", sa.Text(), nullable=True),
        sa.Column("planned_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("final_value", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("next_time", sa.Text(), nullable=True),
        sa.Column("scale", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    op.create_table(
        "experiment_checkin",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("idea_id", sa.Integer(), sa.ForeignKey("idea.id"), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("value_so_far", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("learned", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_experiment_checkin_idea_id", "experiment_checkin", ["idea_id"])


def downgrade() -> None:
    op.drop_index("ix_experiment_checkin_idea_id", "experiment_checkin")
    op.drop_table("experiment_checkin")
    op.drop_table("experiment")
