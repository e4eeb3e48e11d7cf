"""Reviewing ideas: who may decide, the life of an idea, comments, support, and lessons for the registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.experiments import (
    ExperimentPlan,
    ExperimentReport,
    checked_plan,
    checked_report,
    keep_plan,
    keep_report,
    registry_lessons,
)
from bot.i18n import _
from bot.labels import status_label, status_word
from bot.refusals import InvalidSubmission, NotAllowed
from bot.submissions import TEXT_MAX, IdeaDraft, checked_text, idea_fields
from storage import queries
from storage.models import Comment, Decision, Idea, PastProject, id_list

STATUSES = (
    "submitted",
    "in_review",
    "needs_info",
    "approved",
    "experiment_running",
    "completed",
    "declined",
    "withdrawn",
    "merged",
)
OPEN = ("submitted", "in_review", "needs_info")  # waiting for a decision
CLOSED = ("declined", "withdrawn", "merged")  # no longer taking support or offers of help
OUTCOMES = ("success", "partial", "failure", "inconclusive")


@dataclass(frozen=True)
class Move:
    """One kind of decision: from which statuses it may be taken, and where it leads."""

    allowed_from: tuple[str, ...]
    status_after: str | None  # None: the status does not change (a comment)
    needs_reason: bool = False
    author_only: bool = False
    author_too: bool = False  # the idea's author may make it as well as its deciders


# The one source for what may happen to an idea: the rules check it, the idea's post shows a button for
# each move a reviewer can make now (in this order), and the listeners are registered from it.
MOVES: dict[str, Move] = {
    "approve": Move(OPEN, "approved"),
    "needs_info": Move(("submitted", "in_review"), "needs_info", needs_reason=True),
    "start": Move(("approved",), "experiment_running", author_too=True),
    "complete": Move(("approved", "experiment_running"), "completed", needs_reason=True),
    "decline": Move((*OPEN, "approved"), "declined", needs_reason=True),
    "merge": Move((*OPEN, "approved"), "merged"),
    "withdraw": Move((*OPEN, "approved"), "withdrawn", author_only=True),
    "comment": Move(STATUSES, None, needs_reason=True),
}


def reviewer_moves(status: str) -> list[str]:
    """The moves a reviewer can make on an idea in `status`, in the order their buttons are shown."""
    return [name for name, move in MOVES.items() if status in move.allowed_from and not move.author_only]


def takes_support(status: str) -> bool:
    """Whether colleagues can still support an idea in `status`, or offer to help."""
    return status not in CLOSED


@dataclass(frozen=True)
class Deciders:
    """The innovation team, who may decide on any idea alongside its reviewers."""

    innovation_team: tuple[str, ...] = ()

    def of(self, idea: Idea) -> set[str]:
        return {*reviewer_ids(idea), *self.innovation_team}


def reviewer_ids(idea: Idea) -> list[str]:
    return id_list(idea.reviewers)


def can_decide(idea: Idea, user_id: str, deciders: Deciders) -> bool:
    return user_id in deciders.of(idea)


def check_may(idea: Idea, user_id: str, action: str, deciders: Deciders) -> None:
    """Raise `NotAllowed` unless `user_id` may take `action` on `idea` now."""
    move = MOVES[action]
    if move.author_only:
        if user_id != idea.author_id:
            raise NotAllowed(_("Only the idea's author can withdraw it."))
    elif (
        action != "comment"
        and not can_decide(idea, user_id, deciders)
        and not (move.author_too and user_id == idea.author_id)
    ):
        raise NotAllowed(_("Only this idea's reviewers and the innovation team can decide on it."))
    if idea.status not in move.allowed_from:
        if idea.status == move.status_after:
            raise NotAllowed(_("This idea is already {status}.", status=status_word(idea.status)))
        raise NotAllowed(_("This idea is {status}: it can't be moved that way now.", status=status_word(idea.status)))


def idea_for(
    session: Session, idea_id: int | None, user_id: str, action: str, deciders: Deciders, workspace_id: str
) -> Idea:
    """The idea a button is about, if `user_id` may take `action` on it now; else `NotAllowed`."""
    idea = queries.get_idea(session, idea_id) if idea_id else None
    if idea is None or idea.workspace_id != workspace_id:
        raise NotAllowed(_("That idea no longer exists."))
    check_may(idea, user_id, action, deciders)
    return idea


def editable_idea(session: Session, idea_id: int | None, user_id: str) -> Idea:
    """The author's own idea, while it can still be edited; else `NotAllowed`."""
    idea = queries.get_idea(session, idea_id) if idea_id else None
    if idea is None or idea.author_id != user_id or idea.status not in OPEN:
        raise NotAllowed(_("This idea can no longer be edited."))
    return idea


def registry_entry(session: Session, idea_id: int) -> PastProject | None:
    """The registry row a completed idea became."""
    return queries.project_by_external_id(session, f"idea-{idea_id}")


def decide(
    session: Session,
    idea_id: int,
    actor_id: str,
    action: str,
    now: datetime,
    deciders: Deciders,
    *,
    comment: str = "",
    outcome: str | None = None,
    target: str | None = None,
    workspace_id: str | None = None,
    seen_status: str | None = None,
    plan: ExperimentPlan | None = None,
    report: ExperimentReport | None = None,
) -> Decision:
    """Record a decision (or a comment from the Comment button) and owe its Slack messages.

    `seen_status` is the idea's status when the decider opened the form: if someone else moved the idea
    meanwhile, the decision is refused with what happened rather than laid over theirs unseen.
    Raises `NotAllowed` (wrong person, wrong moment, already done, changed meanwhile) or
    `InvalidSubmission` (missing reason).
    """
    move = MOVES.get(action)
    if move is None:
        raise NotAllowed(_("I don't know that button."))
    idea = _claimed_idea(session, idea_id, actor_id, action, deciders, workspace_id)
    if seen_status is not None and idea.status != seen_status and move.status_after is not None:
        raise NotAllowed(
            _(
                "While you were writing, this idea changed to “{status}”. Your decision was not recorded; "
                "close this form to see its post.",
                status=status_label(idea.status),
            )
        )
    errors: dict[str, str] = {}
    required = (
        _("Please write the lessons learned.")
        if action == "complete"
        else _("Please write a reason.")
        if action != "comment"
        else _("Please write a comment.")
    )
    text = checked_text(comment, "comment", TEXT_MAX, errors, required=required if move.needs_reason else None)
    if action == "complete" and outcome not in OUTCOMES:
        errors["outcome"] = _("Choose how the experiment ended.")
    if action == "merge" and not _mergeable(session, idea, target):
        errors["target"] = _("Choose the idea or project this one duplicates.")
    if action == "start":
        plan = checked_plan(plan, now.date(), errors)
    if action == "complete":
        report = checked_report(report, errors)
    if errors:
        raise InvalidSubmission(errors)
    if action == "start" and plan is not None:
        keep_plan(session, idea_id, plan, actor_id, now)
    if move.status_after is not None:
        idea.status = move.status_after
        idea.decided_by = actor_id
    if action == "complete":
        idea.outcome, idea.lessons_learned = outcome, text
        report = report or ExperimentReport()
        experiment = keep_report(session, idea_id, report)
        _add_to_registry(session, idea, now, registry_lessons(text, experiment, report))
    if action == "merge":
        idea.merged_into = target
    if actor_id in deciders.of(idea) and action != "withdraw":
        idea.first_feedback_at = idea.first_feedback_at or now
        idea.last_feedback_at = now
        idea.awaiting_since = None  # feedback given: no more reminders
    if idea.status not in ("submitted", "in_review"):
        idea.awaiting_since = None
    idea.updated_at = now
    decision = Decision(
        idea_id=idea_id, actor_id=actor_id, action=action, status_after=idea.status, comment=text, created_at=now
    )
    decision_id = queries.add_decision(session, decision)
    queries.owe(session, "decision_reply", decision_id, now, workspace_id=idea.workspace_id)
    queries.owe(session, "notify_decision", decision_id, now, workspace_id=idea.workspace_id)
    if action == "merge":  # its author and supporters hear where it went, each once
        assert idea.id is not None
        for person in dict.fromkeys([idea.author_id, *queries.supporters_of(session, idea.id)]):
            queries.owe(session, "notify_merge", decision_id, now, recipient=person, workspace_id=idea.workspace_id)
    owe_post_update(session, idea, now)
    return decision


def _claimed_idea(
    session: Session, idea_id: int, actor_id: str, action: str, deciders: Deciders, workspace_id: str | None
) -> Idea:
    """The idea, checked and claimed for this change, so that two clicks at once make one decision:
    the second sees the first's result ("already approved") instead of deciding again."""
    for _attempt in range(3):
        idea = queries.get_idea(session, idea_id, fresh=True)
        if idea is None or (workspace_id is not None and idea.workspace_id != workspace_id):
            raise NotAllowed(_("That idea no longer exists."))
        check_may(idea, actor_id, action, deciders)
        if queries.claim_idea(session, idea_id, idea.version):
            idea.version += 1  # what the claim wrote; the post update below bumps it once more
            return idea
    raise NotAllowed(_("Several people changed this idea at once; please look at its post and try again."))


def owe_post_update(session: Session, idea: Idea, now: datetime) -> None:
    """Mark a change the idea's post shows, and owe a `chat.update` of it (one per version)."""
    assert idea.id is not None
    idea.version += 1
    queries.owe(session, "update_post", idea.id, now, version=idea.version, workspace_id=idea.workspace_id)


def _existing_idea(session: Session, idea_id: int, workspace_id: str | None = None) -> Idea:
    idea = queries.get_idea(session, idea_id)
    if idea is None or (workspace_id is not None and idea.workspace_id != workspace_id):
        raise NotAllowed(_("That idea no longer exists."))
    return idea


def record_thread_reply(
    session: Session,
    *,
    channel_id: str,
    thread_ts: str,
    user_id: str,
    text: str,
    message_ts: str,
    now: datetime,
    deciders: Deciders,
) -> Comment | None:
    """Keep a reply written in an idea's thread; a reply by a decider counts as feedback.

    Returns None when the thread is not an idea's, or the message was already kept.
    """
    idea = queries.idea_by_message(session, channel_id, thread_ts)
    if idea is None or idea.id is None:
        return None
    feedback = user_id in deciders.of(idea)
    comment = Comment(
        idea_id=idea.id,
        author_id=user_id,
        text=text[: TEXT_MAX * 2],
        slack_ts=message_ts,
        is_feedback=feedback,
        created_at=now,
    )
    comment_id = queries.add_comment(session, comment)
    if comment_id is None:
        return None
    if feedback:
        idea.first_feedback_at = idea.first_feedback_at or now
        idea.last_feedback_at = now
        idea.awaiting_since = None
        if idea.status == "submitted":
            idea.status = "in_review"
            owe_post_update(session, idea, now)
    if user_id != idea.author_id:
        queries.owe(session, "notify_comment", comment_id, now, workspace_id=idea.workspace_id)
    return comment


def support(session: Session, idea_id: int, user_id: str, kind: str, now: datetime, workspace_id: str) -> bool:
    """Add one person's support (or offer to help); False if they already had; `NotAllowed` if there is
    no such idea in their workspace."""
    idea = _existing_idea(session, idea_id, workspace_id)
    if not takes_support(idea.status):
        raise NotAllowed(_("This idea is {status}: it no longer takes support.", status=status_word(idea.status)))
    support_id = queries.add_support(session, idea_id, user_id, kind, now)
    if support_id is None:
        return False
    if kind == "support":
        owe_post_update(session, idea, now)
    elif user_id != idea.author_id:
        queries.owe(session, "notify_help", support_id, now, workspace_id=idea.workspace_id)
    return True


def edit_idea(session: Session, idea_id: int, user_id: str, draft: IdeaDraft, now: datetime) -> Idea:
    """The author answers "Needs more info" by editing; the idea goes back to review."""
    idea = _existing_idea(session, idea_id)
    if idea.author_id != user_id:
        raise NotAllowed(_("Only the idea's author can edit it."))
    if idea.status not in OPEN:
        raise NotAllowed(_("This idea is {status}: it can no longer be edited.", status=status_word(idea.status)))
    errors: dict[str, str] = {}
    fields = idea_fields(draft, errors)
    if errors:
        raise InvalidSubmission(errors)
    idea.sqlmodel_update(fields)
    was_waiting = idea.status == "needs_info"
    idea.status = "in_review" if was_waiting else idea.status
    if was_waiting:  # the reviewers owe feedback again: the reminders start afresh
        idea.awaiting_since = now
        queries.clear_nudges(session, idea_id)
    idea.updated_at = now
    owe_post_update(session, idea, now)
    for reviewer in reviewer_ids(idea):
        queries.owe(
            session,
            "notify_edit",
            idea_id,
            now,
            version=idea.version,
            recipient=reviewer,
            workspace_id=idea.workspace_id,
        )
    return idea


def _mergeable(session: Session, idea: Idea, target: str | None) -> bool:
    """True when `target` ("idea:N" or "project:N") exists, is not the idea itself, and is in its workspace."""
    kind, _sep, number = (target or "").partition(":")
    if not number.isdigit() or target == f"idea:{idea.id}":
        return False
    if kind == "idea":
        other = queries.get_idea(session, int(number))
        return other is not None and other.workspace_id == idea.workspace_id
    return kind == "project" and queries.get_project(session, int(number)) is not None


def _add_to_registry(session: Session, idea: Idea, now: datetime, lessons: str | None) -> None:
    """A finished experiment joins the registry of past projects, failures included, with its lessons."""
    queries.upsert_project(
        session,
        {
            "external_id": f"idea-{idea.id}",
            "title": idea.title,
            "summary": f"{idea.problem}\n\n{idea.proposal}",
            "organisation": idea.department,
            "status": idea.outcome,
            "lessons_learned": lessons,
            "contact": None if idea.anonymous else idea.author_id,
            "source": "Innovation Bot",
        },
        now,
    )


def answer_naming(session: Session, idea_id: int, user_id: str, named: bool, now: datetime) -> Idea:
    """The author of the message an idea was made from says whether the idea may name them. Only they may
    answer; the post shows their name only after a yes. Raises `NotAllowed`."""
    idea = queries.get_idea(session, idea_id)
    if idea is None or idea.source_author_id != user_id:
        raise NotAllowed(_("Only the author of that message can answer this."))
    if idea.source_author_named != named:
        idea.source_author_named = named
        idea.updated_at = now
        owe_post_update(session, idea, now)
    return idea
