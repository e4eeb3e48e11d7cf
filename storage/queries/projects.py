"""The registry of past projects, the newest change the matcher has seen, and the meaning stage's vectors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import (
    Challenge,
    Idea,
    PastProject,
    TextVector,
)


def get_project(session: Session, project_id: int) -> PastProject | None:
    return session.get(PastProject, project_id)


def get_projects(session: Session, ids: Sequence[int]) -> dict[int, PastProject]:
    rows = session.exec(select(PastProject).where(col(PastProject.id).in_(list(ids)))).all() if ids else []
    return {row.id: row for row in rows if row.id is not None}


def projects(session: Session, changed_since: datetime | None = None) -> Sequence[PastProject]:
    """Every project (or those changed since a time), oldest change first."""
    query = select(PastProject).order_by(col(PastProject.updated_at), col(PastProject.id))
    if changed_since is not None:
        query = query.where(col(PastProject.updated_at) > changed_since)
    return session.exec(query).all()


def projects_by_external_id(session: Session, external_ids: Sequence[str]) -> dict[str, PastProject]:
    """The stored projects among `external_ids`, by external id."""
    found: dict[str, PastProject] = {}
    for start in range(0, len(external_ids), 500):
        chunk = list(external_ids[start : start + 500])
        for project in session.exec(select(PastProject).where(col(PastProject.external_id).in_(chunk))).all():
            found[project.external_id] = project
    return found


def project_by_external_id(session: Session, external_id: str) -> PastProject | None:
    return session.exec(select(PastProject).where(PastProject.external_id == external_id)).first()


def count_projects(session: Session) -> int:
    return session.exec(select(func.count()).select_from(PastProject)).one()


def upsert_project(session: Session, fields: dict, now: datetime) -> PastProject:
    """Add or update the registry row with `fields["external_id"]`."""
    project = session.exec(select(PastProject).where(PastProject.external_id == fields["external_id"])).first()
    if project is None:
        project = PastProject(**fields, created_at=now, updated_at=now)
        session.add(project)
    else:
        for name, value in fields.items():
            setattr(project, name, value)
        project.updated_at = now
    session.flush()
    return project


def latest_change(session: Session) -> datetime | None:
    """The newest `updated_at` among projects, ideas and challenges."""
    stamps = [session.exec(select(func.max(model.updated_at))).one() for model in (PastProject, Idea, Challenge)]
    present = [stamp for stamp in stamps if stamp is not None]
    return max(present) if present else None


def stored_vectors(session: Session, model: str, keys: Sequence[str]) -> dict[str, TextVector]:
    """The vectors kept for these documents by this model."""
    rows = session.exec(select(TextVector).where(TextVector.model == model, col(TextVector.key).in_(keys)))
    return {row.key: row for row in rows}


def save_vectors(session: Session, model: str, vectors: Sequence[tuple[str, str, bytes]]) -> None:
    """Keep (key, text digest, vector) rows, replacing what this model had for those keys."""
    kept = stored_vectors(session, model, [key for key, _, _ in vectors])
    for key, digest, vector in vectors:
        row = kept.get(key) or TextVector(key=key, model=model, text_digest=digest, vector=vector)
        row.text_digest, row.vector = digest, vector
        session.add(row)
