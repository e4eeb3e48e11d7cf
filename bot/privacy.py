"""A person's rights over what the bot keeps about them (GDPR articles 15 and 17): everything held about
them as one document, and erasure, which puts a stable tombstone where their Slack user ID was, so that
counts, decisions and the pipeline stay whole while nobody can tell who it was.

Every column that can hold a user ID is handled here and named in PRIVACY.md (a test checks both against
what a populated database holds).
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.challenges import owe_challenge_update
from bot.i18n import _
from bot.refusals import NotAllowed
from bot.reviews import OPEN, owe_post_update
from bot.text import is_user_id
from storage import queries
from storage.models import Challenge, Idea, id_list, joined_ids
from storage.queries import privacy as held

SCHEMA = "innovation-bot/personal-data"
SCHEMA_VERSION = 1
TOMBSTONE_PREFIX = "ERASED-"  # never a Slack user ID (those are U… or W…, letters and digits only)
REMOVED = "(removed at the author's request)"  # stored in place of erased free text, in every language


def is_erased(user_id: str | None) -> bool:
    """True for the tombstone that replaced an erased person's user ID."""
    return bool(user_id) and str(user_id).startswith(TOMBSTONE_PREFIX)


def new_tombstone() -> str:
    """A tombstone for one erasure: random, so it cannot be traced back to the user ID it replaced, and
    the same in every row of that erasure, so that one person still counts as one."""
    return TOMBSTONE_PREFIX + secrets.token_hex(6).upper()


def personal_data(session: Session, user_id: str, now: datetime, workspace_id: str | None = None) -> dict[str, Any]:
    """Everything the bot holds about one person, as one JSON-ready document (a subject-access request).
    Nothing about anyone else: other people's comments on their ideas, or who decided them, are left out."""
    ideas = held.ideas_naming(session, user_id, workspace_id)
    titles = {idea.id: idea.title for idea in ideas}
    profile = held.profile(session, user_id)

    def title_of(idea_id: int) -> str | None:
        if idea_id not in titles:
            idea = queries.get_idea(session, idea_id)
            titles[idea_id] = idea.title if idea is not None else None
        return titles[idea_id]

    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generated_at": now.isoformat(),
        "user_id": user_id,
        "workspace_id": workspace_id,
        "profile": None
        if profile is None
        else {
            "name": profile.name,
            "time_zone": profile.tz,
            "slack_locale": profile.locale,
            "language_chosen": profile.language,
            "language_chosen_at": _when(profile.language_chosen_at),
            "read_from_slack_at": _when(profile.fetched_at),
        },
        "ideas_written": [
            {
                "id": idea.id,
                "title": idea.title,
                "problem": idea.problem,
                "idea": idea.proposal,
                "team": idea.department,
                "anonymous": idea.anonymous,
                "status": idea.status,
                "link": idea.permalink,
                "submitted_at": _when(idea.created_at),
            }
            for idea in ideas
            if idea.author_id == user_id
        ],
        "challenges_written": [
            {
                "id": challenge.id,
                "title": challenge.title,
                "problem": challenge.problem,
                "desired_outcome": challenge.desired_outcome,
                "status": challenge.status,
                "link": challenge.permalink,
                "submitted_at": _when(challenge.created_at),
            }
            for challenge in held.challenges_by(session, user_id, workspace_id)
        ],
        "comments_and_thread_replies": [
            {
                "idea_id": c.idea_id,
                "idea_title": title_of(c.idea_id),
                "text": c.text,
                "kind": "thread reply" if c.slack_ts else "comment",
                "at": _when(c.created_at),
            }
            for c in held.comments_by(session, user_id, workspace_id)
        ],
        "decisions_made": [
            {
                "idea_id": d.idea_id,
                "idea_title": title_of(d.idea_id),
                "decision": d.action,
                "reason": d.comment,
                "at": _when(d.created_at),
            }
            for d in held.decisions_by(session, user_id, workspace_id)
        ],
        "supports_and_offers_of_help": [
            {"idea_id": s.idea_id, "idea_title": title_of(s.idea_id), "kind": s.kind, "at": _when(s.created_at)}
            for s in held.supports_by(session, user_id, workspace_id)
        ],
        "joined_existing_work": [
            {"work": j.target, "at": _when(j.created_at)} for j in held.joins_by(session, user_id, workspace_id)
        ],
        "ideas_to_review": [
            {"idea_id": idea.id, "title": idea.title, "status": idea.status}
            for idea in ideas
            if user_id in id_list(idea.reviewers)
        ],
        "reminders_received": [
            {"idea_id": n.idea_id, "idea_title": title_of(n.idea_id), "number": n.number, "at": _when(n.created_at)}
            for n in held.reminders_to(session, user_id, workspace_id)
        ],
        "reminders_snoozed": [
            {"idea_id": s.idea_id, "until": _when(s.until)} for s in held.snoozes_by(session, user_id, workspace_id)
        ],
        "reviewer_for_teams": [
            m.label for m in held.mappings_naming(session, user_id) if user_id in id_list(m.reviewers)
        ],
        "rule_waivers": [
            {"id": w.id, "rule": w.rule, "status": w.status, "asked_at": _when(w.created_at)}
            for w in held.waivers_naming(session, user_id)
            if user_id in (w.requested_by, w.decided_by) or user_id in id_list(w.team)
        ],
        "waiver_steps_taken": [
            {"waiver_id": d.waiver_id, "action": d.action, "words": d.comment, "at": _when(d.created_at)}
            for d in held.waiver_steps_by(session, user_id)
        ],
        "registry_entries_naming_them_as_contact": [
            {"id": p.external_id, "title": p.title} for p in held.projects_with_contact(session, user_id)
        ],
        "messages_to_them": Counter(entry.status for entry in held.messages_to(session, user_id)),
    }


@dataclass
class Erasure:
    """What an erasure changed, by kind, and what it left for people to look at."""

    tombstone: str
    changed: Counter[str] = field(default_factory=Counter)
    ideas_without_reviewer: list[int] = field(default_factory=list)  # open ideas the person alone reviewed
    posts_to_update: int = 0

    @property
    def anything(self) -> bool:
        return bool(+self.changed)


def erase(
    session: Session, user_id: str, now: datetime, *, workspace_id: str | None = None, content: bool = False
) -> Erasure:
    """Remove a person's identity from every row that holds it, the same tombstone in its place; with
    `content`, their free text too (ideas and challenges closed, comments and reasons replaced). Posts that
    showed them are owed an update. Running it again finds nothing and changes nothing."""
    report = Erasure(new_tombstone())
    tomb, changed = report.tombstone, report.changed
    touched_ideas: dict[int, Idea] = {}
    removed_texts: list[str] = []  # matcher keys whose kept sentence vectors came from their words
    for idea in held.ideas_naming(session, user_id, workspace_id):
        touched = False
        if idea.author_id == user_id:
            idea.author_id, touched = tomb, True
            changed["ideas written"] += 1
            if content:
                _remove_idea_text(idea, tomb)
                removed_texts.append(f"idea:{idea.id}")
        if idea.decided_by == user_id:
            idea.decided_by, touched = tomb, True
            changed["ideas decided"] += 1
        reviewers = id_list(idea.reviewers)
        if user_id in reviewers:  # a tombstone reviewer would be reminded forever: they leave the list
            idea.reviewers, touched = joined_ids([r for r in reviewers if r != user_id]), True
            changed["reviewer lists"] += 1
            if not idea.reviewers and idea.status in OPEN:
                report.ideas_without_reviewer.append(idea.id or 0)
        if touched:
            idea.updated_at = now  # other processes' matchers pick the change up by this
            touched_ideas[idea.id or 0] = idea
    for challenge in held.challenges_by(session, user_id, workspace_id):
        challenge.author_id = tomb
        if content:
            _remove_challenge_text(challenge)
            removed_texts.append(f"challenge:{challenge.id}")
        challenge.updated_at = now
        changed["challenges written"] += 1
        if challenge.message_ts:
            owe_challenge_update(session, challenge, now)
            report.posts_to_update += 1
    for decision in held.decisions_by(session, user_id, workspace_id):
        decision.actor_id = tomb
        if content and decision.comment:
            decision.comment = REMOVED
        changed["decisions made"] += 1
    for comment in held.comments_by(session, user_id, workspace_id):
        comment.author_id = tomb
        if content:
            comment.text = REMOVED
        changed["comments and thread replies"] += 1
    for support in held.supports_by(session, user_id, workspace_id):
        support.user_id = tomb
        changed["supports and offers of help"] += 1
    for join in held.joins_by(session, user_id, workspace_id):
        join.user_id = tomb
        changed["joins"] += 1
    for nudge in held.reminders_to(session, user_id, workspace_id):
        nudge.reviewer_id = tomb
        changed["reminders received"] += 1
    for snooze in held.snoozes_by(session, user_id, workspace_id):
        session.delete(snooze)
        changed["snoozes"] += 1
    for mapping in held.mappings_naming(session, user_id):
        kept = [r for r in id_list(mapping.reviewers) if r != user_id]
        if len(kept) != len(id_list(mapping.reviewers)):
            changed["team reviewer mappings"] += 1
            if kept:
                mapping.reviewers, mapping.updated_at = joined_ids(kept), now
            else:
                session.delete(mapping)
    for experiment in held.experiments_naming(session, user_id):
        team = id_list(experiment.team)
        if experiment.planned_by == user_id or user_id in team:
            changed["experiments"] += 1
            experiment.team = joined_ids([person for person in team if person != user_id])
            if experiment.planned_by == user_id:
                experiment.planned_by = tomb
            shown_on = queries.get_idea(session, experiment.idea_id)  # its post names the team
            if shown_on is not None and shown_on.id is not None:
                touched_ideas[shown_on.id] = shown_on
    for waiver in held.waivers_naming(session, user_id):
        team = id_list(waiver.team)
        if user_id in (waiver.requested_by, waiver.decided_by) or user_id in team:
            changed["rule waivers"] += 1
            waiver.team = joined_ids([tomb if person == user_id else person for person in team])
            waiver.requested_by = tomb if waiver.requested_by == user_id else waiver.requested_by
            waiver.decided_by = tomb if waiver.decided_by == user_id else waiver.decided_by
    for step in held.waiver_steps_by(session, user_id):
        step.actor_id = tomb
        if content and step.action in ("answer", "ask", "refuse"):  # their own words; a grant's conditions bind
            step.comment = REMOVED if step.comment else ""
        changed["waiver steps"] += 1
    for checkin in held.checkins_by(session, user_id):
        checkin.user_id = tomb
        if content:
            checkin.value_so_far = REMOVED if checkin.value_so_far else None
            checkin.learned = REMOVED if checkin.learned else None
        changed["check-ins"] += 1
    for entry in held.messages_to(session, user_id):
        if entry.status == "pending":  # owed to someone who is no longer there: never sent
            entry.status, entry.last_error = "failed", "recipient erased"
        entry.recipient = tomb
        entry.dedupe_key = entry.dedupe_key.replace(user_id, tomb)  # the key names its recipient too
        changed["messages addressed to them"] += 1
    for project in held.projects_with_contact(session, user_id):
        project.contact, project.updated_at = None, now
        changed["registry contacts"] += 1
    profile = held.profile(session, user_id)  # read again from Slack if they use the bot again
    if profile is not None:
        session.delete(profile)
        changed["cached profile and language choice"] += 1
    for vector in held.vectors_of(session, removed_texts):
        session.delete(vector)
    for idea in touched_ideas.values():
        if idea.message_ts:
            owe_post_update(session, idea, now)
            report.posts_to_update += 1
    session.flush()
    return report


def _remove_idea_text(idea: Idea, tomb: str) -> None:
    """An erased author's idea keeps its place in the pipeline and the figures, not their words."""
    idea.title, idea.problem, idea.proposal, idea.department = REMOVED, REMOVED, REMOVED, None
    if idea.status in OPEN or idea.status == "approved":
        idea.status, idea.decided_by, idea.awaiting_since = "withdrawn", tomb, None


def _remove_challenge_text(challenge: Challenge) -> None:
    challenge.title, challenge.problem, challenge.desired_outcome = REMOVED, REMOVED, REMOVED
    if challenge.status in ("open", "testing"):
        challenge.status = "closed"


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def note_account(session: Session, user_id: str, now: datetime, *, deactivated: bool) -> None:
    """Slack's word that an account was deactivated (its retention countdown starts now) or is back."""
    held.mark_deactivated(session, user_id, now if deactivated else None)


CLOSED_FOR_GOOD = ("declined", "withdrawn", "merged", "completed")  # nothing more will be decided on these


def apply_retention(
    session: Session, now: datetime, retention_days: int | None, keep_anonymous_author: bool
) -> Counter[str]:
    """What the retention policy (PRIVACY.md) owes now: an anonymous author's ID dropped once their idea is
    closed (unless kept on purpose); with `retention_days`, the people named on an idea closed that long ago
    pseudonymised (its content stays, for the registry), delivered outbox entries of that age forgotten, and
    an account Slack deactivated that long ago erased. Idempotent: what is done is not found again."""
    done: Counter[str] = Counter()
    limit = now - timedelta(days=retention_days) if retention_days else None
    for idea in held.closed_ideas(session, CLOSED_FOR_GOOD):
        if idea.anonymous and not keep_anonymous_author and is_user_id(idea.author_id):
            idea.author_id = new_tombstone()
            done["anonymous authors dropped"] += 1
        if limit is not None and idea.updated_at <= limit and _pseudonymise(session, idea):
            done["closed ideas pseudonymised"] += 1
            if idea.message_ts:  # its post named them: it shows "a former colleague" instead
                owe_post_update(session, idea, now)
    if limit is not None:
        done["delivered messages forgotten"] += held.delete_sent_messages_before(session, limit)
        for profile in held.deactivated_before(session, limit):
            erase(session, profile.user_id, now)
            done["deactivated accounts erased"] += 1
    session.flush()
    return +done


def _pseudonymise(session: Session, idea: Idea) -> bool:
    """Put a tombstone in place of every person named on one idea (one per person, so counts hold);
    False when nobody was left to pseudonymise."""
    tombs: dict[str, str] = {}  # user ID -> its tombstone on this idea

    def tomb(user_id: str) -> str:
        if not is_user_id(user_id):
            return user_id
        return tombs.setdefault(user_id, new_tombstone())

    assert idea.id is not None
    author = idea.author_id
    idea.author_id = tomb(author)
    idea.decided_by = tomb(idea.decided_by) if idea.decided_by else None
    had_reviewers = bool(idea.reviewers)
    idea.reviewers = ""  # a closed idea needs no reviewers: they leave rather than become tombstones
    for decision in held.decisions_on(session, idea.id):
        decision.actor_id = tomb(decision.actor_id)
    for comment in held.comments_on(session, idea.id):
        comment.author_id = tomb(comment.author_id)
    for support in held.supports_on(session, idea.id):
        support.user_id = tomb(support.user_id)
    for nudge in held.reminders_on(session, idea.id):
        nudge.reviewer_id = tomb(nudge.reviewer_id)
    for snooze in held.snoozes_on(session, idea.id):
        session.delete(snooze)
    for project in held.projects_with_contact(session, author):
        project.contact = None
    return bool(tombs) or had_reviewers


def open_reviews(session: Session, user_id: str) -> list[Idea]:
    """Open ideas waiting for this person's decision: erasing them would leave these without them."""
    return [
        idea
        for idea in held.ideas_naming(session, user_id, None)
        if user_id in id_list(idea.reviewers) and idea.status in OPEN
    ]


def request_erasure(session: Session, user_id: str, now: datetime) -> tuple[Erasure | None, int]:
    """A person's own erasure, asked in Slack: done at once, or, while they review open ideas, kept as a
    request for the innovation team to approve (so no idea loses its reviewer unnoticed). Returns the
    erasure (None when it waits) and how many open ideas they review."""
    waiting = len(open_reviews(session, user_id))
    if waiting:
        held.mark_erasure_requested(session, user_id, now)
        return None, waiting
    return erase(session, user_id, now), 0


def approve_erasure(
    session: Session, user_id: str, approver: str, now: datetime, innovation_team: Sequence[str]
) -> Erasure:
    """The innovation team approves a waiting erasure request. Raises `NotAllowed`."""
    if approver not in innovation_team:
        raise NotAllowed(_("Only the innovation team can approve an erasure."))
    profile = held.profile(session, user_id)
    if profile is None or profile.erasure_requested_at is None:
        raise NotAllowed(_("There is no erasure request from this person (it may be done already)."))
    return erase(session, user_id, now)


def erasure_requests(session: Session) -> list[tuple[str, int]]:
    """Waiting erasure requests, oldest first, each with how many open ideas the person reviews."""
    return [(row.user_id, len(open_reviews(session, row.user_id))) for row in held.erasure_requests(session)]
