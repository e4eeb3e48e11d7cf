"""What the App Home shows a person: their ideas, what waits for their decision, open challenges, figures."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.privacy import erasure_requests
from bot.reviews import OPEN, Deciders
from storage import queries
from storage.models import Challenge, Idea


@dataclass(frozen=True)
class Figures:
    """Pipeline figures for the innovation team."""

    submitted_this_month: int
    waiting: int
    decided_this_month: int
    median_days_to_first_feedback: float | None


@dataclass(frozen=True)
class Home:
    mine: Sequence[Idea]
    last_feedback: dict[int, str]  # idea id -> the newest decision or comment text
    waiting_for_me: Sequence[Idea]
    challenges: Sequence[Challenge]
    figures: Figures | None
    next_nudges: dict[int, datetime] = field(default_factory=dict)  # idea id -> next reminder due
    erasure_requests: list[tuple[str, int]] = field(default_factory=list)  # for the team: (person, open reviews)
    owed_to_slack: int = 0  # for the team: messages the outbox has not delivered yet


def home_for(
    session: Session,
    workspace_id: str,
    user_id: str,
    now: datetime,
    deciders: Deciders,
    next_nudge: Callable[[Idea], datetime | None] | None = None,
) -> Home:
    mine = queries.ideas_by_author(session, workspace_id, user_id)
    last_feedback = {}
    for idea in mine[:20]:
        assert idea.id is not None
        decisions = queries.decisions_of(session, idea.id)
        if decisions:
            last = decisions[-1]
            last_feedback[idea.id] = last.comment or last.action.replace("_", " ")
    waiting: Sequence[Idea] = queries.ideas_waiting_for(session, workspace_id, user_id, OPEN)
    figures, erasures, owed = None, [], 0
    if user_id in deciders.innovation_team:  # the team may decide on every idea, and sees the pipeline
        everything = queries.ideas_in_workspace(session, workspace_id)
        waiting = sorted((idea for idea in everything if idea.status in OPEN), key=lambda idea: idea.created_at)
        figures = _figures(everything, now)
        erasures = erasure_requests(session)
        owed, _oldest = queries.owed(session)
    shown = [*mine[:10], *waiting[:10]]
    due = {idea.id: when for idea in shown if next_nudge and idea.id and (when := next_nudge(idea))}
    challenges = queries.open_challenges(session, workspace_id)
    return Home(mine, last_feedback, waiting, challenges, figures, due, erasures, owed)


def _figures(ideas: Sequence[Idea], now: datetime) -> Figures:
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    delays = [
        (idea.first_feedback_at - idea.created_at).total_seconds() / 86400
        for idea in ideas
        if idea.first_feedback_at is not None
    ]
    return Figures(
        submitted_this_month=sum(idea.created_at >= month_start for idea in ideas),
        waiting=sum(idea.status in OPEN for idea in ideas),
        decided_this_month=sum(
            idea.status not in OPEN and idea.updated_at >= month_start and idea.decided_by is not None for idea in ideas
        ),
        median_days_to_first_feedback=round(statistics.median(delays), 1) if delays else None,
    )
