"""Nobody is forgotten: reminders to reviewers who have not answered, then escalation to the team.

The state is in the database: an idea's `awaiting_since` (reviewers owe feedback since then), one
`NudgeSent` row per reminder (unique per idea, reviewer and number) and `Snooze` rows. A tick, run by
the scheduler every few seconds, works out what is due from that state alone, so a restart or a second
bot process changes nothing: each reminder is claimed by inserting its unique row together with the
outbox entry that sends it, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.config import Settings
from bot.i18n import _
from bot.refusals import NotAllowed
from bot.reviews import reviewer_ids
from bot.worktime import WorkingTime, zone
from storage import queries
from storage.models import Idea

WAITING_ON_REVIEWERS = ("submitted", "in_review")
SNOOZE_DAYS = 2


@dataclass(frozen=True)
class Policy:
    working: WorkingTime
    after: timedelta  # of working time without feedback before the first reminder
    repeat: timedelta
    max_nudges: int
    default_tz: str
    escalate_to: tuple[str, ...] = ()  # a channel, or the innovation team's user IDs

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        working = settings.working_time
        return cls(
            working=working,
            after=working.duration(*settings.nudge_after),
            repeat=working.duration(*settings.nudge_repeat),
            max_nudges=settings.nudge_max,
            default_tz=settings.timezone,
            escalate_to=(settings.escalation_channel,) if settings.escalation_channel else settings.innovation_team,
        )

    def due(self, idea: Idea, sent: list[datetime], snoozed_until: datetime | None, tz: ZoneInfo) -> datetime:
        """When reminder number len(sent)+1 (or the escalation after the last) falls due, in UTC."""
        assert idea.awaiting_since is not None
        if sent:
            due = self.working.add(sent[-1], self.repeat, tz)
        else:
            due = self.working.add(idea.awaiting_since, self.after, tz)
        if snoozed_until is not None and snoozed_until > due:
            due = self.working.next_open(snoozed_until, tz)
        return due

    def next_send(
        self, idea: Idea, sent: list[datetime], snoozed_until: datetime | None, tz: ZoneInfo, now: datetime
    ) -> datetime:
        """When that reminder actually goes out: when it falls due, or, if that has passed while nothing may be
        sent (a night, a weekend, the bot down), the start of the next working period. The one answer for
        the scheduler (send when this is not after now) and for the App Home (shown as the next reminder)."""
        due = self.due(idea, sent, snoozed_until, tz)
        return due if due > now else self.working.next_open(now, tz)


TimeZoneOf = Callable[[str], str | None]
"""A person's time zone name, as Slack reports it (None when unknown)."""


def tick(
    session: Session,
    now: datetime,
    policy: Policy,
    tz_of: TimeZoneOf,
    policy_of: Callable[[str | None], Policy] | None = None,
) -> int:
    """Owe every reminder and escalation that is due now; returns how many were claimed. `policy_of` gives
    a workspace's own policy (its working time, timing and escalation); without it, `policy` serves all."""
    claimed = 0
    for idea in queries.ideas_awaiting_feedback(session, WAITING_ON_REVIEWERS):
        assert idea.id is not None
        if policy_of is not None:
            policy = policy_of(idea.workspace_id)
        reviewers = reviewer_ids(idea)
        history = queries.nudges_of(session, idea.id)
        snoozes = queries.snoozes_of(session, idea.id)
        for reviewer in reviewers:
            sent = sorted(row.created_at for row in history if row.reviewer_id == reviewer and row.number > 0)
            if len(sent) >= policy.max_nudges:
                continue
            tz = zone(tz_of(reviewer), policy.default_tz)
            if policy.next_send(idea, sent, snoozes.get(reviewer), tz, now) <= now:
                claimed += _claim(session, idea, reviewer, len(sent) + 1, now, "nudge")
        if reviewers and _all_exhausted(history, reviewers, policy.max_nudges):
            last = max(row.created_at for row in history)
            tz = zone(policy.default_tz)
            already = any(row.number == 0 for row in history)
            if not already and policy.working.add(last, policy.repeat, tz) <= now:
                claimed += _claim(session, idea, "", 0, now, "escalation", policy.escalate_to)
    return claimed


def _all_exhausted(history: list, reviewers: list[str], max_nudges: int) -> bool:
    counts = {reviewer: 0 for reviewer in reviewers}
    for row in history:
        if row.reviewer_id in counts and row.number > 0:
            counts[row.reviewer_id] += 1
    return all(count >= max_nudges for count in counts.values())


def _claim(
    session: Session,
    idea: Idea,
    reviewer: str,
    number: int,
    now: datetime,
    kind: str,
    recipients: tuple[str, ...] = (),
) -> int:
    """Insert the unique reminder row and its outbox entries together; 0 if another process was first."""
    try:
        with session.begin_nested():
            assert idea.id is not None
            row_id = queries.add_nudge(session, idea.id, reviewer, number, now)
            for recipient in recipients if kind == "escalation" else (reviewer,):
                queries.owe(session, kind, row_id, now, recipient=recipient, workspace_id=idea.workspace_id)
    except IntegrityError:
        return 0
    return 1


def snooze(
    session: Session, idea_id: int | None, reviewer: str, now: datetime, policy: Policy, tz: ZoneInfo
) -> datetime:
    """No reminders to `reviewer` about this idea for two working days; returns until when.

    Raises `NotAllowed` unless `reviewer` reviews the idea.
    """
    idea = queries.get_idea(session, idea_id) if idea_id else None
    if idea is None or idea.id is None or reviewer not in reviewer_ids(idea):
        raise NotAllowed(_("Only this idea's reviewers get reminders about it."))
    idea_id = idea.id
    until = policy.working.add(now, policy.working.duration(SNOOZE_DAYS, "d"), tz)
    queries.save_snooze(session, idea_id, reviewer, until)
    return until


def next_nudge(session: Session, idea: Idea, policy: Policy, tz_of: TimeZoneOf, now: datetime) -> datetime | None:
    """When the next reminder about `idea` is due (for the App Home), or None if none will be sent."""
    if idea.awaiting_since is None or idea.status not in WAITING_ON_REVIEWERS or idea.id is None:
        return None
    history = queries.nudges_of(session, idea.id)
    snoozes = queries.snoozes_of(session, idea.id)
    times = []
    for reviewer in reviewer_ids(idea):
        sent = sorted(row.created_at for row in history if row.reviewer_id == reviewer and row.number > 0)
        if len(sent) < policy.max_nudges:
            tz = zone(tz_of(reviewer), policy.default_tz)
            times.append(policy.next_send(idea, sent, snoozes.get(reviewer), tz, now))
    return min(times) if times else None
