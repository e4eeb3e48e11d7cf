"""Keeping Slack's pace: a channel takes about one message a second, each Web API method a number a minute.

Moments are booked in the database (`storage.queries.pacing`), so several senders and several bot processes
share one pace per destination. A send whose moment is not yet due is not held in a thread: the outbox
entry waits in the database until its booked moment (`Paced`), and the sender goes on with other work, so
a busy channel never holds back a person's direct message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.clock import Clock
from storage import queries
from storage.db import Database

EARLY_ENOUGH = 0.05  # seconds: a booked moment this close is taken at once
# A little slower than the limit: a message booked for a moment reaches Slack a little later or earlier (the
# network, the database), and Slack counts arrivals
MARGIN = 1.05

# Slack's published tiers for the calls the outbox makes (per workspace, per minute), and how many may go
# at once after a quiet spell: Slack does not say how many, so half of what it was seen to take. A burst
# used to the full leaves no room for a call that arrives a few milliseconds late: the next one on time is
# then early in Slack's count (the load benchmark got 429s that way). https://docs.slack.dev/apis/web-api/rate-limits
METHOD_TIERS: Mapping[str, tuple[float, int]] = {
    "chat.update": (50, 5),  # Tier 3
    "chat.getPermalink": (100, 5),  # Tier 4
    "conversations.history": (50, 3),  # Tier 3 (far less for new apps outside the Marketplace)
    "conversations.replies": (50, 3),  # Tier 3
    "conversations.open": (50, 5),  # Tier 3
    "views.publish": (100, 5),  # Tier 4
    "users.info": (100, 5),  # Tier 4
}


TURN_TAKEN = "+turn"  # added to a paced key: the entry's turn in this process's count of arrivals is taken


class Paced(Exception):
    """This send must wait until `at` (epoch seconds), the moment booked for it."""

    def __init__(self, key: str, at: float) -> None:
        super().__init__(f"paced: {key} is free at {at:.3f}")
        self.key = key
        self.at = at


@dataclass
class Pacer:
    """Books moments per destination: `posts_per_second` messages per channel (Slack's special limit for
    chat.postMessage, with a short `burst`), and `METHOD_TIERS` per workspace for other methods."""

    db: Database
    clock: Clock
    posts_per_second: float = 1.0
    burst: int = 2  # Slack allows short bursts without saying how short: two, to be safe
    methods: Mapping[str, tuple[float, int]] = field(default_factory=lambda: dict(METHOD_TIERS))
    _last_use: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def channel_key(self, workspace_id: str | None, channel: str) -> str:
        return f"post:{workspace_id or '-'}:{channel}"

    def method_key(self, workspace_id: str | None, method: str) -> str:
        return f"method:{workspace_id or '-'}:{method}"

    def take(self, key: str, interval: float, burst: int) -> float:
        """Book the next moment of `key` (returned); raises `Paced` when it is not now."""
        interval *= MARGIN
        now = self.clock.now().timestamp()
        with self.db.session() as session:
            at = queries.book(session, key, now, interval, burst)
        if at > now + EARLY_ENOUGH:
            raise Paced(key, at)
        return at

    def channel(self, workspace_id: str | None, channel: str) -> None:
        self.take(self.channel_key(workspace_id, channel), 1.0 / self.posts_per_second, self.burst)

    def method(self, workspace_id: str | None, method: str) -> float | None:
        """Book a moment for `method` (returned; None: not paced); raises `Paced` when it is not now."""
        per_minute, burst = self.methods.get(method, (0.0, 0))
        if per_minute > 0:
            return self.take(self.method_key(workspace_id, method), 60.0 / per_minute, burst)
        return None

    def space_out(self, key: str) -> None:
        """Wait, if need be, until a full interval has passed since this process last posted to the channel
        of `key`: moments booked apart are sent together when they are reached late (a sender was busy), and
        Slack counts arrivals. Only a channel's lane waits here; methods' tiers allow bursts."""
        if not key.startswith("post:"):
            return
        interval = MARGIN / self.posts_per_second
        with self._lock:
            now = time.monotonic()
            at = max(now, self._last_use.get(key, 0.0) + interval)
            self._last_use[key] = at
        if at > now:
            time.sleep(at - now)

    def arrive(self, key: str) -> float:
        """For a method's `key`: take this call's turn as Slack counts arrivals (its tier and burst, the generic
        cell rate algorithm, in this process) and return how many seconds away it is (0: now). Moments booked
        apart in the database are sent together when a busy sender reaches them late, and a rush of late
        updates was a burst Slack answered with 429s (about 90 chat.update in the load run)."""
        per_minute, burst = self.methods.get(key.rsplit(":", 1)[-1], (0.0, 0))
        if not key.startswith("method:") or per_minute <= 0:
            return 0.0
        interval = 60.0 / per_minute * MARGIN
        with self._lock:
            now = time.monotonic()
            due = max(self._last_use.get(key, now), now)
            self._last_use[key] = due + interval  # taken even when it is later: each waiting call has its own
        return max(due - now - (max(burst, 1) - 1) * interval, 0.0)

    def wait_for_method(self, workspace_id: str | None, method: str, most: float = 30.0) -> None:
        """Book a moment for `method` and wait for it in place (for background threads of their own, such as
        the look-ups of people's locales; never a request's, nor a sender's)."""
        try:
            at = self.method(workspace_id, method)
        except Paced as paced:
            at = paced.at
        if at is not None:  # to the moment: a few milliseconds early add up in a rush
            time.sleep(min(max(at - self.clock.now().timestamp(), 0.0), most))

    def hold(self, key: str, seconds: float) -> None:
        """Slack said 429 with Retry-After for `key`: nothing more goes there until then."""
        with self.db.session() as session:
            queries.hold(session, key, self.clock.now().timestamp() + seconds)
