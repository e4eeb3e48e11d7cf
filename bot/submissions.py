"""Ideas and challenges: what a valid one is, and submitting one (data first, the Slack post owed after)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.challenges import takes_ideas
from bot.i18n import _, format_number
from bot.refusals import InvalidSubmission
from bot.reviewers import reviewers_of_team
from bot.text import clean
from storage import queries
from storage.models import TITLE_MAX, Challenge, Idea, joined_ids

TEXT_MAX = 2000
# How long an author's confirmation waits for their post, so that it can link to it (see `owe_post`)
CONFIRM_GRACE = timedelta(seconds=1)
DEPARTMENT_MAX = 100


@dataclass(frozen=True)
class IdeaDraft:
    """An idea as typed into the modal, before it is checked."""

    title: str
    problem: str
    proposal: str
    department: str = ""
    anonymous: bool = False
    challenge_id: int | None = None
    similar_shown: str | None = None  # JSON of the matches the author saw and chose not to join
    source_link: str | None = None  # the Slack message it was made from ("Turn into an idea")
    source_author_id: str | None = None  # that message's author

    @classmethod
    def of(cls, idea: Idea) -> IdeaDraft:
        """A stored idea as a draft, to edit it in the same form."""
        return cls(
            title=idea.title,
            problem=idea.problem,
            proposal=idea.proposal,
            department=idea.department or "",
            anonymous=idea.anonymous,
        )


@dataclass(frozen=True)
class ChallengeDraft:
    """A challenge as typed into the modal, before it is checked."""

    title: str
    problem: str
    desired_outcome: str
    deadline: date | None = None
    similar_shown: str | None = None


@dataclass(frozen=True)
class Author:
    """Who is submitting, and from which workspace."""

    user_id: str
    workspace_id: str


def reviewers_for(session: Session, workspace_id: str, department: str | None, default: Sequence[str]) -> list[str]:
    """The reviewers the workspace (else the deployment) mapped to a team or department, else the default ones."""
    mapped = reviewers_of_team(session, workspace_id, department) if department else None
    return list(default) if mapped is None else mapped


def posted_link(session: Session, idea_id: int) -> str | None:
    """The link of an idea's post, once it is posted."""
    idea = queries.get_idea(session, idea_id)
    return idea.permalink if idea is not None else None


def submit_idea(
    session: Session, draft: IdeaDraft, author: Author, now: datetime, default_reviewers: Sequence[str] = ()
) -> Idea:
    """Check and store an idea with its reviewers, and owe its channel post. Raises `InvalidSubmission`."""
    errors: dict[str, str] = {}
    fields = idea_fields(draft, errors)
    if draft.challenge_id is not None:
        challenge = queries.get_challenge(session, draft.challenge_id)
        if challenge is None or challenge.workspace_id != author.workspace_id:
            errors["title"] = _("The challenge this idea answers no longer exists.")
        elif not takes_ideas(challenge.status):
            errors["title"] = _("The challenge this idea answers is closed to new ideas.")
    if errors:
        raise InvalidSubmission(errors)
    idea = Idea(
        workspace_id=author.workspace_id,
        author_id=author.user_id,
        anonymous=draft.anonymous,
        **fields,
        challenge_id=draft.challenge_id,
        similar_shown=draft.similar_shown,
        source_link=draft.source_link,
        # someone else's message: they are asked before they are named (never named without consent)
        source_author_id=draft.source_author_id if draft.source_author_id != author.user_id else None,
        reviewers=joined_ids(reviewers_for(session, author.workspace_id, fields["department"], default_reviewers)),
        awaiting_since=now,
        created_at=now,
        updated_at=now,
    )
    session.add(idea)
    session.flush()
    assert idea.id is not None
    owe_post(session, "idea", idea.id, idea.workspace_id, now)
    if idea.source_author_id:
        queries.enqueue(
            session,
            kind="ask_source_author",
            subject_id=idea.id,
            dedupe_key=f"ask_source_author:{idea.id}",
            now=now,
            workspace_id=idea.workspace_id,
        )
    return idea


def submit_challenge(session: Session, draft: ChallengeDraft, author: Author, now: datetime) -> Challenge:
    """Check and store a challenge, and owe its channel post. Raises `InvalidSubmission`."""
    errors: dict[str, str] = {}
    title = checked_text(draft.title, "title", TITLE_MAX, errors, required=_("Please write a title."))
    problem = checked_text(
        draft.problem, "problem", TEXT_MAX, errors, required=_("Please write the problem and who suffers it.")
    )
    outcome = checked_text(
        draft.desired_outcome,
        "desired_outcome",
        TEXT_MAX,
        errors,
        required=_("Please write what a good solution would achieve."),
    )
    if draft.deadline is not None and draft.deadline < now.date():
        errors["deadline"] = _("The deadline is in the past: pick a later date, or leave it empty.")
    if errors:
        raise InvalidSubmission(errors)
    challenge = Challenge(
        workspace_id=author.workspace_id,
        author_id=author.user_id,
        title=title,
        problem=problem,
        desired_outcome=outcome,
        deadline=draft.deadline,
        similar_shown=draft.similar_shown,
        created_at=now,
        updated_at=now,
    )
    session.add(challenge)
    session.flush()
    assert challenge.id is not None
    owe_post(session, "challenge", challenge.id, challenge.workspace_id, now)
    return challenge


def owe_post(session: Session, noun: str, subject_id: int, workspace_id: str, now: datetime) -> None:
    """Owe a submission's channel post, and its author's confirmation a moment later: the post normally
    lands within that moment, so the confirmation links to it; in a rush, when the channel's pace holds
    the post back, the author still hears at once and the link is added to the confirmation later."""
    queries.owe(session, f"post_{noun}", subject_id, now, workspace_id=workspace_id)
    queries.owe(session, f"confirm_{noun}", subject_id, now, workspace_id=workspace_id, due=now + CONFIRM_GRACE)


def join_existing(session: Session, author: Author, target: str, now: datetime, shared: Collection[str] = ()) -> bool:
    """Record that `author` joins existing work instead of starting their own, and owe its owner a note,
    sent through the owner's own workspace (`shared`: the other workspaces whose work the author may join).

    Returns False when they had already joined it. Raises `InvalidSubmission` for an unknown target.
    """
    kind, _sep, number = target.partition(":")
    if kind not in ("project", "idea", "challenge") or not number.isdigit():
        raise InvalidSubmission({"target": _("That is not something I can join.")})
    row = {"project": queries.get_project, "idea": queries.get_idea, "challenge": queries.get_challenge}[kind](
        session, int(number)
    )
    home = getattr(row, "workspace_id", author.workspace_id)
    if row is None or (home != author.workspace_id and home not in shared):
        raise InvalidSubmission({"target": _("That work no longer exists.")})
    joined = queries.add_join(session, author.workspace_id, author.user_id, target, now)
    if joined is None:
        return False
    queries.enqueue(
        session,
        kind="notify_join",
        subject_id=joined,
        dedupe_key=f"notify_join:{joined}",
        now=now,
        workspace_id=home,
    )
    return True


def open_challenge(session: Session, challenge_id: int, workspace_id: str) -> Challenge:
    """The challenge someone wants to answer; raises `InvalidSubmission` if it cannot take ideas."""
    challenge = queries.get_challenge(session, challenge_id)
    if challenge is None or challenge.workspace_id != workspace_id:
        raise InvalidSubmission({"challenge": _("That challenge no longer exists.")})
    if not takes_ideas(challenge.status):
        raise InvalidSubmission({"challenge": _("That challenge is closed to new ideas.")})
    return challenge


@dataclass(frozen=True)
class Listing:
    """Ideas and challenges to show someone."""

    ideas: Sequence[Idea]
    challenges: Sequence[Challenge]

    @property
    def empty(self) -> bool:
        return not self.ideas and not self.challenges


def submissions_of(session: Session, author: Author) -> Listing:
    """Everything this person has submitted, newest first."""
    return Listing(
        ideas=queries.ideas_by_author(session, author.workspace_id, author.user_id),
        challenges=queries.challenges_by_author(session, author.workspace_id, author.user_id),
    )


def idea_fields(draft: IdeaDraft, errors: dict[str, str]) -> dict[str, Any]:
    """The fields a person typed into an idea, cleaned and keyed as the `Idea` model names them (for a new
    idea and an edit alike); a blank required field or an over-long one is recorded in `errors`."""
    return {
        "title": checked_text(draft.title, "title", TITLE_MAX, errors, required=_("Please write a title.")),
        "problem": checked_text(
            draft.problem, "problem", TEXT_MAX, errors, required=_("Please write the problem it solves.")
        ),
        "proposal": checked_text(draft.proposal, "proposal", TEXT_MAX, errors, required=_("Please write your idea.")),
        "department": checked_text(draft.department, "department", DEPARTMENT_MAX, errors, required=None) or None,
    }


def checked_text(value: str, field: str, limit: int, errors: dict[str, str], *, required: str | None) -> str:
    """Clean a field; record `required` (the message) if it is blank, or an error if it is too long."""
    text = clean(value)
    if required is not None and not text:
        errors[field] = required
    elif len(text) > limit:
        errors[field] = _(
            "This is {length} characters long; the limit is {limit}. Please shorten it.",
            length=format_number(len(text)),
            limit=format_number(limit),
        )
    return text
