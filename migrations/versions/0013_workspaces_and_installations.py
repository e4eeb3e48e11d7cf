"""Several workspaces on one bot: Slack's installations and OAuth states (the tables slack_sdk's SQLAlchemy
stores use, with room for encrypted tokens), each workspace's settings and their history, the workspace
an outbox entry, a person and a digest belong to, and where an idea made from a message came from.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = 600  # a Fernet-encrypted token is about 2.5 times the token's length, and Slack's grow with rotation


def _slack_columns(installation: bool) -> list[sa.Column]:
    """slack_sdk's `SQLAlchemyInstallationStore` columns (naive UTC times, as that store writes them)."""
    columns = [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(SEALED)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(SEALED)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("installed_at", sa.DateTime(), nullable=False, server_default=sa.func.now()),
    ]
    if installation:
        columns += [
            sa.Column("enterprise_url", sa.String(200)),
            sa.Column("user_id", sa.String(32), nullable=False),
            sa.Column("user_token", sa.String(SEALED)),
            sa.Column("user_scopes", sa.String(1000)),
            sa.Column("user_refresh_token", sa.String(SEALED)),
            sa.Column("user_token_expires_at", sa.DateTime()),
            sa.Column("incoming_webhook_url", sa.String(SEALED)),
            sa.Column("incoming_webhook_channel", sa.String(200)),
            sa.Column("incoming_webhook_channel_id", sa.String(200)),
            sa.Column("incoming_webhook_configuration_url", sa.String(200)),
            sa.Column("token_type", sa.String(32)),
        ]
    return columns


def upgrade() -> None:
    op.create_table("slack_installations", *_slack_columns(installation=True))
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table("slack_bots", *_slack_columns(installation=False))
    op.create_index("slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "workspace",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("enterprise_id", sa.String(32), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("settings", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("installed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("uninstalled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("erase_after", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_workspace_enterprise_id", "workspace", ["enterprise_id"])
    op.create_table(
        "setting_change",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_setting_change_workspace_id", "setting_change", ["workspace_id"])
    for table in ("outbox", "slack_user", "digest_run"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("workspace_id", sa.String(32), nullable=True))
    with op.batch_alter_table("digest_run") as batch_op:
        batch_op.drop_constraint("uq_digest_once", type_="unique")
        batch_op.create_unique_constraint("uq_digest_once", ["workspace_id", "channel_id", "period_end"])
    with op.batch_alter_table("idea") as batch_op:
        batch_op.add_column(sa.Column("source_link", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("source_author_id", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("source_author_named", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idea") as batch_op:
        batch_op.drop_column("source_author_named")
        batch_op.drop_column("source_author_id")
        batch_op.drop_column("source_link")
    with op.batch_alter_table("digest_run") as batch_op:
        batch_op.drop_constraint("uq_digest_once", type_="unique")
        batch_op.create_unique_constraint("uq_digest_once", ["channel_id", "period_end"])
    for table in ("digest_run", "slack_user", "outbox"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("workspace_id")
    op.drop_table("setting_change")
    op.drop_table("workspace")
    op.drop_table("slack_oauth_states")
    op.drop_table("slack_bots")
    op.drop_table("slack_installations")
