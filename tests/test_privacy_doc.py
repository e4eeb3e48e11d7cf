"""PRIVACY.md matches the schema and the exports: every column that holds a person's user ID (found by
filling a database through the bot) is named in its table, every column whose name says it holds an ID
is accounted for, and the export holds exactly the columns it lists."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from sqlmodel import SQLModel

from bot.export import COLUMNS
from tests.conftest import RunningBot
from tests.e2e.test_privacy import a_full_life

DOC = (Path(__file__).resolve().parents[1] / "PRIVACY.md").read_text(encoding="utf-8")
NAMED = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", DOC))
IN_TABLE = {
    name for line in DOC.splitlines() if line.startswith("| `") for name in re.findall(r"`([a-z_]+\.[a-z_]+)`", line)
}
USER_ID = re.compile(r"\b[UW]0[A-Z0-9]{6,}\b")
ID_NAMES = re.compile(r".+_id$|.+_by$|^reviewers$|^recipient$|^contact$")


def test_every_column_that_holds_a_user_id_is_named_in_privacy_md(bot: RunningBot):
    a_full_life(bot)
    holding = set()
    with bot.runtime.db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            result = session.execute(text(f'SELECT * FROM "{table.name}"'))
            columns = list(result.keys())
            for row in result.all():
                holding |= {
                    f"{table.name}.{c}" for c, value in zip(columns, row, strict=True) if USER_ID.search(str(value))
                }
    assert holding, "the scenario should leave user IDs in the database"
    assert holding <= IN_TABLE, f"name these in PRIVACY.md's table: {sorted(holding - IN_TABLE)}"


def test_every_column_named_like_an_id_is_accounted_for():
    id_like = {
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if ID_NAMES.fullmatch(column.name)
    }
    assert id_like <= NAMED, f"say in PRIVACY.md whether these hold people: {sorted(id_like - NAMED)}"


def test_the_export_holds_exactly_the_columns_privacy_md_lists():
    paragraph = next(p for p in DOC.split("\n\n") if p.startswith("**Exports**"))
    listed = re.findall(r"`([a-z_]+)`", paragraph.split("these columns", 1)[1])
    assert tuple(listed) == COLUMNS
