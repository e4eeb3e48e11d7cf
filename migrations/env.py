"""Alembic environment: runs on the connection that `storage.db.Database.migrate` passes in."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - registers the tables on SQLModel.metadata

target_metadata = SQLModel.metadata


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:  # the alembic CLI, e.g. `alembic revision --autogenerate`
    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///innovation-bot.db"
    with create_engine(url).begin() as conn:
        run_migrations(conn)
