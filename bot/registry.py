"""The registry of past projects: importing CSV, JSON or JSONL files, with column mapping and checks."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.text import clean, shorten
from storage import queries
from storage.models import PastProject

FIELDS = (
    "external_id",
    "title",
    "summary",
    "organisation",
    "country",
    "sector",
    "status",
    "lessons_learned",
    "contact",
    "url",
    "start_year",
    "language",
    "source",
)
# Column names recognised without --map, checked in order (lower case, spaces and dashes as "_").
ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id", "case_id", "project_id", "identifier", "ref", "reference"),
    "title": ("title", "name", "project_name", "project", "case_name"),
    "summary": ("summary", "description", "abstract", "details", "text"),
    "organisation": (
        "organisation",
        "organization",
        "lead_organisation_name",
        "lead_organization_name",
        "lead_organisation",
        "owner",
        "agency",
    ),
    "country": ("country", "geocoverage", "region", "location"),
    "sector": ("sector", "primary_sector", "domain", "policy_area"),
    "status": ("status", "outcome", "stage", "result"),
    "lessons_learned": ("lessons_learned", "lessons", "learnings", "lessons_learnt"),
    "contact": ("contact", "contact_person", "email", "contact_email"),
    "url": ("url", "link", "website", "source_url"),
    "start_year": ("start_year", "year", "start_date", "started", "start"),
    "language": ("language", "lang"),
    "source": ("source", "dataset"),
}
# Fields longer than this refuse their row (they are names and addresses: a cut one would be wrong).
LIMITS = {"external_id": 100, "title": 300, "organisation": 1000, "country": 300, "sector": 300, "contact": 300}
URL_MAX = 1000
# Free text longer than this is cut with "…" and the cut is reported by line (Slack shows a few hundred
# characters of it; what is kept is for exports and matching, and a bound keeps a bad file from filling it).
CUT_AT = {"summary": 20_000, "lessons_learned": 10_000}
STATUSES = {
    "planned": "planned",
    "idea": "idea",
    "in development": "in development",
    "development": "in development",
    "pilot": "pilot",
    "piloting": "pilot",
    "experiment": "pilot",
    "implemented": "implemented",
    "in production": "implemented",
    "in use": "implemented",
    "live": "implemented",
    "completed": "completed",
    "success": "success",
    "successful": "success",
    "partial": "partial",
    "stopped": "stopped",
    "not in use anymore": "stopped",
    "discontinued": "stopped",
    "abandoned": "stopped",
    "failed": "failed",
    "failure": "failed",
    "inconclusive": "inconclusive",
}


class ImportRefused(ValueError):
    """The file cannot be imported (unreadable, unknown columns, or bad rows with --strict)."""


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    cut: list[tuple[int, str]] = field(default_factory=list)  # rows kept with a field cut to its limit

    def summary(self) -> str:
        counts = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {len(self.rejected)} rejected"
        )
        return counts + (f", {len(self.cut)} with a field cut" if self.cut else "")


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for each row of a CSV, JSON (array of objects) or JSONL file."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                try:
                    for row in reader:
                        yield reader.line_num, row
                except csv.Error as error:  # a field over csv's 128 KiB limit, say
                    raise ImportRefused(f"line {reader.line_num + 1}: the CSV cannot be read ({error})") from None
        elif suffix == ".jsonl":
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if line.strip():
                        yield number, _json_object(line, number)
        elif suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            items = data.get("projects", data.get("items")) if isinstance(data, dict) else data
            if not isinstance(items, list):
                raise ImportRefused('the JSON file must hold a list of objects (or {"projects": [...]})')
            for number, item in enumerate(items, start=1):
                yield number, item if isinstance(item, dict) else {"__error__": "not an object"}
        else:
            raise ImportRefused(f"unknown file type '{suffix}': use .csv, .json or .jsonl")
    except UnicodeDecodeError as error:
        raise ImportRefused(f"the file is not UTF-8 text ({error.reason})") from None

    except json.JSONDecodeError as error:
        raise ImportRefused(f"the JSON file is not valid: {error.msg} at line {error.lineno}") from None


def _json_object(line: str, number: int) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        return {"__error__": f"not valid JSON ({error.msg})"}
    return value if isinstance(value, dict) else {"__error__": "not a JSON object"}


def column_mapping(columns: list[str], overrides: Mapping[str, str]) -> dict[str, str]:
    """field -> column: explicit `overrides` (column -> field) first, then the known aliases."""
    unknown = [name for name in overrides.values() if name not in FIELDS]
    if unknown:
        raise ImportRefused(f"--map names unknown field(s) {', '.join(unknown)}; fields: {', '.join(FIELDS)}")
    missing = [column for column in overrides if column not in columns]
    if missing:
        raise ImportRefused(f"--map names column(s) not in the file: {', '.join(missing)}")
    mapping = {field_name: column for column, field_name in overrides.items()}
    by_key = {_key(column): column for column in columns}
    for field_name, aliases in ALIASES.items():
        if field_name not in mapping:
            for alias in aliases:
                if alias in by_key and by_key[alias] not in mapping.values():
                    mapping[field_name] = by_key[alias]
                    break
    for needed in ("external_id", "title"):
        if needed not in mapping:
            raise ImportRefused(
                f"no column for '{needed}' (looked for {', '.join(ALIASES[needed])}); "
                f"name one with --map COLUMN={needed}"
            )
    return mapping


def to_project_fields(
    record: Mapping[str, Any], mapping: Mapping[str, str], cuts: list[str] | None = None
) -> dict[str, Any]:
    """Checked, cleaned field values for one record; raises ValueError with the reason. Over-long free
    text is cut, and what was cut is appended to `cuts`."""
    if "__error__" in record:
        raise ValueError(record["__error__"])
    values: dict[str, Any] = {}
    for field_name, column in mapping.items():
        raw = record.get(column)
        values[field_name] = clean(str(raw)) if raw is not None else ""
    if not values["external_id"]:
        raise ValueError(f"no id (column '{mapping['external_id']}' is empty)")
    if not values["title"]:
        raise ValueError(f"no title (column '{mapping['title']}' is empty)")
    for name, limit in LIMITS.items():
        if len(values.get(name) or "") > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
    values["url"] = first_web_address(values.get("url") or "")
    if len(values["url"]) > URL_MAX:
        raise ValueError(f"url is longer than {URL_MAX} characters")
    for name, limit in CUT_AT.items():
        if len(values.get(name) or "") > limit:
            values[name] = shorten(values[name], limit)
            if cuts is not None:
                cuts.append(f"{name} cut to {limit} characters")
    values["start_year"] = _year(values.get("start_year") or "")
    if values.get("status"):
        values["status"] = STATUSES.get(values["status"].lower(), values["status"].lower()[:50])
    optional = {name: value or None for name, value in values.items() if name != "summary"}
    return optional | {"summary": values.get("summary") or ""}


def first_web_address(text: str) -> str:
    """The first http(s) address in a cell ("www." gets https://); empty if there is none."""
    match = re.search(r"(https?://|www\.)[^\s,;<>\"|]+", text)  # "|" and "<>" would end a Slack link
    if match is None:
        return ""
    address = match.group(0).rstrip(".)")
    return address if address.startswith("http") else f"https://{address}"


def _year(text: str) -> int | None:
    match = re.search(r"\b(1[89]\d\d|20\d\d)\b", text)
    if text and match is None:
        raise ValueError(f"start year is not a year: {text[:20]!r}")
    return int(match.group(1)) if match else None


def import_projects(
    session: Session,
    path: Path,
    *,
    now: datetime,
    overrides: Mapping[str, str] | None = None,
    strict: bool = False,
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Add or update projects from `path`, by external id. With `strict`, any bad row refuses the file."""
    report = ImportReport()
    records = list(read_records(path))
    if not records:
        raise ImportRefused("the file has no rows")
    columns = list(dict.fromkeys(key for _, record in records for key in record if key != "__error__"))
    mapping = column_mapping(columns, overrides or {})
    accepted: dict[str, dict[str, Any]] = {}
    for number, record in records:
        cuts: list[str] = []
        try:
            fields = to_project_fields(record, mapping, cuts)
        except ValueError as error:
            report.rejected.append((number, str(error)))
            continue
        report.cut += [(number, cut) for cut in cuts]
        fields["source"] = fields.get("source") or source or path.name
        accepted[fields["external_id"]] = fields  # a later row with the same id wins
    if strict and report.rejected:
        raise ImportRefused(f"{len(report.rejected)} bad row(s); nothing imported (--strict)")
    existing = queries.projects_by_external_id(session, list(accepted))
    for done, (external_id, fields) in enumerate(accepted.items(), start=1):
        project = existing.get(external_id)
        if project is None:
            session.add(PastProject(**fields, created_at=now, updated_at=now))
            report.added += 1
        elif any(getattr(project, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(project, name, value)
            project.updated_at = now
            report.updated += 1
        else:
            report.unchanged += 1
        if progress is not None and done % 100 == 0:
            progress(100)
    if progress is not None:
        progress(len(accepted) % 100)
    return report


def _key(column: str) -> str:
    return re.sub(r"[\s\-]+", "_", column.strip().lower())
