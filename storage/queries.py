"""Every query the bot runs. Functions take the session as their first argument and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Challenge, Idea, OutboxMessage, PastProject

Submission = TypeVar("Submission", Idea, Challenge)


def get_idea(session: Session, idea_id: int) -> Idea | None:
    return session.get(Idea, idea_id)


def get_challenge(session: Session, challenge_id: int) -> Challenge | None:
    return session.get(Challenge, challenge_id)


def ideas_by_author(session: Session, workspace_id: str, author_id: str) -> Sequence[Idea]:
    """The author's ideas, newest first."""
    query = (
        select(Idea)
        .where(Idea.workspace_id == workspace_id, Idea.author_id == author_id)
        .order_by(col(Idea.created_at).desc(), col(Idea.id).desc())
    )
    return session.exec(query).all()


def challenges_by_author(session: Session, workspace_id: str, author_id: str) -> Sequence[Challenge]:
    """The author's challenges, newest first."""
    query = (
        select(Challenge)
        .where(Challenge.workspace_id == workspace_id, Challenge.author_id == author_id)
        .order_by(col(Challenge.created_at).desc(), col(Challenge.id).desc())
    )
    return session.exec(query).all()


def search_ideas(session: Session, workspace_id: str, words: Sequence[str], limit: int) -> Sequence[Idea]:
    """Ideas whose title, problem or proposal contain every word (case-insensitive), newest first."""
    return _search(session, Idea, (Idea.title, Idea.problem, Idea.proposal), workspace_id, words, limit)


def search_challenges(session: Session, workspace_id: str, words: Sequence[str], limit: int) -> Sequence[Challenge]:
    """Challenges whose title, problem or desired outcome contain every word, newest first."""
    columns = (Challenge.title, Challenge.problem, Challenge.desired_outcome)
    return _search(session, Challenge, columns, workspace_id, words, limit)


def _search(
    session: Session,
    model: type[Submission],
    columns: Sequence[Any],
    workspace_id: str,
    words: Sequence[str],
    limit: int,
) -> Sequence[Any]:
    query = select(model).where(model.workspace_id == workspace_id)
    for word in words:
        pattern = f"%{_escape_like(word)}%"
        query = query.where(or_(*(col(column).ilike(pattern, escape="\\") for column in columns)))
    return session.exec(query.order_by(col(model.created_at).desc()).limit(limit)).all()


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- the outbox -------------------------------------------------------------------------------


def enqueue(session: Session, *, kind: str, subject_id: int, dedupe_key: str, now: datetime) -> None:
    """Owe a Slack message; a second enqueue with the same key is ignored."""
    exists = session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)).first()
    if exists is not None:
        return
    try:
        with session.begin_nested():
            session.add(
                OutboxMessage(
                    kind=kind,
                    subject_id=subject_id,
                    dedupe_key=dedupe_key,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    except IntegrityError:  # another process enqueued it between our check and insert
        pass


def due_outbox_ids(session: Session, now: datetime, limit: int = 50) -> list[int]:
    """Pending messages whose time has come and that nobody holds, oldest first."""
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "pending",
            col(OutboxMessage.next_attempt_at) <= now,
            or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
    )
    return [row for row in session.exec(query).all() if row is not None]


def claim(session: Session, outbox_id: int, now: datetime, lease: timedelta) -> OutboxMessage | None:
    """Take a due message for `lease`; None when it is not due or another worker holds it."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == outbox_id,
            OutboxMessage.status == "pending",
            col(OutboxMessage.next_attempt_at) <= now,
            or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
        )
        .values(lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(OutboxMessage, outbox_id, populate_existing=True)


def mark_sent(session: Session, outbox_id: int, now: datetime) -> None:
    _set(session, outbox_id, status="sent", sent_at=now, lease_until=None, last_error=None)


def mark_retry(session: Session, outbox_id: int, at: datetime, error: str) -> None:
    _set(session, outbox_id, next_attempt_at=at, lease_until=None, last_error=error[:500])


def mark_failed(session: Session, outbox_id: int, error: str) -> None:
    _set(session, outbox_id, status="failed", lease_until=None, last_error=error[:500])


def _set(session: Session, outbox_id: int, **values: object) -> None:
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == outbox_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def outbox_messages(session: Session) -> Sequence[OutboxMessage]:
    """All outbox rows, oldest first (for tests and administrators)."""
    return session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()


# --- the registry of past projects --------------------------------------------------------------


def projects_by_external_id(session: Session, external_ids: Sequence[str]) -> dict[str, PastProject]:
    """The stored projects among `external_ids`, by external id."""
    found: dict[str, PastProject] = {}
    for start in range(0, len(external_ids), 500):
        chunk = list(external_ids[start : start + 500])
        for project in session.exec(select(PastProject).where(col(PastProject.external_id).in_(chunk))).all():
            found[project.external_id] = project
    return found


def projects(session: Session, changed_since: datetime | None = None) -> Sequence[PastProject]:
    """Every project (or those changed since a time), oldest change first."""
    query = select(PastProject).order_by(col(PastProject.updated_at), col(PastProject.id))
    if changed_since is not None:
        query = query.where(col(PastProject.updated_at) > changed_since)
    return session.exec(query).all()


def get_projects(session: Session, ids: Sequence[int]) -> dict[int, PastProject]:
    rows = session.exec(select(PastProject).where(col(PastProject.id).in_(list(ids)))).all() if ids else []
    return {row.id: row for row in rows if row.id is not None}


def count_projects(session: Session) -> int:
    return session.exec(select(func.count()).select_from(PastProject)).one()


def all_ideas(session: Session, changed_since: datetime | None = None) -> Sequence[Idea]:
    query = select(Idea).order_by(col(Idea.id))
    if changed_since is not None:
        query = query.where(col(Idea.updated_at) > changed_since)
    return session.exec(query).all()


def all_challenges(session: Session, changed_since: datetime | None = None) -> Sequence[Challenge]:
    query = select(Challenge).order_by(col(Challenge.id))
    if changed_since is not None:
        query = query.where(col(Challenge.updated_at) > changed_since)
    return session.exec(query).all()


def get_ideas(session: Session, ids: Sequence[int]) -> dict[int, Idea]:
    rows = session.exec(select(Idea).where(col(Idea.id).in_(list(ids)))).all() if ids else []
    return {row.id: row for row in rows if row.id is not None}


def get_challenges(session: Session, ids: Sequence[int]) -> dict[int, Challenge]:
    rows = session.exec(select(Challenge).where(col(Challenge.id).in_(list(ids)))).all() if ids else []
    return {row.id: row for row in rows if row.id is not None}


def latest_change(session: Session) -> datetime | None:
    """The newest `updated_at` among projects, ideas and challenges."""
    stamps = [session.exec(select(func.max(model.updated_at))).one() for model in (PastProject, Idea, Challenge)]
    present = [stamp for stamp in stamps if stamp is not None]
    return max(present) if present else None
