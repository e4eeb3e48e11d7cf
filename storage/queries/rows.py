"""Adding a row that two processes (or a request and its own background look-up) may add at once."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

Row = TypeVar("Row", bound=SQLModel)


def row_once(session: Session, model: type[Row], key: Any, **values: Any) -> Row:
    """The row with primary key `key`, added with `values` if missing. Added with "on conflict do nothing":
    a plain insert that lost the race failed the caller's whole transaction (a language choice, an erasure
    request were lost that way)."""
    row = session.get(model, key)
    if row is None:
        insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(model).values(**values).on_conflict_do_nothing())
        row = session.get(model, key, populate_existing=True)
        assert row is not None
    return row
