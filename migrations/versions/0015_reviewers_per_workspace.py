"""Reviewers per team belong to a workspace (edited in its Settings); the rows kept so far, set from the
terminal, become the deployment's, used by every workspace that has not named its own for that team.
A setting change's name may now carry a team's name.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a new primary key: recreate the table (the same statements on SQLite and PostgreSQL)
    op.create_table(
        "reviewer_mapping_new",
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("reviewers", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "team"),
    )
    op.execute(
        "INSERT INTO reviewer_mapping_new (workspace_id, team, label, reviewers, updated_at) "
        "SELECT '', team, label, reviewers, updated_at FROM reviewer_mapping"
    )
    op.drop_table("reviewer_mapping")
    op.rename_table("reviewer_mapping_new", "reviewer_mapping")
    with op.batch_alter_table("setting_change") as batch_op:
        batch_op.alter_column("name", type_=sa.String(200), existing_type=sa.String(40), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("setting_change") as batch_op:
        batch_op.alter_column("name", type_=sa.String(40), existing_type=sa.String(200), existing_nullable=False)
    op.create_table(
        "reviewer_mapping_old",
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("reviewers", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team"),
    )
    op.execute(
        "INSERT INTO reviewer_mapping_old (team, label, reviewers, updated_at) "
        "SELECT team, label, reviewers, updated_at FROM reviewer_mapping WHERE workspace_id = ''"
    )
    op.drop_table("reviewer_mapping")
    op.rename_table("reviewer_mapping_old", "reviewer_mapping")
