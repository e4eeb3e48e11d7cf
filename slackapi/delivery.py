"""Delivering what the outbox owes to Slack: claimed first, retried with back-off, sent once.

A submission commits its row and an outbox entry in one transaction. Delivery then claims the entry
(a lease in the database, so two workers or two processes never send it both), makes the Slack call
outside any transaction, and records the result together with "sent" in one transaction.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from blocks import base, digest, dms, posts
from blocks import waivers as waiver_blocks
from bot.challenges import owe_challenge_update
from bot.clock import Clock
from bot.digest import build_digest
from bot.i18n import speaking
from bot.matching.matcher import Document
from bot.matching.service import Found, MatchService, challenge_document, idea_document, kept_matches
from bot.privacy import is_erased
from bot.reviews import reviewer_ids
from bot.text import is_user_id
from slackapi.notifier import CONFIGURATION_ERRORS, Notifier, Posted, SlackRejected, SlackUnavailable
from slackapi.pacing import EARLY_ENOUGH, TURN_TAKEN, Paced, Pacer
from slackapi.people import Languages
from storage import queries
from storage.db import Database
from storage.models import Challenge, Idea

log = logging.getLogger(__name__)
# Slack's answers for a message it will never take as it is: it is sent again as plain text.
MESSAGE_REFUSED = {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "too_many_blocks"}
PLAIN_FALLBACK = "blocks refused: sent as plain text"
SIMILAR_ON_POST = 8  # matches a post shows reviewers: what the author saw (the form shows 5), then new ones
LOCALE_WAIT = 10.0  # seconds a delivery waits for a person's locale before writing in the default language
# ... and one a person is waiting for now (their confirmation), counted from when it was owed: in a rush of
# newcomers Slack tells locales at its users.info pace (100 a minute), and a sender that waited a second for
# each held every confirmation behind it (thirty newcomers: the last heard 8 s late). One already late
# does not wait at all: a confirmation in the default language beats one seconds late.
URGENT_LOCALE_WAIT = 1.0

WAIVER_STEPS = ("waiver_request", "waiver_received", "waiver_decided")  # DMs about one step of a waiver
WAIVER_ENDINGS = ("waiver_expiring", "waiver_expired")  # DMs before and at a granted waiver's end

# What goes first when much is owed: what a person is waiting for now, then channel posts and their updates,
# then reminders and digests. Within one idea the order holds anyway: a reply or an update of a post that is
# not posted yet waits (`NotYet`), and what goes to channels is sent by one sender per workspace, in order.
PRIORITY = {
    **dict.fromkeys(("confirm_idea", "confirm_challenge", "notify_decision", "notify_comment"), 0),
    **dict.fromkeys(("link_confirmation_idea", "link_confirmation_challenge"), 0),
    **dict.fromkeys(("notify_help", "notify_join", "notify_edit", "notify_merge", "ask_source_author"), 0),
    **dict.fromkeys(("post_idea", "post_challenge", "decision_reply", "update_post", "update_challenge"), 1),
    "checkin_reply": 1,
    **dict.fromkeys(("nudge", "escalation", "digest", "experiment_checkin", "experiment_overdue"), 2),
    **dict.fromkeys(WAIVER_STEPS, 0),
    **dict.fromkeys(WAIVER_ENDINGS, 2),
}

# Entries that post to or update a channel: one sender per workspace takes them in order (posts before their
# replies and updates); each channel keeps Slack's pace. Everything else goes to people, in parallel.
CHANNEL_KINDS = frozenset(
    (
        "post_idea",
        "post_challenge",
        "decision_reply",
        "checkin_reply",
        "update_post",
        "update_challenge",
        "digest",
        "escalation",
    )
)
CHANNEL_LANE = "channels:"  # a lane's name: this and the workspace's id
CHANNEL_LANES_AT_ONCE = 32  # workspaces whose channel posts are sent at the same time, at most
BATCH = 50  # entries taken per pass, so that what a person waits for, owed meanwhile, is not kept behind a long pass
HELD_AT_MOST = 5.0  # seconds a sender waits in place for a pace once it has already changed something in Slack

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
        languages: Languages | None = None,
        *,
        notifier_for: Callable[[str | None], Notifier | None] | None = None,
        channels_for: Callable[[str | None], Channels] | None = None,
        pacer: Pacer | None = None,
        senders: int = 1,
    ) -> None:
        """`notifier_for` and `channels_for` give a workspace's own (several workspaces); without them,
        `notifier` and `channels` serve every entry."""
        self.db = db
        self.languages = languages
        self.matches = matches
        self._attempt = threading.local()  # the entry being sent by this thread (see `_post_once`)
        self._notifier = notifier
        self.notifier_for = notifier_for or (lambda _workspace: notifier)
        self.clock = clock
        self.channels_for = channels_for or (lambda _workspace: channels)
        self.policy = policy or RetryPolicy()
        self.pacer = pacer
        # two pools: a channel's lane may wait for its pace, and must never hold a thread a person's DM needs;
        # a thread for each workspace's channel lane (made only when that many lanes run at once): with fewer
        # threads than busy lanes, the channels took turns (five channels at 0.80-0.90 posts/s, not 0.95)
        self._pool = ThreadPoolExecutor(senders, thread_name_prefix="slack-sender") if senders > 1 else None
        self._channel_pool = (
            ThreadPoolExecutor(CHANNEL_LANES_AT_ONCE, thread_name_prefix="slack-channels") if senders > 1 else None
        )
        self._busy_lanes: dict[str, list[int]] = {}  # lane -> its entries, while a sender has them
        self._lanes_lock = threading.Lock()
        self.on_lane_done: Callable[[], None] | None = None  # the delivery worker's kick
        idea = self._idea_kind = _Kind("idea", "ideas", queries.get_idea, _render_idea, idea_document)
        challenge = self._challenge_kind = _Kind(
            "challenge", "challenges", queries.get_challenge, _render_challenge, challenge_document
        )
        self._senders: dict[str, Callable[[int], Record]] = {
            "post_idea": partial(self._post, idea),
            "confirm_idea": partial(self._confirm, idea),
            "post_challenge": partial(self._post, challenge),
            "confirm_challenge": partial(self._confirm, challenge),
            "link_confirmation_idea": partial(self._link_confirmation, idea),
            "link_confirmation_challenge": partial(self._link_confirmation, challenge),
            "notify_join": self._notify_join,
            "decision_reply": self._decision_reply,
            "notify_decision": self._notify_decision,
            "update_post": self._update_post,
            "notify_comment": self._notify_comment,
            "notify_help": self._notify_help,
            "ask_source_author": self._ask_source_author,
            "update_challenge": self._update_challenge,
            "nudge": self._nudge,
            "digest": self._digest,
            "checkin_reply": self._checkin_reply,
        }

    @property
    def notifier(self) -> Notifier:
        """The notifier of the workspace whose entry this thread is sending."""
        return getattr(self._attempt, "notifier", None) or self._notifier

    @property
    def _addressed(self) -> dict[str, Callable[[int, str | None], Record]]:
        """Senders of notices that go to several people: one outbox entry (and one send) per person."""
        return {
            "notify_edit": self._notify_edit,
            "notify_merge": self._notify_merge,
            "escalation": self._escalation,
            "experiment_checkin": self._experiment_checkin,
            "experiment_overdue": self._experiment_overdue,
            **{kind: partial(self._waiver_step, kind) for kind in WAIVER_STEPS},
            **{kind: partial(self._waiver_ending, kind) for kind in WAIVER_ENDINGS},
        }

    def deliver_due(self) -> int:
        """Send what is due now, by priority: with one sender, every due entry in passes of `BATCH` (returns
        how many were sent); with several, hand this pass's lanes to the senders and return at once (returns
        how many entries were handed over), so that a slow call never keeps a new message waiting."""
        sent = 0
        while True:
            with self.db.session() as session:
                if self._pool is not None:  # channel entries are fetched apart: a rush of DMs never hides them
                    now = self.clock.now()
                    people = queries.due_outbox(session, now, BATCH, PRIORITY, other_kinds=CHANNEL_KINDS)
                    channels = queries.due_outbox(session, now, BATCH, PRIORITY, kinds=CHANNEL_KINDS)
                    return self._hand_over(people + channels)
                due = queries.due_outbox(session, self.clock.now(), limit=BATCH, rank=PRIORITY)
            sent += sum(self.deliver(outbox_id) for outbox_id, _kind, _workspace in due)
            if len(due) < BATCH:
                return sent

    def _hand_over(self, due: list[tuple[int, str, str | None]]) -> int:
        """Channel entries of one workspace go in order, in one lane; every other entry is a lane of its own.
        A lane still being sent is left for a later pass, so its order holds."""
        lanes: dict[str, list[int]] = {}
        for outbox_id, kind, workspace_id in due:
            lane = f"{CHANNEL_LANE}{workspace_id or ''}" if kind in CHANNEL_KINDS else f"entry:{outbox_id}"
            lanes.setdefault(lane, []).append(outbox_id)
        handed = 0
        with self._lanes_lock:
            for lane, ids in lanes.items():
                if lane in self._busy_lanes:
                    continue
                self._busy_lanes[lane] = ids
                pool = self._channel_pool if lane.startswith(CHANNEL_LANE) else self._pool
                pool.submit(self._run_lane, lane, ids)  # type: ignore[union-attr]
                handed += len(ids)
        return handed

    def _run_lane(self, lane: str, ids: list[int]) -> None:
        try:
            for outbox_id in ids:
                self.deliver(outbox_id)
        except Exception:  # deliver logs its own errors; this only keeps the lane from staying busy
            log.exception("a sender stopped on lane %s", lane)
        finally:
            with self._lanes_lock:
                self._busy_lanes.pop(lane, None)
            if self.on_lane_done is not None:
                self.on_lane_done()  # what waited behind this lane may go now

    def seconds_to_next(self) -> float | None:
        """How long until the next owed entry falls due (a paced one's booked moment), for the worker's sleep."""
        now = self.clock.now()
        with self._lanes_lock:  # what a sender already has is not due again: its lane's end kicks the worker
            held = [outbox_id for ids in self._busy_lanes.values() for outbox_id in ids]
            lanes = [lane for lane in self._busy_lanes if lane.startswith(CHANNEL_LANE)]
            busy = [lane.removeprefix(CHANNEL_LANE) or None for lane in lanes]
        with self.db.session() as session:
            at = queries.next_due(session, now, skip_ids=held, skip_kinds_of=busy, kinds=CHANNEL_KINDS)
        return None if at is None else max((at - now).total_seconds(), 0.0)

    def close(self) -> None:
        """Stop the senders: lanes not started are dropped (their entries stay owed), running ones finish."""
        for pool in (self._pool, self._channel_pool):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def deliver(self, outbox_id: int) -> bool:
        """Claim one entry and send it; False if someone else holds it or the send must be retried."""
        now = self.clock.now()
        with self.db.session() as session:
            entry = queries.claim(session, outbox_id, now, self.policy.lease)
            if entry is None:
                return False
            kind, subject_id, attempts, recipient = entry.kind, entry.subject_id, entry.attempts, entry.recipient
            plain = (entry.last_error or "").startswith(PLAIN_FALLBACK)
            error = entry.last_error or ""
            booked = error.removeprefix(queries.PACED) if error.startswith(queries.PACED) else None
            workspace_id = entry.workspace_id
            urgent = PRIORITY.get(kind) == 0
            self._attempt.entry = _Attempt(outbox_id, attempts, entry.created_at, plain, workspace_id, booked, urgent)
            self._attempt.touched = False
        notifier = self.notifier_for(workspace_id)
        if notifier is None:  # uninstalled, or its token revoked: retrying would never succeed
            with self.db.session() as session:
                queries.mark_failed(session, outbox_id, "dropped: the app is not installed in its workspace")
            log.warning("dropped outbox entry %s (%s): the app is not installed in %s", outbox_id, kind, workspace_id)
            return False
        self._attempt.notifier = notifier
        try:
            record = self._run_sender(kind, subject_id, recipient, outbox_id)
        except NotYet as error:
            self._retry(outbox_id, attempts, f"waiting: {error}", None)
            return False
        except Paced as error:  # its moment is booked: it waits in the database, not in this thread
            with self.db.session() as session:
                queries.mark_paced(session, outbox_id, datetime.fromtimestamp(error.at, UTC), error.key)
            return False
        except SlackUnavailable as error:
            self._retry(outbox_id, attempts, f"unavailable: {error}", error.retry_after)
            log.warning("slack unavailable, will retry", extra={"outbox_id": outbox_id, "kind": kind})
            return False
        except SlackRejected as error:
            if error.error in MESSAGE_REFUSED:
                note = f"{PLAIN_FALLBACK} ({error.error}) also refused"
                with self.db.session() as session:
                    queries.mark_failed(session, outbox_id, note)
                log.error("slack refused even the plain text of %s: giving up on outbox entry %s", kind, outbox_id)
            elif error.error in CONFIGURATION_ERRORS:
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

    def _run_sender(self, kind: str, subject_id: int, recipient: str | None, outbox_id: int) -> Record:
        """Send one entry; when Slack refuses its blocks as invalid or too long (which the limits checked
        where messages are built should prevent), send the same words as plain text instead of
        retrying the refused message forever."""
        if kind in self._addressed:
            send = partial(self._addressed[kind], subject_id, recipient)
        else:
            send = partial(self._senders[kind], subject_id)
        try:
            return send()
        except SlackRejected as error:
            attempt: _Attempt = self._attempt.entry
            if error.error not in MESSAGE_REFUSED or attempt.plain:
                raise
            log.error(
                "slack refused the blocks of %s (%s): sending outbox entry %s as plain text",
                kind,
                error.error,
                outbox_id,
            )
            with self.db.session() as session:  # so that a retry after a crash or an outage is plain too
                queries.note_error(session, outbox_id, f"{PLAIN_FALLBACK} ({error.error})")
            self._attempt.entry = dataclasses.replace(attempt, plain=True)
            return send()

    def _retry(self, outbox_id: int, attempts: int, error: str, retry_after: float | None) -> None:
        at = self.clock.now() + self.policy.delay(attempts, retry_after)
        with self.db.session() as session:
            queries.mark_retry(session, outbox_id, at, error)

    def _reader(self, target: str) -> AbstractContextManager[str]:
        """Write in the language of whoever reads at `target` (a channel's, or a person's for a DM)."""
        # the outbox is background work: it may wait for Slack to tell a newcomer's locale (SLACK_TIMEOUT-ish)
        attempt: _Attempt | None = getattr(self._attempt, "entry", None)
        wait = LOCALE_WAIT
        if attempt is not None and attempt.urgent:
            owed_for = (self.clock.now() - attempt.created_at).total_seconds()
            wait = max(0.0, URGENT_LOCALE_WAIT - owed_for)
        return speaking(self.languages.of(target, wait=wait) if self.languages is not None else None)

    def _send(self, target: str, build: Callable[[], base.Message], thread_ts: str | None = None) -> Posted | None:
        """Build a message in the language of whoever reads at `target`, and post it there (not to an erased
        person: their tombstone reaches nobody)."""
        if is_erased(target):
            log.info("not sending to a person whose data was erased")
            return None
        with self._reader(target):
            message = build()
        return self._post_once(target, message, thread_ts=thread_ts)

    def _post_once(
        self,
        channel: str,
        message: base.Message,
        *,
        thread_ts: str | None = None,
        marker: dict | None = None,
        since: datetime | None = None,
    ) -> Posted:
        """Post `message` unless an earlier attempt of this entry already did.

        Every post carries a marker (message metadata naming its outbox entry). On a retry the outcome
        of the earlier attempt is unknown (it may have timed out after Slack stored it, or the process
        died before recording it), so Slack is asked first whether a message with the marker is there.
        """
        attempt: _Attempt = self._attempt.entry
        marker = marker or {"outbox": attempt.outbox_id}
        if attempt.plain:
            message = message.plain()
        key = self._pace_channel(channel)
        if attempt.attempts > 1:
            if self.pacer is not None:  # looking costs a Tier 3 call: it keeps that pace too
                pacer = self.pacer
                self._pace(
                    pacer.method_key(attempt.workspace_id, "conversations.history"),
                    lambda: pacer.method(attempt.workspace_id, "conversations.history"),
                )
            oldest = (since or attempt.created_at).timestamp() - 60
            found = self.notifier.find_post(channel, marker, oldest, thread_ts=thread_ts)
            if found is not None:
                log.info(
                    "an earlier attempt was delivered: not sending it again", extra={"outbox_id": attempt.outbox_id}
                )
                return found
        try:
            posted = self.notifier.post(channel, message, thread_ts=thread_ts, marker=marker)
        except SlackUnavailable as error:
            if key is not None and error.retry_after and self.pacer is not None:  # this channel only waits
                self.pacer.hold(key, error.retry_after)
                if error.status == 429 and not getattr(self._attempt, "touched", False):  # it did nothing
                    at = self.clock.now().timestamp() + error.retry_after
                    raise Paced(f"Retry-After from {channel}", at) from error
            raise
        self._attempt.touched = True
        return posted

    def _pace_channel(self, channel: str) -> str | None:
        """Take this entry's moment in a channel (once per try; a person's DM is not a busy channel); its key."""
        attempt: _Attempt = self._attempt.entry
        if self.pacer is None or is_user_id(channel):
            return None
        pacer, workspace_id = self.pacer, attempt.workspace_id
        key = pacer.channel_key(workspace_id, channel)
        if attempt.cleared != key:
            self._pace(key, lambda: pacer.channel(workspace_id, channel))
            self._attempt.entry = dataclasses.replace(self._attempt.entry, cleared=key)
        return key

    def _pace(self, key: str, take: Callable[[], object]) -> None:
        """Take this entry's moment on `key`: the one booked on an earlier try, else the next free one. Before
        anything was changed in Slack the entry waits in the database (`Paced`); after, it cannot be put back
        (a retry would repeat what was done), so this sender waits in place."""
        attempt: _Attempt = self._attempt.entry
        if attempt.booked in (key, key + TURN_TAKEN):  # booked on an earlier try (its turn too, with TURN_TAKEN)
            self._attempt.entry = dataclasses.replace(attempt, booked=None)
        else:
            try:
                take()
            except Paced as paced:
                if not getattr(self._attempt, "touched", False):
                    raise
                time.sleep(min(max(paced.at - self.clock.now().timestamp(), 0.0), HELD_AT_MOST))
        if attempt.booked != key + TURN_TAKEN:
            self._arrive(key)
        self.pacer.space_out(key)  # type: ignore[union-attr]

    def _arrive(self, key: str) -> None:
        """Keep a method's calls from this process within its tier's burst, as Slack counts them: an entry that
        changed nothing yet waits in the database for its turn, else this sender waits."""
        wait = self.pacer.arrive(key)  # type: ignore[union-attr]
        if wait <= EARLY_ENOUGH:
            return
        if not getattr(self._attempt, "touched", False):
            raise Paced(key + TURN_TAKEN, self.clock.now().timestamp() + wait)
        time.sleep(min(wait, HELD_AT_MOST))

    def current_posts(self) -> list[tuple[str, str, base.Message]]:
        """Every posted idea and challenge as its post stands now, oldest first, as (channel, ts, message): the
        console shows them again after a restart, since its local Slack keeps nothing."""
        shown = []
        with self.db.session() as session:
            for kind, rows in (
                (self._idea_kind, queries.all_ideas(session)),
                (self._challenge_kind, queries.all_challenges(session)),
            ):
                for row in rows:
                    if row.channel_id and row.message_ts:
                        with self._reader(row.channel_id):
                            message = kind.render(session, row, self._similar(kind, row))
                        shown.append((row.channel_id, row.message_ts, message))
        return sorted(shown, key=lambda post: float(post[1]))

    def _update(self, channel: str, ts: str, message: base.Message) -> None:
        """Update a post (idempotent: simply repeated on a retry), as plain text when its blocks were refused."""
        attempt: _Attempt = self._attempt.entry
        if self.pacer is not None:
            pacer = self.pacer
            self._pace(
                pacer.method_key(attempt.workspace_id, "chat.update"),
                lambda: pacer.method(attempt.workspace_id, "chat.update"),
            )
        try:
            self.notifier.update(channel, ts, message.plain() if attempt.plain else message)
        except SlackUnavailable as error:
            if error.status == 429 and error.retry_after and self.pacer is not None:  # no more updates till then
                self.pacer.hold(self.pacer.method_key(attempt.workspace_id, "chat.update"), error.retry_after)
            raise
        self._attempt.touched = True

    # --- senders: Slack calls first, then a `Record` of what they returned ---

    def _post(self, kind: _Kind, subject_id: int) -> Record:
        """Post a submission in its channel (once), then owe its author a confirmation."""
        with self.db.session() as session:
            row = kind.load(session, subject_id)
            message = None
            similar: list[Found] = []
            if row is not None and row.message_ts is None:
                channel = getattr(self.channels_for(row.workspace_id), kind.channel)
                self._pace_channel(channel)  # before the matching and rendering, which a paced entry would waste
                similar = self._similar(kind, row)
                with self._reader(channel):
                    message = kind.render(session, row, similar)
        if row is None:
            return _nothing
        posted = link = None
        if message is not None:
            marker = {"kind": kind.noun, "id": subject_id}
            posted = self._post_once(channel, message, marker=marker, since=row.created_at)
            link = self._permalink(posted.channel, posted.ts)

        def record(session: Session) -> None:
            fresh = kind.load(session, subject_id)
            if fresh is not None and posted is not None:
                fresh.channel_id, fresh.message_ts = posted.channel, posted.ts
                fresh.similar_posted = kept_matches(similar)  # later updates of the post show the same
                self._linked(session, fresh, link)
            now, workspace_id = self.clock.now(), fresh.workspace_id if fresh is not None else None
            # owed at submission (kept for older entries); now the post is there, the author hears at once
            queries.owe(session, f"confirm_{kind.noun}", subject_id, now, workspace_id=workspace_id)
            queries.due_now(session, f"confirm_{kind.noun}:{subject_id}", now)
            # if the confirmation went first (the channel's pace held the post back), it gets the link; one still
            # waiting for a sender reads the link itself
            if not queries.waiting_unclaimed(session, f"confirm_{kind.noun}:{subject_id}", now):
                queries.owe(session, f"link_confirmation_{kind.noun}", subject_id, now, workspace_id=workspace_id)

        return record

    def _permalink(self, channel: str, ts: str) -> str | None:
        """A just-posted message's link, or None when Slack does not give it now, or its method's pace has no
        moment now (several busy channels post faster than chat.getPermalink's tier): the confirmation asks
        again, at that pace."""
        if self.pacer is not None:
            try:
                self.pacer.method(self._attempt.entry.workspace_id, "chat.getPermalink")
            except Paced:
                return None
        try:
            return self.notifier.permalink(channel, ts)
        except (SlackUnavailable, SlackRejected):
            log.warning("no permalink for a new post yet; the author's confirmation will ask again")
            return None

    def _asked_permalink(self, channel: str, ts: str) -> str:
        """A post's link for a message that needs it (a confirmation): at chat.getPermalink's pace (the entry
        waits for its moment in the database), raising when Slack does not give it (the entry is retried)."""
        if self.pacer is not None:
            pacer, workspace_id = self.pacer, self._attempt.entry.workspace_id
            self._pace(
                pacer.method_key(workspace_id, "chat.getPermalink"),
                lambda: pacer.method(workspace_id, "chat.getPermalink"),
            )
        return self.notifier.permalink(channel, ts)

    def _linked(self, session: Session, row: Idea | Challenge, link: str | None) -> None:
        """Keep a post's link once known; an idea answering a challenge is then linked from the challenge's post."""
        if link is None or row.permalink == link:
            return
        row.permalink = link
        challenge_id = getattr(row, "challenge_id", None)
        answered = queries.get_challenge(session, challenge_id) if challenge_id else None
        if answered is not None:
            owe_challenge_update(session, answered, self.clock.now())

    def _similar(self, kind: _Kind, row: Idea | Challenge) -> list[Found]:
        """The similar work a post shows reviewers: once posted, what it showed then (`similar_posted`); before,
        what the author was shown, with the scores they saw, then work found since, flagged as new."""
        if self.matches is None:
            return []
        if row.similar_posted is not None:
            return self.matches.kept(row.similar_posted, row.workspace_id)
        shown = self.matches.kept(row.similar_shown, row.workspace_id)
        seen = {(item.kind, item.id) for item in shown}
        document = kind.document(row)
        found = self.matches.find(
            document.title, document.description, limit=3, exclude=document.key, workspace_id=row.workspace_id
        )
        new = [
            dataclasses.replace(item, new=bool(shown))  # "new" only beside what the author did see
            for item in found
            if item.verdict is not None and (item.kind, item.id) not in seen
        ]
        return [*shown, *new][:SIMILAR_ON_POST]

    def _confirm(self, kind: _Kind, subject_id: int) -> Record:
        """Tell the author, by DM, that their submission is saved, with a link to its post; when the post is not
        made yet (the channel is busy), say where it will appear: the link is added when it is."""
        with self.db.session() as session:
            row = kind.load(session, subject_id)
        if row is None:
            return _nothing
        link = None
        if row.channel_id is not None and row.message_ts is not None:
            link = row.permalink or self._asked_permalink(row.channel_id, row.message_ts)
        where = getattr(self.channels_for(row.workspace_id), kind.channel)
        sent = self._send(row.author_id, lambda: dms.confirmation(kind.noun, row.title, link, row.id, where))

        def record(session: Session) -> None:
            fresh = kind.load(session, subject_id)
            if fresh is None:
                return
            self._linked(session, fresh, link)
            if sent is not None:
                fresh.confirmed_in, fresh.confirmed_ts, fresh.confirmed_linked = sent.channel, sent.ts, link is not None

        return record

    def _link_confirmation(self, kind: _Kind, subject_id: int) -> Record:
        """Add the post's link to a confirmation that was sent before the post was made."""
        with self.db.session() as session:
            row = kind.load(session, subject_id)
            confirming = queries.status_of(session, f"confirm_{kind.noun}:{subject_id}")
        if row is None or row.channel_id is None or row.message_ts is None or row.confirmed_linked:
            return _nothing
        if confirming == "pending":
            raise NotYet(f"the confirmation of {kind.noun} {subject_id} is not sent yet")
        if row.confirmed_in is None or row.confirmed_ts is None:  # never sent (the author was erased, say)
            return _nothing
        link = row.permalink or self._asked_permalink(row.channel_id, row.message_ts)
        with self._reader(row.author_id):
            message = dms.confirmation(kind.noun, row.title, link, row.id)
        self._update(row.confirmed_in, row.confirmed_ts, message)

        def record(session: Session) -> None:
            fresh = kind.load(session, subject_id)
            if fresh is not None:
                fresh.confirmed_linked = True
                self._linked(session, fresh, link)

        return record

    def _notify_join(self, join_id: int) -> Record:
        """Tell the owner of joined work (an idea's or challenge's author, a project's Slack contact)."""
        with self.db.session() as session:
            join = queries.get_join(session, join_id)
            owner = queries.owner_of(session, join.target) if join is not None else None
            home = queries.home_of(session, join.target) if join is not None else None
            theirs = queries.get_workspace(session, join.workspace_id) if join is not None else None
            ours = queries.get_workspace(session, home) if home else None
        # a project's contact is told only when it is a Slack user (else it is an address or a name)
        if join is None or owner is None or not is_user_id(owner) or owner == join.user_id or self.matches is None:
            return _nothing
        item = self.matches.lookup(join.target)
        if item is None:
            return _nothing
        if home is None or home == join.workspace_id:
            self._send(owner, lambda: dms.join_notice(join.user_id, item))
            return _nothing
        # from another workspace: say which; outside one organisation a mention would not resolve, so a name
        same_org = theirs is not None and ours is not None and theirs.enterprise_id is not None
        same_org = same_org and theirs.enterprise_id == ours.enterprise_id
        people = self.languages.people if self.languages is not None else None
        name = None if same_org or people is None else people.name_of(join.user_id)
        elsewhere = (theirs.name if theirs is not None else None) or join.workspace_id
        self._send(
            owner,
            lambda: dms.join_notice(
                join.user_id, item, from_workspace=elsewhere, mentionable=same_org, joiner_name=name
            ),
        )
        return _nothing

    # --- reviews: thread replies, the post kept up to date, the author and reviewers told ---

    def _posted_idea(self, session: Session, idea_id: int) -> Idea:
        idea = queries.get_idea(session, idea_id)
        if idea is None or idea.channel_id is None or idea.message_ts is None:
            raise NotYet(f"idea {idea_id} is not posted yet")
        return idea

    def _decision_reply(self, decision_id: int) -> Record:
        with self.db.session() as session:
            decision = queries.get_decision(session, decision_id)
            if decision is None:
                return _nothing
            idea = self._posted_idea(session, decision.idea_id)
        target = None
        if decision.action == "merge" and idea.merged_into and self.matches is not None:
            target = self.matches.lookup(idea.merged_into)
        reply = partial(posts.decision_reply, decision, idea, target)
        self._send(idea.channel_id, reply, thread_ts=idea.message_ts)
        return _nothing

    def _checkin_reply(self, checkin_id: int) -> Record:
        """A check-in, as a reply in its idea's thread."""
        with self.db.session() as session:
            checkin = queries.get_checkin(session, checkin_id)
            if checkin is None:
                return _nothing
            idea = self._posted_idea(session, checkin.idea_id)
            experiment = queries.get_experiment(session, checkin.idea_id)
        self._send(idea.channel_id, partial(posts.checkin_reply, checkin, experiment), thread_ts=idea.message_ts)
        return _nothing

    def _experiment_checkin(self, idea_id: int, person: str | None) -> Record:
        """Ask one of an experiment's team how it is going (not once it has ended or been reported)."""
        with self.db.session() as session:
            idea = queries.get_idea(session, idea_id)
            experiment = queries.get_experiment(session, idea_id)
        if idea is None or experiment is None or not person or idea.status != "experiment_running":
            return _nothing
        self._send(person, lambda: dms.checkin_dm(idea, experiment))
        return _nothing

    def _experiment_overdue(self, idea_id: int, target: str | None) -> Record:
        """Tell the escalation channel (or the innovation team) of an experiment past its end with no report."""
        with self.db.session() as session:
            idea = queries.get_idea(session, idea_id)
            experiment = queries.get_experiment(session, idea_id)
        if idea is None or experiment is None or not target or idea.status != "experiment_running":
            return _nothing
        self._send(target, lambda: dms.experiment_overdue(idea, experiment))
        return _nothing

    def _waiver_step(self, kind: str, step_id: int, person: str | None) -> Record:
        """A step of a waiver told to one person: a request (or answer) to an owner, the receipt to whoever
        asked, a decision to its team; which one, `kind` says."""
        with self.db.session() as session:
            step = queries.get_waiver_decision(session, step_id)
            waiver = queries.get_waiver(session, step.waiver_id) if step is not None else None
            idea = queries.get_idea(session, waiver.idea_id) if waiver is not None and waiver.idea_id else None
            owners = len(queries.waiver_owners_told(session, step_id)) if kind == "waiver_received" else 0
        if step is None or waiver is None or not person:
            return _nothing
        if kind == "waiver_request":
            self._send(person, lambda: waiver_blocks.request_dm(waiver, step, idea))
        elif kind == "waiver_received":
            self._send(person, lambda: waiver_blocks.received_dm(waiver, owners))
        else:
            self._send(person, lambda: waiver_blocks.decided_dm(waiver, step))
        return _nothing

    def _waiver_ending(self, kind: str, waiver_id: int, person: str | None) -> Record:
        """Before a granted waiver ends (to its team and owner), and at its end (the owner chooses what next)."""
        with self.db.session() as session:
            waiver = queries.get_waiver(session, waiver_id)
        if waiver is None or not person or waiver.status != "granted":
            return _nothing  # decided meanwhile: nothing to recall
        if kind == "waiver_expiring":
            self._send(person, lambda: waiver_blocks.expiring_dm(waiver))
        else:
            self._send(person, lambda: waiver_blocks.expired_dm(waiver, for_owner=person == waiver.decided_by))
        return _nothing

    def _notify_decision(self, decision_id: int) -> Record:
        with self.db.session() as session:
            decision = queries.get_decision(session, decision_id)
            if decision is None:
                return _nothing
            idea = self._posted_idea(session, decision.idea_id)
        if decision.actor_id != idea.author_id:
            self._send(idea.author_id, lambda: dms.decision_dm(decision, idea))
        return _nothing

    def _update_post(self, idea_id: int) -> Record:
        """Show the idea's current state on its post (any version: the newest state is rendered)."""
        with self.db.session() as session:
            idea = self._posted_idea(session, idea_id)
            with self._reader(idea.channel_id or self.channels_for(idea.workspace_id).ideas):
                message = _render_idea(session, idea, self._similar(self._idea_kind, idea))
        self._update(idea.channel_id, idea.message_ts, message)
        return _nothing

    def _notify_comment(self, comment_id: int) -> Record:
        with self.db.session() as session:
            comment = queries.get_comment(session, comment_id)
            idea = queries.get_idea(session, comment.idea_id) if comment is not None else None
        if comment is not None and idea is not None:
            self._send(idea.author_id, lambda: dms.comment_dm(comment, idea))
        return _nothing

    def _ask_source_author(self, idea_id: int) -> Record:
        """Ask the author of the message an idea was made from whether it may name them (once it is posted,
        so that the question links to it)."""
        with self.db.session() as session:
            idea = self._posted_idea(session, idea_id)
        if idea.source_author_id:
            self._send(idea.source_author_id, lambda: dms.naming_request(idea))
        return _nothing

    def _notify_help(self, support_id: int) -> Record:
        with self.db.session() as session:
            offer = queries.get_support(session, support_id)
            idea = queries.get_idea(session, offer.idea_id) if offer is not None else None
        if offer is not None and idea is not None:
            self._send(idea.author_id, lambda: dms.help_dm(offer, idea))
        return _nothing

    def _notify_edit(self, idea_id: int, reviewer: str | None) -> Record:
        with self.db.session() as session:
            idea = queries.get_idea(session, idea_id)
        if idea is not None and reviewer:
            self._send(reviewer, lambda: dms.edit_dm(idea))
        return _nothing

    def _notify_merge(self, decision_id: int, person: str | None) -> Record:
        """Tell the author or a supporter of a merged idea where it went."""
        with self.db.session() as session:
            decision = queries.get_decision(session, decision_id)
            idea = queries.get_idea(session, decision.idea_id) if decision is not None else None
        if idea is None or not idea.merged_into or not person:
            return _nothing
        target = self.matches.lookup(idea.merged_into) if self.matches is not None else None
        self._send(person, lambda: dms.merge_dm(idea, target))
        return _nothing

    def _update_challenge(self, challenge_id: int) -> Record:
        with self.db.session() as session:
            challenge = queries.get_challenge(session, challenge_id)
            if challenge is None or challenge.channel_id is None or challenge.message_ts is None:
                raise NotYet(f"challenge {challenge_id} is not posted yet")
            with self._reader(challenge.channel_id):
                message = _render_challenge(session, challenge, self._similar(self._challenge_kind, challenge))
        self._update(challenge.channel_id, challenge.message_ts, message)
        return _nothing

    def _nudge(self, nudge_id: int) -> Record:
        with self.db.session() as session:
            nudge = queries.get_nudge(session, nudge_id)
            idea = queries.get_idea(session, nudge.idea_id) if nudge is not None else None
        if nudge is None or idea is None or idea.awaiting_since is None:
            return _nothing  # feedback came meanwhile: nothing to remind
        waited = (self.clock.now() - idea.awaiting_since).days
        self._send(nudge.reviewer_id, lambda: dms.nudge_dm(idea, nudge.number, waited))
        return _nothing

    def _escalation(self, nudge_id: int, target: str | None) -> Record:
        with self.db.session() as session:
            nudge = queries.get_nudge(session, nudge_id)
            idea = queries.get_idea(session, nudge.idea_id) if nudge is not None else None
        if nudge is None or idea is None or idea.awaiting_since is None:
            return _nothing
        waited = (self.clock.now() - idea.awaiting_since).days
        if target:
            self._send(target, lambda: dms.escalation_message(idea, waited, reviewer_ids(idea)))
        return _nothing

    def _digest(self, run_id: int) -> Record:
        with self.db.session() as session:
            run = queries.get_digest_run(session, run_id)
            if run is None:
                return _nothing
            with self._reader(run.channel_id):
                built = build_digest(session, run.period_start, run.period_end, run.workspace_id)
                message = digest.digest_message(built)
        self._post_once(run.channel_id, message)
        return _nothing


@dataclass(frozen=True)
class _Attempt:
    """Which outbox entry a delivery thread is sending, how many times it has been tried, and whether
    Slack refused its blocks (then its words go as plain text)."""

    outbox_id: int
    attempts: int
    created_at: datetime
    plain: bool = False
    workspace_id: str | None = None
    booked: str | None = None  # the paced key whose moment an earlier try booked for it
    urgent: bool = False  # a person is waiting for it now (PRIORITY 0)
    cleared: str | None = None  # the paced key whose moment this try already took (before building the message)


class NotYet(Exception):
    """What this message is about is not ready (an idea not posted yet): try again later."""


@dataclass(frozen=True)
class _Kind:
    """How to load and render one kind of submission."""

    noun: str
    channel: str  # which of the workspace's `Channels` it is posted in
    load: Callable[[Session, int], Idea | Challenge | None]
    render: Callable[[Session, Any, list[Found]], base.Message]
    document: Callable[[Any], Document]


def _render_idea(session: Session, idea: Idea, similar: list[Found]) -> base.Message:
    challenge = queries.get_challenge(session, idea.challenge_id) if idea.challenge_id else None
    assert idea.id is not None
    experiment = queries.get_experiment(session, idea.id)
    return posts.idea_post(idea, challenge, similar, queries.support_count(session, idea.id), experiment)


def _render_challenge(session: Session, challenge: Challenge, similar: list[Found]) -> base.Message:
    assert challenge.id is not None
    return posts.challenge_post(challenge, similar, queries.ideas_of_challenge(session, challenge.id))


def _nothing(_session: Session) -> None:
    """A `Record` for entries whose subject is gone: nothing to write."""
