"""The outbox: what is owed to Slack, claimed with a lease, then marked sent, retried or failed."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    OutboxMessage,
)

PACED = "paced: "  # the start of `last_error` of an entry waiting for its booked moment


def enqueue(
    session: Session,
    *,
    kind: str,
    subject_id: int,
    dedupe_key: str,
    now: datetime,
    recipient: str | None = None,
    workspace_id: str | None = None,
    due: datetime | None = None,
) -> None:
    """Owe a Slack message (from `due`, else now); a second enqueue with the same key is ignored."""
    exists = session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)).first()
    if exists is not None:
        return
    try:
        with session.begin_nested():
            session.add(
                OutboxMessage(
                    kind=kind,
                    subject_id=subject_id,
                    recipient=recipient,
                    workspace_id=workspace_id,
                    dedupe_key=dedupe_key,
                    next_attempt_at=due or now,
                    created_at=now,
                )
            )
    except IntegrityError:  # another process enqueued it between our check and insert
        pass


def owe(
    session: Session,
    kind: str,
    subject_id: int,
    now: datetime,
    *,
    version: int | None = None,
    recipient: str | None = None,
    workspace_id: str | None = None,
    due: datetime | None = None,
) -> None:
    """Enqueue the usual way: one entry per kind and subject (and version, for repeatable updates; and
    recipient, for notices to several people, so that each person is told once); due from `due`, else now."""
    key = ":".join(str(part) for part in (kind, subject_id, version, recipient) if part is not None)
    enqueue(
        session,
        kind=kind,
        subject_id=subject_id,
        dedupe_key=key,
        now=now,
        recipient=recipient,
        workspace_id=workspace_id,
        due=due,
    )


def due_outbox_ids(
    session: Session,
    now: datetime,
    limit: int = 200,
    rank: Mapping[str, int] | None = None,
    *,
    kinds: Collection[str] | None = None,
    other_kinds: Collection[str] | None = None,
) -> list[int]:
    """Pending messages whose time has come and that nobody holds: by `rank` of their kind (lowest first;
    kinds not ranked last), then oldest first; only of `kinds`, or only of kinds not in `other_kinds`."""
    order = [col(OutboxMessage.next_attempt_at), col(OutboxMessage.id)]
    if rank:
        by_kind = case(
            *((col(OutboxMessage.kind) == kind, value) for kind, value in rank.items()), else_=max(rank.values()) + 1
        )
        order.insert(0, by_kind)
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "pending",
            col(OutboxMessage.next_attempt_at) <= now,
            or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
        )
        .order_by(*order)
        .limit(limit)
    )
    if kinds is not None:
        query = query.where(col(OutboxMessage.kind).in_(kinds))
    if other_kinds is not None:
        query = query.where(col(OutboxMessage.kind).not_in(other_kinds))
    return [row for row in session.exec(query).all() if row is not None]


def due_outbox(
    session: Session,
    now: datetime,
    limit: int = 200,
    rank: Mapping[str, int] | None = None,
    *,
    kinds: Collection[str] | None = None,
    other_kinds: Collection[str] | None = None,
) -> list[tuple[int, str, str | None]]:
    """Like `due_outbox_ids`, with each entry's kind and workspace: (id, kind, workspace)."""
    ids = due_outbox_ids(session, now, limit, rank, kinds=kinds, other_kinds=other_kinds)
    if not ids:
        return []
    rows = session.exec(
        select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.workspace_id).where(col(OutboxMessage.id).in_(ids))
    ).all()
    found = {row[0]: (row[0], row[1], row[2]) for row in rows}
    return [found[i] for i in ids if i in found]


def next_due(
    session: Session,
    now: datetime,
    *,
    skip_ids: Collection[int] = (),
    skip_kinds_of: Collection[str | None] = (),
    kinds: Collection[str] = (),
) -> datetime | None:
    """When the earliest owed entry that nobody holds falls due (None: nothing owed), leaving out the entries
    `skip_ids` and those of `kinds` from the workspaces `skip_kinds_of` (already in a sender's hands)."""
    query = select(func.min(col(OutboxMessage.next_attempt_at))).where(
        OutboxMessage.status == "pending",
        or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
    )
    if skip_ids:
        query = query.where(col(OutboxMessage.id).not_in(skip_ids))
    busy = [workspace for workspace in skip_kinds_of if workspace is not None]
    if kinds and (busy or None in skip_kinds_of):
        in_busy = col(OutboxMessage.workspace_id).in_(busy)
        if None in skip_kinds_of:
            in_busy = or_(in_busy, col(OutboxMessage.workspace_id).is_(None))
        query = query.where(~(col(OutboxMessage.kind).in_(kinds) & in_busy))
    return session.exec(query).one()


def mark_paced(session: Session, outbox_id: int, at: datetime, key: str) -> None:
    """The entry waits for the moment booked for it on `key`; that wait is not a failed attempt."""
    _set(
        session,
        outbox_id,
        next_attempt_at=at,
        lease_until=None,
        last_error=f"{PACED}{key}"[:500],
        attempts=OutboxMessage.attempts - 1,
    )


def due_now(session: Session, dedupe_key: str, now: datetime) -> None:
    """Bring a pending entry forward to now (it was owed for later)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.status == "pending")
        .where(col(OutboxMessage.next_attempt_at) > now)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )


def waiting_unclaimed(session: Session, dedupe_key: str, now: datetime) -> bool:
    """The entry is owed and no sender holds it now: when it is sent, it reads what is committed by then."""
    found = session.exec(
        select(OutboxMessage.id).where(
            OutboxMessage.dedupe_key == dedupe_key,
            OutboxMessage.status == "pending",
            or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
        )
    ).first()
    return found is not None


def status_of(session: Session, dedupe_key: str) -> str | None:
    return session.exec(select(OutboxMessage.status).where(OutboxMessage.dedupe_key == dedupe_key)).first()


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


def note_error(session: Session, outbox_id: int, error: str) -> None:
    """Say why an entry is being sent differently, without changing when it is due."""
    _set(session, outbox_id, last_error=error[:500])


def mark_failed(session: Session, outbox_id: int, error: str) -> None:
    _set(session, outbox_id, status="failed", lease_until=None, last_error=error[:500])


def _set(session: Session, outbox_id: int, **values: object) -> None:
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == outbox_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def owed(session: Session) -> tuple[int, datetime | None]:
    """How many messages are owed to Slack (pending), and since when the oldest is owed."""
    count, oldest = session.execute(
        select(func.count(), func.min(col(OutboxMessage.created_at))).where(OutboxMessage.status == "pending")
    ).one()
    return int(count), oldest


def unsent(session: Session) -> Sequence[OutboxMessage]:
    """Owed and failed entries, oldest first (for administrators)."""
    query = select(OutboxMessage).where(col(OutboxMessage.status).in_(("pending", "failed")))
    return session.exec(query.order_by(col(OutboxMessage.id))).all()


def retry_now(session: Session, outbox_id: int, now: datetime) -> bool:
    """Owe a pending or failed entry again, at once; False when there is no such unsent entry."""
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == outbox_id, col(OutboxMessage.status).in_(("pending", "failed")))
        .values(status="pending", next_attempt_at=now, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def outbox_messages(session: Session) -> Sequence[OutboxMessage]:
    """All outbox rows, oldest first (for tests and administrators)."""
    return session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
