"""The Right to Challenge: a team asks for a rule, procedure or regulation to be set aside for a test. The
rule's owners grant it (with conditions and an end date), refuse it (a reason is required) or ask for more;
a granted waiver is recalled before it ends and, when it ends, its owner makes the change permanent,
extends the waiver or restores the rule. Every step is kept as a `WaiverDecision` (the audit trail) and
told through the outbox, committed with the data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.i18n import N_, _
from bot.refusals import InvalidSubmission, NotAllowed
from bot.submissions import TEXT_MAX, checked_text
from storage import queries
from storage.models import Waiver, WaiverDecision, id_list, joined_ids

RULE_MAX = 300
REMIND_BEFORE = timedelta(days=7)  # a granted waiver's team and owner are reminded this long before it ends

STATUS_LABELS = {
    "requested": N_("Waiting for the rule's owners"),
    "more_info": N_("More information asked"),
    "granted": N_("Granted"),
    "refused": N_("Refused"),
    "permanent": N_("Made permanent"),
    "restored": N_("Rule restored"),
}
OPEN = ("requested", "more_info")  # a rule owner still has to answer
# what a rule owner may do, from which status, and the status it leaves
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "grant": (("requested", "more_info"), "granted"),
    "refuse": (("requested", "more_info"), "refused"),
    "ask": (("requested",), "more_info"),
    "extend": (("granted",), "granted"),
    "permanent": (("granted",), "permanent"),
    "restore": (("granted",), "restored"),
}


@dataclass(frozen=True)
class WaiverRequest:
    """The request as typed into the /challenge-rule form."""

    rule: str = ""
    why: str = ""
    days: str = ""
    safeguards: str = ""
    idea_id: int | None = None
    team: tuple[str, ...] = ()


def rule_owners(configured: tuple[str, ...], innovation_team: tuple[str, ...]) -> tuple[str, ...]:
    """Who decides on waivers: `RULE_OWNERS`, else the workspace's innovation team."""
    return configured or innovation_team


def request_waiver(
    session: Session,
    request: WaiverRequest,
    user_id: str,
    workspace_id: str | None,
    owners: tuple[str, ...],
    max_days: int,
    now: datetime,
) -> int:
    """Keep a checked request and owe it to every rule owner (and a receipt to whoever asked); returns its id.
    Raises `InvalidSubmission` naming each field to fix, or `NotAllowed` when nobody could decide on it."""
    errors: dict[str, str] = {}
    rule = checked_text(request.rule, "rule", RULE_MAX, errors, required=_("Please name the rule to set aside."))
    why = checked_text(request.why, "why", TEXT_MAX, errors, required=_("Please say how the rule blocks the test."))
    safeguards = checked_text(
        request.safeguards, "safeguards", TEXT_MAX, errors, required=_("Please say what protects people meanwhile.")
    )
    days = request.days.strip()
    if not days.isdigit() or not 1 <= int(days) <= max_days:
        errors["days"] = _("Give a number of days from 1 to {most}.", most=max_days)
    idea = queries.get_idea(session, request.idea_id) if request.idea_id else None
    if request.idea_id and (idea is None or idea.workspace_id != workspace_id):
        errors["idea"] = _("That idea is not one of this workspace's.")
    if errors:
        raise InvalidSubmission(errors)
    if not owners:
        raise NotAllowed(_("Nobody can decide on rule waivers yet: ask an administrator to set RULE_OWNERS."))
    waiver = Waiver(
        workspace_id=workspace_id,
        requested_by=user_id,
        team=joined_ids(dict.fromkeys(request.team or (user_id,))),
        rule=rule,
        why=why,
        days=int(days),
        safeguards=safeguards,
        idea_id=request.idea_id,
        created_at=now,
    )
    waiver_id = queries.add_waiver(session, waiver)
    step = _record(session, waiver, user_id, "request", "requested", "", now)
    for owner in owners:
        queries.owe(session, "waiver_request", step, now, recipient=owner, workspace_id=workspace_id)
    queries.owe(session, "waiver_received", step, now, recipient=user_id, workspace_id=workspace_id)
    return waiver_id


def decidable(session: Session, waiver_id: int | None, user_id: str, owners: tuple[str, ...], move: str) -> Waiver:
    """The waiver, if `user_id` may make `move` on it now; else `NotAllowed` saying why."""
    waiver = queries.get_waiver(session, waiver_id) if waiver_id else None
    if waiver is None or move not in MOVES:
        raise NotAllowed(_("This request no longer exists."))
    if user_id not in owners:
        raise NotAllowed(_("Only the rule's owners can decide on a waiver."))
    allowed_from, _after = MOVES[move]
    if waiver.status not in allowed_from:
        raise NotAllowed(
            _("This waiver is already “{status}”; nothing to do.", status=_(STATUS_LABELS.get(waiver.status, "")))
        )
    return waiver


def decide(
    session: Session,
    waiver_id: int | None,
    user_id: str,
    owners: tuple[str, ...],
    move: str,
    comment: str,
    ends_on: date | None,
    today: date,
    max_days: int,
    now: datetime,
) -> int:
    """A rule owner's move, checked (a refusal and a question need words; a grant or an extension an end date
    within `max_days`), kept in the audit trail and told to the team; returns the step's id."""
    waiver = decidable(session, waiver_id, user_id, owners, move)
    errors: dict[str, str] = {}
    required = {
        "refuse": _("Please give the reason: the team needs it to try another way."),
        "ask": _("Please say what you need to know."),
    }.get(move)
    text = checked_text(comment, "comment", TEXT_MAX, errors, required=required)
    if move in ("grant", "extend"):
        if ends_on is None:
            errors["ends_on"] = _("Please pick the waiver's last day.")
        elif ends_on <= today:
            errors["ends_on"] = _("Pick a day after today.")
        elif ends_on > today + timedelta(days=max_days):
            errors["ends_on"] = _("A waiver lasts at most {most} days: pick an earlier day.", most=max_days)
    if errors:
        raise InvalidSubmission(errors)
    status = MOVES[move][1]
    waiver.status = status
    if move in ("grant", "refuse"):
        waiver.decided_by = user_id
    if move in ("grant", "extend"):
        waiver.ends_on = ends_on
        waiver.conditions = text or waiver.conditions
    step = _record(session, waiver, user_id, move, status, text, now, ends_on if move in ("grant", "extend") else None)
    for person in {*team_of(waiver), waiver.requested_by} - {user_id}:
        queries.owe(session, "waiver_decided", step, now, recipient=person, workspace_id=waiver.workspace_id)
    return step


def answer(session: Session, waiver_id: int | None, user_id: str, text: str, now: datetime) -> int:
    """The team answers a rule owner's question: the request waits on the owners again, and the one who
    asked is told. Returns the step's id."""
    waiver, _question = answerable(session, waiver_id, user_id)
    errors: dict[str, str] = {}
    words = checked_text(text, "comment", TEXT_MAX, errors, required=_("Please write your answer."))
    if errors:
        raise InvalidSubmission(errors)
    waiver.status = "requested"
    step = _record(session, waiver, user_id, "answer", "requested", words, now)
    asked = queries.last_waiver_step(session, waiver.id or 0, "ask")
    for owner in [asked.actor_id] if asked else []:
        queries.owe(session, "waiver_request", step, now, recipient=owner, workspace_id=waiver.workspace_id)
    return step


def answerable(session: Session, waiver_id: int | None, user_id: str) -> tuple[Waiver, str]:
    """The waiver and the question its owner asked, if `user_id` (its team) may answer now; else `NotAllowed`."""
    waiver = queries.get_waiver(session, waiver_id) if waiver_id else None
    if waiver is None or user_id not in {*team_of(waiver), waiver.requested_by}:
        raise NotAllowed(_("Only the team that asked for this waiver can answer."))
    if waiver.status != "more_info":
        raise NotAllowed(_("Nobody is waiting for an answer on this request."))
    asked = queries.last_waiver_step(session, waiver.id or 0, "ask")
    return waiver, asked.comment if asked else ""


def owe_reminders(session: Session, today: date, now: datetime) -> int:
    """For each granted waiver: a reminder to its team and owner `REMIND_BEFORE` its end, and on its last day
    the question to its owner (permanent, extend or restore), each once per end date. Returns how many owed."""
    owed = 0
    for waiver in queries.waivers_with_status(session, "granted"):
        if waiver.ends_on is None or waiver.id is None:
            continue
        if today >= waiver.ends_on:
            kind, people = "waiver_expired", [waiver.decided_by or "", *team_of(waiver)]
        elif today >= waiver.ends_on - REMIND_BEFORE:
            kind, people = "waiver_expiring", [*team_of(waiver), waiver.decided_by or ""]
        else:
            continue
        version = waiver.ends_on.toordinal()  # an extended waiver is recalled again before its new end
        for person in dict.fromkeys(person for person in people if person):
            if not queries.status_of(session, f"{kind}:{waiver.id}:{version}:{person}"):
                owed += 1
                queries.owe(
                    session, kind, waiver.id, now, version=version, recipient=person, workspace_id=waiver.workspace_id
                )
    return owed


def team_of(waiver: Waiver) -> list[str]:
    return id_list(waiver.team) or [waiver.requested_by]


def _record(
    session: Session,
    waiver: Waiver,
    actor: str,
    action: str,
    status: str,
    comment: str,
    now: datetime,
    ends_on: date | None = None,
) -> int:
    assert waiver.id is not None
    return queries.add_waiver_decision(
        session,
        WaiverDecision(
            waiver_id=waiver.id,
            actor_id=actor,
            action=action,
            status_after=status,
            comment=comment,
            ends_on=ends_on,
            created_at=now,
        ),
    )
