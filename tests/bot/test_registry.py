"""Importing the registry of past projects on SQLite and PostgreSQL: formats, mapping, bad rows, re-imports."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.registry import ImportRefused, first_web_address, import_projects
from storage.db import Database
from storage.models import PastProject

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
# 30 cases in the layout of the EU's Public Sector Tech Watch (IPS Explorer) export, written for these tests
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "registry-sample.csv"


def run(db: Database, path: Path, **options):
    with db.session() as session:
        return import_projects(session, path, now=NOW, **options)


def stored(db: Database) -> dict[str, PastProject]:
    with db.session() as session:
        return {p.external_id: p for p in session.exec(select(PastProject)).all()}


def test_the_eu_registrys_export_layout_imports_without_a_mapping(db: Database):
    report = run(db, SAMPLE)
    assert (report.added, report.rejected) == (30, [])
    project = stored(db)["20003"]
    assert project.title == "Camera system - mobile phone use while driving"
    assert project.organisation == "Road Safety Institute" and project.country == "Belgium"
    assert project.status == "pilot" and project.url == "https://example.org/phone-cameras"  # its space trimmed
    assert stored(db)["20005"].status == "stopped"  # "Not in use anymore"
    assert project.source == "registry-sample.csv"


def test_reimporting_updates_by_id_instead_of_duplicating(db: Database, tmp_path: Path):
    first = tmp_path / "projects.csv"
    first.write_text("id,title,status\nP1,Parking chatbot,pilot\nP2,Tax chatbot,implemented\n")
    assert run(db, first).added == 2
    first.write_text("id,title,status\nP1,Parking chatbot,stopped\nP2,Tax chatbot,implemented\n")
    report = run(db, first)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    assert stored(db)["P1"].status == "stopped" and len(stored(db)) == 2


def test_bad_rows_are_reported_by_line_and_the_good_ones_imported(db: Database, tmp_path: Path):
    path = tmp_path / "projects.csv"
    path.write_text("id,title,start_date\nP1,Good one,2019-03-01\n,No id,2020\nP3,,2020\nP4,Bad year,soon\n")
    report = run(db, path)
    assert report.added == 1
    assert report.rejected == [
        (3, "no id (column 'id' is empty)"),
        (4, "no title (column 'title' is empty)"),
        (5, "start year is not a year: 'soon'"),
    ]
    assert stored(db)["P1"].start_year == 2019


def test_strict_refuses_the_whole_file(db: Database, tmp_path: Path):
    path = tmp_path / "projects.jsonl"
    path.write_text('{"id": "P1", "title": "Good"}\nnot json\n')
    with pytest.raises(ImportRefused, match="1 bad row"):
        run(db, path, strict=True)
    assert stored(db) == {}


def test_json_and_jsonl_with_a_column_mapping(db: Database, tmp_path: Path):
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(json.dumps({"ref_no": "J1", "heading": "Sensors in bins", "what_we_learned": "Batteries die"}))
    report = run(
        db, jsonl, overrides={"ref_no": "external_id", "heading": "title", "what_we_learned": "lessons_learned"}
    )
    assert report.added == 1 and stored(db)["J1"].lessons_learned == "Batteries die"
    array = tmp_path / "b.json"
    array.write_text(json.dumps([{"id": 7, "name": "Chatbot", "outcome": "Failed", "description": "x"}]))
    assert run(db, array).added == 1
    assert stored(db)["7"].status == "failed"


def test_unusable_files_are_refused_with_a_clear_reason(db: Database, tmp_path: Path):
    no_title = tmp_path / "c.csv"
    no_title.write_text("id,heading\n1,x\n")
    with pytest.raises(ImportRefused, match=r"no column for 'title'.*--map COLUMN=title"):
        run(db, no_title)
    other = tmp_path / "d.xlsx"
    other.write_text("")
    with pytest.raises(ImportRefused, match="unknown file type"):
        run(db, other)
    with pytest.raises(ImportRefused, match="unknown field"):
        run(db, no_title, overrides={"heading": "headline"})


def test_a_web_address_stops_where_a_slack_link_would_end():
    """A `|` or `>` in a registry cell would otherwise end the link early and let the rest be read as mrkdwn."""
    assert first_web_address("https://evil.example/p|<!channel>") == "https://evil.example/p"
    assert first_web_address("see www.registry.example/x>y") == "https://www.registry.example/x"


def test_over_long_fields_are_cut_or_refused_by_line_with_the_reason(db: Database, tmp_path: Path):
    path = tmp_path / "projects.csv"
    long_url = "https://example.org/" + "a" * 2950
    long_lessons = "Ask the front desk first & listen. " * 400
    path.write_text(
        f'id,title,url,lessons\nP1,Long address,{long_url},\nP2,Long lessons,https://example.org/p2,"{long_lessons}"\n'
    )
    report = run(db, path)
    assert report.rejected == [(2, "url is longer than 1000 characters")]
    assert report.cut == [(3, "lessons_learned cut to 10000 characters")]
    kept = stored(db)["P2"].lessons_learned
    assert 9900 < len(kept) <= 10_000 and kept.endswith("…")  # cut at a word
    assert "1 with a field cut" in report.summary()


def test_a_csv_field_over_128_kib_is_refused_with_its_line_not_a_traceback(db: Database, tmp_path: Path):
    path = tmp_path / "projects.csv"
    path.write_text("id,title,summary\nP1,Fine,short\n" + f'P2,Huge,"{"x" * 140_000}"\n')
    with pytest.raises(ImportRefused, match=r"line 3: the CSV cannot be read \(field larger than field limit"):
        run(db, path)
    assert stored(db) == {}
