"""Delivering what the outbox owes to Slack: claimed first, retried with back-off, sent once.

A submission commits its row and an outbox entry in one transaction. Delivery then claims the entry
(a lease in the database, so two workers or two processes never send it both), makes the Slack call
outside any transaction, and records the result together with "sent" in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from bot import messages
from bot.clock import Clock
from bot.matching.matcher import Document
from bot.matching.service import Found, MatchService, challenge_document, idea_document
from bot.notifier import CONFIGURATION_ERRORS, Notifier, SlackRejected, SlackUnavailable
from storage import queries
from storage.db import Database
from storage.models import Challenge, Idea

log = logging.getLogger(__name__)

Record = Callable[[Session], None]
"""Writes what a successful send learned (a message ts, a permalink) in the "sent" transaction."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: `first`, doubling per attempt, never above `most`."""

    first: timedelta = timedelta(seconds=2)
    most: timedelta = timedelta(minutes=5)
    lease: timedelta = timedelta(seconds=60)

    def delay(self, attempts: int, retry_after: float | None = None) -> timedelta:
        backoff = min(self.first * (2 ** max(attempts - 1, 0)), self.most)
        if retry_after is not None:
            backoff = max(backoff, timedelta(seconds=retry_after))
        return backoff


@dataclass(frozen=True)
class Channels:
    ideas: str
    challenges: str


class Delivery:
    """Sends due outbox entries through a `Notifier`."""

    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        clock: Clock,
        channels: Channels,
        policy: RetryPolicy | None = None,
        matches: MatchService | None = None,
    ) -> None:
        self.db = db
        self.matches = matches
        self.notifier = notifier
        self.clock = clock
        self.channels = channels
        self.policy = policy or RetryPolicy()
        idea = _Kind("idea", channels.ideas, queries.get_idea, _render_idea, idea_document)
        challenge = _Kind(
            "challenge", channels.challenges, queries.get_challenge, _render_challenge, challenge_document
        )
        self._senders: dict[str, Callable[[int], Record]] = {
            "post_idea": partial(self._post, idea),
            "confirm_idea": partial(self._confirm, idea),
            "post_challenge": partial(self._post, challenge),
            "confirm_challenge": partial(self._confirm, challenge),
            "notify_join": self._notify_join,
        }

    def deliver_due(self) -> int:
        """Try every entry that is due now; returns how many were sent."""
        with self.db.session() as session:
            due = queries.due_outbox_ids(session, self.clock.now())
        return sum(self.deliver(outbox_id) for outbox_id in due)

    def deliver(self, outbox_id: int) -> bool:
        """Claim one entry and send it; False if someone else holds it or the send must be retried."""
        now = self.clock.now()
        with self.db.session() as session:
            entry = queries.claim(session, outbox_id, now, self.policy.lease)
            if entry is None:
                return False
            kind, subject_id, attempts = entry.kind, entry.subject_id, entry.attempts
        try:
            record = self._senders[kind](subject_id)
        except SlackUnavailable as error:
            self._retry(outbox_id, attempts, f"unavailable: {error}", error.retry_after)
            log.warning("slack unavailable, will retry", extra={"outbox_id": outbox_id, "kind": kind})
            return False
        except SlackRejected as error:
            if error.error in CONFIGURATION_ERRORS:
                self._retry(outbox_id, attempts, f"rejected: {error.error}", None)
                log.error(
                    "slack refused %s (%s): check the app's installation and channel membership; will retry",
                    kind,
                    error.error,
                )
            else:
                with self.db.session() as session:
                    queries.mark_failed(session, outbox_id, f"rejected: {error.error}")
                log.error("slack refused %s (%s): giving up on outbox entry %s", kind, error.error, outbox_id)
            return False
        except Exception:
            log.exception("unexpected error delivering outbox entry %s (%s)", outbox_id, kind)
            self._retry(outbox_id, attempts, "unexpected error", None)
            return False
        with self.db.session() as session:
            record(session)
            queries.mark_sent(session, outbox_id, self.clock.now())
        return True

    def _retry(self, outbox_id: int, attempts: int, error: str, retry_after: float | None) -> None:
        at = self.clock.now() + self.policy.delay(attempts, retry_after)
        with self.db.session() as session:
            queries.mark_retry(session, outbox_id, at, error)

    # --- senders: Slack calls first, then a `Record` of what they returned ---

    def _post(self, kind: _Kind, subject_id: int) -> Record:
        """Post a submission in its channel (once), then owe its author a confirmation."""
        with self.db.session() as session:
            row = kind.load(session, subject_id)
            message = None
            if row is not None and row.message_ts is None:
                message = kind.render(session, row, self._similar(kind, row))
        if row is None:
            return _nothing
        posted = self.notifier.post(kind.channel, message) if message is not None else None

        def record(session: Session) -> None:
            fresh = kind.load(session, subject_id)
            if fresh is not None and posted is not None:
                fresh.channel_id, fresh.message_ts = posted.channel, posted.ts
            queries.enqueue(
                session,
                kind=f"confirm_{kind.noun}",
                subject_id=subject_id,
                dedupe_key=f"confirm_{kind.noun}:{subject_id}",
                now=self.clock.now(),
            )

        return record

    def _similar(self, kind: _Kind, row: Idea | Challenge) -> list[Found]:
        """Work like this submission, for reviewers to see on its post (empty without a matcher)."""
        if self.matches is None:
            return []
        document = kind.document(row)
        found = self.matches.find(document.title, document.description, limit=3, exclude=document.key)
        return [item for item in found if item.verdict is not None]

    def _confirm(self, kind: _Kind, subject_id: int) -> Record:
        """Tell the author, by DM, where their submission was posted."""
        with self.db.session() as session:
            row = kind.load(session, subject_id)
        if row is None or row.channel_id is None or row.message_ts is None:
            return _nothing
        link = row.permalink or self.notifier.permalink(row.channel_id, row.message_ts)
        self.notifier.post(row.author_id, messages.confirmation(kind.noun, row.title, link))

        def record(session: Session) -> None:
            fresh = kind.load(session, subject_id)
            if fresh is not None:
                fresh.permalink = link

        return record

    def _notify_join(self, join_id: int) -> Record:
        """Tell the owner of joined work (an idea's or challenge's author, a project's Slack contact)."""
        with self.db.session() as session:
            join = queries.get_join(session, join_id)
            owner = queries.owner_of(session, join.target) if join is not None else None
        if join is None or owner is None or owner == join.user_id or self.matches is None:
            return _nothing
        item = self.matches.lookup(join.target)
        if item is not None:
            self.notifier.post(owner, messages.join_notice(join.user_id, item))
        return _nothing


@dataclass(frozen=True)
class _Kind:
    """How to load and render one kind of submission."""

    noun: str
    channel: str
    load: Callable[[Session, int], Idea | Challenge | None]
    render: Callable[[Session, Any, list[Found]], messages.Message]
    document: Callable[[Any], Document]


def _render_idea(session: Session, idea: Idea, similar: list[Found]) -> messages.Message:
    challenge = queries.get_challenge(session, idea.challenge_id) if idea.challenge_id else None
    return messages.idea_post(idea, challenge, similar)


def _render_challenge(_session: Session, challenge: Challenge, similar: list[Found]) -> messages.Message:
    return messages.challenge_post(challenge, similar)


def _nothing(_session: Session) -> None:
    """A `Record` for entries whose subject is gone: nothing to write."""
