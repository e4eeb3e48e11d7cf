"""Every query the bot runs. Functions take the session as their first argument and never commit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    Challenge,
    Comment,
    Decision,
    DigestRun,
    Idea,
    JoinRequest,
    NudgeSent,
    OutboxMessage,
    PastProject,
    ReviewerMapping,
    SlackUser,
    Snooze,
    Support,
    TextVector,
)


def get_idea(session: Session, idea_id: int, *, fresh: bool = False) -> Idea | None:
    """An idea by id; `fresh` reads it again from the database even if this session holds it."""
    return session.get(Idea, idea_id, populate_existing=fresh)


def claim_idea(session: Session, idea_id: int, version: int) -> bool:
    """Take the right to change an idea read at `version`: False if someone changed it since.

    The conditional UPDATE is the transaction's first write, so a concurrent change waits for it
    (PostgreSQL's row lock, SQLite's single writer) and then finds the version moved on.
    """
    result = session.execute(
        update(Idea)
        .where(col(Idea.id) == idea_id, col(Idea.version) == version)
        .values(version=version + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


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


# --- the outbox -------------------------------------------------------------------------------


def enqueue(
    session: Session, *, kind: str, subject_id: int, dedupe_key: str, now: datetime, recipient: str | None = None
) -> None:
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
                    recipient=recipient,
                    dedupe_key=dedupe_key,
                    next_attempt_at=now,
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
) -> None:
    """Enqueue the usual way: one entry per kind and subject (and version, for repeatable updates; and
    recipient, for notices to several people, so that each person is told once)."""
    key = ":".join(str(part) for part in (kind, subject_id, version, recipient) if part is not None)
    enqueue(session, kind=kind, subject_id=subject_id, dedupe_key=key, now=now, recipient=recipient)


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


def get_project(session: Session, project_id: int) -> PastProject | None:
    return session.get(PastProject, project_id)


def add_join(session: Session, workspace_id: str, user_id: str, target: str, now: datetime) -> int | None:
    """Record a join; returns its id, or None if this person had already joined `target`."""
    try:
        with session.begin_nested():
            join = JoinRequest(workspace_id=workspace_id, user_id=user_id, target=target, created_at=now)
            session.add(join)
            session.flush()
    except IntegrityError:
        return None
    return join.id


def get_join(session: Session, join_id: int) -> JoinRequest | None:
    return session.get(JoinRequest, join_id)


def owner_of(session: Session, target: str) -> str | None:
    """The Slack user to tell about `target`: an idea's or challenge's author, a project's contact if it
    is a Slack user ID; None otherwise."""
    kind, _, number = target.partition(":")
    if not number.isdigit():
        return None
    if kind == "idea":
        idea = session.get(Idea, int(number))
        return idea.author_id if idea else None
    if kind == "challenge":
        challenge = session.get(Challenge, int(number))
        return challenge.author_id if challenge else None
    project = session.get(PastProject, int(number))
    contact = (project.contact or "").strip() if project else ""
    return contact if re.fullmatch(r"[UW][A-Z0-9]{2,}", contact) else None


# --- reviews ---------------------------------------------------------------------------------------


def reviewer_mapping(session: Session, team: str) -> ReviewerMapping | None:
    return session.get(ReviewerMapping, team)


def reviewer_mappings(session: Session) -> Sequence[ReviewerMapping]:
    return session.exec(select(ReviewerMapping).order_by(col(ReviewerMapping.team))).all()


def save_reviewer_mapping(session: Session, team: str, label: str, reviewers: str, now: datetime) -> None:
    mapping = session.get(ReviewerMapping, team)
    if mapping is None:
        session.add(ReviewerMapping(team=team, label=label, reviewers=reviewers, updated_at=now))
    else:
        mapping.label, mapping.reviewers, mapping.updated_at = label, reviewers, now


def delete_reviewer_mapping(session: Session, team: str) -> bool:
    mapping = session.get(ReviewerMapping, team)
    if mapping is None:
        return False
    session.delete(mapping)
    return True


def add_decision(session: Session, decision: Decision) -> int:
    session.add(decision)
    session.flush()
    assert decision.id is not None
    return decision.id


def get_decision(session: Session, decision_id: int) -> Decision | None:
    return session.get(Decision, decision_id)


def decisions_of(session: Session, idea_id: int) -> Sequence[Decision]:
    return session.exec(select(Decision).where(Decision.idea_id == idea_id).order_by(col(Decision.id))).all()


def add_comment(session: Session, comment: Comment) -> int | None:
    """Store a comment; None if this Slack message was already stored (a redelivered event)."""
    try:
        with session.begin_nested():
            session.add(comment)
            session.flush()
    except IntegrityError:
        return None
    return comment.id


def get_comment(session: Session, comment_id: int) -> Comment | None:
    return session.get(Comment, comment_id)


def idea_by_message(session: Session, channel_id: str, message_ts: str) -> Idea | None:
    return session.exec(select(Idea).where(Idea.channel_id == channel_id, Idea.message_ts == message_ts)).first()


def add_support(session: Session, idea_id: int, user_id: str, kind: str, now: datetime) -> int | None:
    """Record support or an offer to help; None if this person already did."""
    try:
        with session.begin_nested():
            support = Support(idea_id=idea_id, user_id=user_id, kind=kind, created_at=now)
            session.add(support)
            session.flush()
    except IntegrityError:
        return None
    return support.id


def get_support(session: Session, support_id: int) -> Support | None:
    return session.get(Support, support_id)


def support_count(session: Session, idea_id: int, kind: str = "support") -> int:
    query = select(func.count()).select_from(Support).where(Support.idea_id == idea_id, Support.kind == kind)
    return session.exec(query).one()


def ideas_waiting_for(session: Session, workspace_id: str, user_id: str, statuses: Sequence[str]) -> list[Idea]:
    """Ideas in `statuses` that `user_id` reviews, oldest first."""
    query = (
        select(Idea)
        .where(Idea.workspace_id == workspace_id, col(Idea.status).in_(list(statuses)))
        .order_by(col(Idea.created_at))
    )
    return [idea for idea in session.exec(query).all() if user_id in idea.reviewers.split(",")]


def open_challenges(session: Session, workspace_id: str) -> Sequence[Challenge]:
    query = (
        select(Challenge)
        .where(Challenge.workspace_id == workspace_id, col(Challenge.status).in_(["open", "testing"]))
        .order_by(col(Challenge.created_at).desc())
    )
    return session.exec(query).all()


def ideas_of_challenge(session: Session, challenge_id: int) -> Sequence[Idea]:
    return session.exec(select(Idea).where(Idea.challenge_id == challenge_id).order_by(col(Idea.id))).all()


def ideas_in_workspace(session: Session, workspace_id: str) -> Sequence[Idea]:
    return session.exec(select(Idea).where(Idea.workspace_id == workspace_id).order_by(col(Idea.id))).all()


def all_decisions(session: Session) -> Sequence[Decision]:
    return session.exec(select(Decision).order_by(col(Decision.id))).all()


def all_comments(session: Session) -> Sequence[Comment]:
    return session.exec(select(Comment).order_by(col(Comment.id))).all()


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


def project_by_external_id(session: Session, external_id: str) -> PastProject | None:
    return session.exec(select(PastProject).where(PastProject.external_id == external_id)).first()


def supporters_of(session: Session, idea_id: int) -> list[str]:
    query = select(Support.user_id).where(Support.idea_id == idea_id).order_by(col(Support.id))
    return list(dict.fromkeys(session.exec(query).all()))


# --- nudges --------------------------------------------------------------------------------------------


def ideas_awaiting_feedback(session: Session, statuses: Sequence[str]) -> Sequence[Idea]:
    query = select(Idea).where(col(Idea.awaiting_since).is_not(None), col(Idea.status).in_(list(statuses)))
    return session.exec(query.order_by(col(Idea.id))).all()


def nudges_of(session: Session, idea_id: int) -> list[NudgeSent]:
    return list(session.exec(select(NudgeSent).where(NudgeSent.idea_id == idea_id).order_by(col(NudgeSent.id))).all())


def add_nudge(session: Session, idea_id: int, reviewer_id: str, number: int, now: datetime) -> int:
    row = NudgeSent(idea_id=idea_id, reviewer_id=reviewer_id, number=number, created_at=now)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def get_nudge(session: Session, nudge_id: int) -> NudgeSent | None:
    return session.get(NudgeSent, nudge_id)


def clear_nudges(session: Session, idea_id: int) -> None:
    """Start an idea's reminders afresh (after the author's edit)."""
    for model in (NudgeSent, Snooze):
        for row in session.exec(select(model).where(model.idea_id == idea_id)).all():
            session.delete(row)


def snoozes_of(session: Session, idea_id: int) -> dict[str, datetime]:
    return {row.reviewer_id: row.until for row in session.exec(select(Snooze).where(Snooze.idea_id == idea_id))}


def save_snooze(session: Session, idea_id: int, reviewer_id: str, until: datetime) -> None:
    row = session.exec(select(Snooze).where(Snooze.idea_id == idea_id, Snooze.reviewer_id == reviewer_id)).first()
    if row is None:
        session.add(Snooze(idea_id=idea_id, reviewer_id=reviewer_id, until=until))
    else:
        row.until = until


def slack_user(session: Session, user_id: str) -> SlackUser | None:
    return session.get(SlackUser, user_id)


def save_slack_profile(session: Session, user_id: str, tz: str | None, locale: str | None, now: datetime) -> SlackUser:
    row = _slack_user_row(session, user_id)
    row.tz, row.locale, row.fetched_at = tz, locale, now
    return row


def save_language_choice(session: Session, user_id: str, language: str | None, now: datetime) -> None:
    row = _slack_user_row(session, user_id)
    row.language, row.language_chosen_at = language, now


def _slack_user_row(session: Session, user_id: str) -> SlackUser:
    """The person's row, added if the bot has never stored anything about them."""
    row = session.get(SlackUser, user_id)
    if row is None:
        row = SlackUser(user_id=user_id)
        session.add(row)
    return row


# --- the meaning stage's sentence vectors ---------------------------------------------------------


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


# --- the weekly digest -------------------------------------------------------------------------------


def count_joins(session: Session, start: datetime, end: datetime) -> int:
    query = (
        select(func.count())
        .select_from(JoinRequest)
        .where(col(JoinRequest.created_at) >= start, col(JoinRequest.created_at) < end)
    )
    return session.exec(query).one()


def support_in(session: Session, start: datetime, end: datetime) -> list[int]:
    """The idea id of every "Support" given between `start` and `end`."""
    query = select(Support.idea_id).where(
        Support.kind == "support", col(Support.created_at) >= start, col(Support.created_at) < end
    )
    return list(session.exec(query).all())


def add_digest_run(session: Session, channel_id: str, start: datetime, end: datetime, now: datetime) -> int:
    run = DigestRun(channel_id=channel_id, period_start=start, period_end=end, created_at=now)
    session.add(run)
    session.flush()
    assert run.id is not None
    return run.id


def get_digest_run(session: Session, run_id: int) -> DigestRun | None:
    return session.get(DigestRun, run_id)
