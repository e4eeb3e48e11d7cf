"""The weekly digest: what happened, who waits, what we learned, and thanks to the contributors."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.reviews import OPEN, reviewer_ids
from storage import queries
from storage.models import Challenge, Decision, Idea, SettingChange, Waiver, WaiverDecision

# what we learned, failures first: they are the results a next team is least likely to hear of otherwise
LEARNED_FIRST = {"failure": 0, "partial": 1, "inconclusive": 2, "success": 3}
WAIVER_NEWS = ("grant", "refuse", "extend", "permanent", "restore")  # a waiver's steps the digest lists
CATCH_UP = timedelta(days=3)  # a digest missed while the bot was down still goes out within this


@dataclass
class Digest:
    start: datetime
    end: datetime
    new_ideas: list[Idea] = field(default_factory=list)
    new_challenges: list[Challenge] = field(default_factory=list)
    decisions: list[tuple[Decision, Idea]] = field(default_factory=list)
    waiting: list[tuple[Idea, int]] = field(default_factory=list)  # (idea, days waited), longest first
    completed: list[Idea] = field(default_factory=list)
    joins: int = 0  # people who joined existing work instead of starting a duplicate
    most_supported: list[tuple[Idea, int]] = field(default_factory=list)
    contributors: list[str] = field(default_factory=list)  # named ones
    anonymous_contributors: int = 0
    setting_changes: list[SettingChange] = field(default_factory=list)  # who set the bot up how, this week
    waivers: list[tuple[WaiverDecision, Waiver]] = field(default_factory=list)  # rules set aside, refused, ended
    waivers_ended: list[Waiver] = field(default_factory=list)  # granted ones past their last day, not yet decided
    quarter: list[Idea] = field(default_factory=list)  # once a month: every experiment completed this quarter
    quarter_start: datetime | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.new_ideas or self.new_challenges or self.decisions or self.completed or self.joins or self.waivers
        )


def failures_first(ideas: Iterable[Idea]) -> list[Idea]:
    """Completed experiments in the order a reader learns most from: failures, partial, inconclusive, successes."""
    return sorted(ideas, key=lambda idea: LEARNED_FIRST.get(idea.outcome or "", len(LEARNED_FIRST)))


def build_digest(session: Session, start: datetime, end: datetime, workspace_id: str | None = None) -> Digest:
    """Everything between `start` and `end` (UTC) for one workspace-wide digest (`workspace_id` None or
    empty: every workspace, as with one bot token)."""
    ideas = [idea for idea in queries.all_ideas(session) if not workspace_id or idea.workspace_id == workspace_id]
    by_id = {idea.id: idea for idea in ideas}
    digest = Digest(start=start, end=end)
    digest.new_ideas = [idea for idea in ideas if start <= idea.created_at < end]
    digest.new_challenges = [
        c
        for c in queries.all_challenges(session)
        if start <= c.created_at < end and (not workspace_id or c.workspace_id == workspace_id)
    ]
    digest.decisions = [
        (decision, by_id[decision.idea_id])
        for decision in queries.all_decisions(session)
        if start <= decision.created_at < end and decision.action not in ("comment",) and decision.idea_id in by_id
    ]
    completed = [idea for decision, idea in digest.decisions if decision.action == "complete"]
    digest.completed = failures_first(completed)
    if end.day <= 7:  # the month's first digest also looks back over the quarter so far
        quarter_start = end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0)
        digest.quarter_start = quarter_start
        digest.quarter = failures_first(
            by_id[decision.idea_id]
            for decision in queries.all_decisions(session)
            if decision.action == "complete"
            and quarter_start <= decision.created_at < end
            and decision.idea_id in by_id
        )
    digest.waivers_ended = [
        waiver
        for waiver in queries.waivers_with_status(session, "granted")
        if waiver.ends_on is not None
        and start.date() <= waiver.ends_on < end.date()
        and (not workspace_id or waiver.workspace_id == workspace_id)
    ]
    digest.waivers = [
        (step, waiver)
        for step, waiver in queries.waiver_decisions_between(session, start, end, workspace_id or None)
        if step.action in WAIVER_NEWS
    ]
    # who waits, as at the end of the week: an idea submitted after it belongs to next week's digest
    waiting = [(idea, idea.awaiting_since) for idea in ideas if idea.status in OPEN and idea.awaiting_since]
    digest.waiting = sorted(
        ((idea, (end - since).days) for idea, since in waiting if since < end), key=lambda pair: -pair[1]
    )
    digest.joins = queries.count_joins(session, start, end, workspace_id)
    if workspace_id:
        digest.setting_changes = list(queries.setting_changes(session, workspace_id, start, end))
    support = Counter(queries.support_in(session, start, end))
    digest.most_supported = [(by_id[i], n) for i, n in support.most_common() if i in by_id]
    named = Counter(
        [idea.author_id for idea in digest.new_ideas if not idea.anonymous]
        + [challenge.author_id for challenge in digest.new_challenges]
    )
    digest.contributors = [user for user, _ in named.most_common()]
    digest.anonymous_contributors = len({idea.author_id for idea in digest.new_ideas if idea.anonymous})
    return digest


def last_scheduled(now: datetime, weekday: int, at: time, tz: ZoneInfo) -> datetime:
    """The most recent scheduled digest moment at or before `now` (UTC)."""
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date() - timedelta(days=(local.weekday() - weekday) % 7), at, tz)
    if candidate > local:
        candidate -= timedelta(days=7)
    return candidate.astimezone(now.tzinfo)


def owe_due_digests(
    session: Session,
    now: datetime,
    channels: tuple[str, ...],
    weekday: int,
    at: time,
    tz: ZoneInfo,
    workspace_id: str = "",
) -> int:
    """Owe this week's digest to each channel once, if its time has come (and is not long past).
    `workspace_id` "" is the one workspace of a bot-token install (not NULL: the unique key needs a value)."""
    end = last_scheduled(now, weekday, at, tz)
    if now - end > CATCH_UP:
        return 0
    return sum(owe_digest(session, channel, end - timedelta(days=7), end, now, workspace_id) for channel in channels)


def owe_digest(
    session: Session, channel: str, start: datetime, end: datetime, now: datetime, workspace_id: str = ""
) -> int:
    """Claim the digest of (`workspace_id`, `channel`, `end`) and owe its message; 0 if already claimed."""
    try:
        with session.begin_nested():
            run_id = queries.add_digest_run(session, channel, start, end, now, workspace_id)
            queries.owe(session, "digest", run_id, now, workspace_id=workspace_id or None)
    except IntegrityError:
        return 0
    return 1


def waiting_on(idea: Idea) -> list[str]:
    return reviewer_ids(idea)
