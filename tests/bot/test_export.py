"""Exports are safe to open in a spreadsheet, on both databases."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest

from bot.export import write_export
from bot.submissions import Author, IdeaDraft, submit_idea
from storage.db import Database

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("title", FORMULAS)
def test_a_title_that_starts_like_a_formula_is_exported_as_text(db: Database, tmp_path, title):
    with db.session() as session:
        submit_idea(session, IdeaDraft(title=title, problem="p", proposal="q"), Author("U0ALICE001", "T1"), NOW)
    path = tmp_path / "ideas.csv"
    with db.session() as session:
        write_export(session, path, "csv")
    [row] = list(csv.DictReader(path.open(newline="")))
    assert row["title"] == "'" + title.strip()  # shown as typed (cleaned), never run


def test_a_merge_says_which_work_the_idea_went_into(db: Database, tmp_path):
    from bot import reviews

    author = Author("U0ALICE001", "T1")
    with db.session() as session:
        kept = submit_idea(session, IdeaDraft("Book bulky waste pickup online", "p", "q"), author, NOW, ("U0REV00001",))
        twin = submit_idea(session, IdeaDraft("Online bulky waste booking", "p", "q"), author, NOW, ("U0REV00001",))
        reviews.decide(
            session,
            twin.id,
            "U0REV00001",
            "merge",
            NOW,
            reviews.Deciders(),
            target=f"idea:{kept.id}",
            workspace_id="T1",
        )
    path = tmp_path / "ideas.csv"
    with db.session() as session:
        write_export(session, path, "csv")
    rows = list(csv.DictReader(path.open(newline="")))
    [decision] = [row for row in rows if row["record"] == "decision"]
    [merged] = [row for row in rows if row["record"] == "idea" and row["status"] == "merged"]
    expected = f"idea:{kept.id} Book bulky waste pickup online"
    assert decision["title"] == "merge" and decision["merged_into"] == expected
    assert merged["merged_into"] == expected
