"""Exporting ideas, challenges, decisions, comments and rule waivers (with each of their steps) for reporting
and records requests.

Anonymous authors are exported as "anonymous", and so are their own comments on their idea. In CSV, a cell
that a spreadsheet would run as a formula is neutralised (OWASP's advice on CSV injection).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from storage import queries

# A cell starting with one of these is read as a formula by Excel and LibreOffice (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "record",
    "id",
    "idea_id",
    "title",
    "status",
    "author",
    "team",
    "text",
    "outcome",
    "merged_into",  # for a merged idea and its merge decision: "idea:12 Title" or "project:3 Title"
    "created_at",
)


def export_rows(session: Session) -> list[dict[str, Any]]:
    """One row per idea, challenge, decision, comment, rule waiver and waiver step, in that order."""
    ideas = {idea.id: idea for idea in queries.all_ideas(session)}
    targets = {key: _target(session, key) for idea in ideas.values() if (key := idea.merged_into)}
    rows: list[dict[str, Any]] = []
    for idea in ideas.values():
        rows.append(
            _row(
                "idea",
                idea.id,
                idea.id,
                idea.title,
                idea.status,
                _author(idea, idea.author_id),
                idea.department,
                f"{idea.problem}\n\n{idea.proposal}",
                idea.outcome,
                targets.get(idea.merged_into or ""),
                idea.created_at,
            )
        )
    for challenge in queries.all_challenges(session):
        text = f"{challenge.problem}\n\n{challenge.desired_outcome}"
        rows.append(
            _row(
                "challenge",
                challenge.id,
                None,
                challenge.title,
                challenge.status,
                challenge.author_id,
                None,
                text,
                None,
                None,
                challenge.created_at,
            )
        )
    for decision in queries.all_decisions(session):
        idea = ideas.get(decision.idea_id)
        rows.append(
            _row(
                "decision",
                decision.id,
                decision.idea_id,
                decision.action,
                decision.status_after,
                _author(idea, decision.actor_id),
                None,
                decision.comment,
                None,
                targets.get(idea.merged_into or "") if idea is not None and decision.action == "merge" else None,
                decision.created_at,
            )
        )
    for comment in queries.all_comments(session):
        idea = ideas.get(comment.idea_id)
        rows.append(
            _row(
                "comment",
                comment.id,
                comment.idea_id,
                None,
                None,
                _author(idea, comment.author_id),
                None,
                comment.text,
                None,
                None,
                comment.created_at,
            )
        )
    waivers = {waiver.id: waiver for waiver in queries.all_waivers(session)}
    for waiver in waivers.values():
        text = f"{waiver.why}\n\nSafeguards: {waiver.safeguards}"
        if waiver.conditions:
            text += f"\n\nConditions: {waiver.conditions}"
        until = f"until {waiver.ends_on.isoformat()}" if waiver.ends_on else None
        rows.append(
            _row(
                "waiver",
                waiver.id,
                waiver.idea_id,
                waiver.rule,
                waiver.status,
                waiver.requested_by,
                waiver.team,
                text,
                until,
                None,
                waiver.created_at,
            )
        )
    everything = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
    for decision, waiver in queries.waiver_decisions_between(session, *everything):
        until = f" until {decision.ends_on.isoformat()}" if decision.ends_on else ""
        rows.append(  # a step of a waiver: its title names the waiver, its outcome the step
            _row(
                "waiver_step",
                decision.id,
                waiver.idea_id,
                f"waiver:{waiver.id}",
                decision.status_after,
                decision.actor_id,
                None,
                decision.comment,
                decision.action + until,
                None,
                decision.created_at,
            )
        )
    return rows


def write_export(session: Session, path: Path, fmt: str) -> int:
    rows = export_rows(session)
    if fmt == "json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    else:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, quoting=csv.QUOTE_ALL)
            writer.writeheader()
            writer.writerows({key: spreadsheet_safe(value) for key, value in row.items()} for row in rows)
    return len(rows)


def spreadsheet_safe(value: Any) -> Any:
    """A cell no spreadsheet runs: text that starts like a formula gets a leading `'`, shown as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _target(session: Session, key: str) -> str:
    """Where a merged idea went, as "idea:12 Title" (the key alone when that work is gone)."""
    kind, _sep, number = key.partition(":")
    getter = {"idea": queries.get_idea, "project": queries.get_project}.get(kind)
    row = getter(session, int(number)) if getter is not None and number.isdigit() else None
    return f"{key} {row.title}" if row is not None else key


def _author(idea: Any, user_id: str) -> str:
    """A user as exported: the anonymous author of an idea stays anonymous wherever they appear on it."""
    if idea is not None and idea.anonymous and user_id == idea.author_id:
        return "anonymous"
    return user_id


def _row(*values: Any) -> dict[str, Any]:
    row = dict(zip(COLUMNS, values, strict=True))
    row["created_at"] = row["created_at"].isoformat() if row["created_at"] else None
    return row
