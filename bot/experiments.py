"""Experiments that teach: the plan an approved idea's experiment starts with (what is tested, how we will
know, by when, by whom), checked field by field like every form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.i18n import N_, _
from bot.refusals import InvalidSubmission, NotAllowed
from bot.submissions import TEXT_MAX, checked_text
from bot.worktime import WorkingTime
from storage import queries
from storage.models import Experiment, ExperimentCheckin, Idea, id_list, joined_ids

if TYPE_CHECKING:  # bot.reviews uses this module for the plan
    from bot.reviews import Deciders

SHORT_MAX = 300  # a measure, its baseline and target, a cost: one line each


@dataclass(frozen=True)
class ExperimentPlan:
    """The plan as typed into the Start experiment form (dates None when not picked)."""

    hypothesis: str = ""
    measure: str = ""
    baseline: str = ""
    target: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    team: tuple[str, ...] = ()
    cost: str = ""
    stop_when: str = ""


def checked_plan(plan: ExperimentPlan | None, today: date, errors: dict[str, str]) -> ExperimentPlan:
    """The plan cleaned, with what is missing or wrong recorded in `errors` (by the form's field)."""
    plan = plan or ExperimentPlan()
    cleaned = ExperimentPlan(
        hypothesis=checked_text(
            plan.hypothesis, "hypothesis", TEXT_MAX, errors, required=_("Please write what you expect, and why.")
        ),
        measure=checked_text(
            plan.measure, "measure", SHORT_MAX, errors, required=_("Please say what you will measure.")
        ),
        baseline=checked_text(plan.baseline, "baseline", SHORT_MAX, errors, required=None),
        target=checked_text(plan.target, "target", SHORT_MAX, errors, required=_("Please give the value you aim for.")),
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        team=tuple(dict.fromkeys(plan.team)),
        cost=checked_text(plan.cost, "cost", SHORT_MAX, errors, required=None),
        stop_when=checked_text(plan.stop_when, "stop_when", TEXT_MAX, errors, required=None),
    )
    if plan.starts_on is None:
        errors["starts_on"] = _("Please pick the day it starts.")
    if plan.ends_on is None:
        errors["ends_on"] = _("Please pick the day it ends.")
    elif plan.ends_on < today:
        errors["ends_on"] = _("The end date has passed; pick a later day.")
    elif plan.starts_on is not None and plan.ends_on <= plan.starts_on:
        errors["ends_on"] = _("It must end after it starts.")
    return cleaned


def keep_plan(session: Session, idea_id: int, plan: ExperimentPlan, planned_by: str, now: datetime) -> None:
    """Store a checked plan on its idea."""
    assert plan.starts_on is not None and plan.ends_on is not None
    queries.save_experiment(
        session,
        Experiment(
            idea_id=idea_id,
            hypothesis=plan.hypothesis,
            measure=plan.measure,
            baseline=plan.baseline or None,
            target=plan.target,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            team=joined_ids(plan.team),
            cost=plan.cost or None,
            stop_when=plan.stop_when or None,
            planned_by=planned_by,
            created_at=now,
        ),
    )


SCALE_LABELS = {"yes": N_("Yes, do it more widely"), "no": N_("No"), "unsure": N_("Not sure yet")}


@dataclass(frozen=True)
class ExperimentReport:
    """What the Complete experiment form adds to the outcome and lessons: the measure's final value, advice
    for the next team, and whether to scale it."""

    final_value: str = ""
    next_time: str = ""
    scale: str | None = None


def checked_report(report: ExperimentReport | None, errors: dict[str, str]) -> ExperimentReport:
    report = report or ExperimentReport()
    return ExperimentReport(
        final_value=checked_text(report.final_value, "final_value", SHORT_MAX, errors, required=None),
        next_time=checked_text(report.next_time, "next_time", TEXT_MAX, errors, required=None),
        scale=report.scale if report.scale in SCALE_LABELS else None,
    )


def keep_report(session: Session, idea_id: int, report: ExperimentReport) -> Experiment | None:
    """Add the report to the idea's experiment (None: it was started before plans were kept)."""
    experiment = queries.get_experiment(session, idea_id)
    if experiment is not None:
        experiment.final_value = report.final_value or None
        experiment.next_time = report.next_time or None
        experiment.scale = report.scale
    return experiment


def registry_lessons(lessons: str | None, experiment: Experiment | None, report: ExperimentReport) -> str | None:
    """The lessons the registry keeps: what was learned, then the measure against its target and the advice
    for the next team, so the duplicate finder's next reader sees what was tried and how it went (plain text:
    the registry is shown escaped wherever it appears)."""
    parts = [lessons or ""]
    if experiment is not None:
        reached = f"; reached {report.final_value}" if report.final_value else ""
        baseline = experiment.baseline or "?"
        parts.append(f"Measure: {experiment.measure}: {baseline} → {experiment.target}{reached}.")
    elif report.final_value:
        parts.append(f"Final value: {report.final_value}.")
    if report.next_time:
        parts.append(f"Next time: {report.next_time}")
    text = "\n".join(part for part in parts if part)
    return text or None


# how a check-in says it is going, and its words (one source for the form and the thread reply)
CHECKIN_LABELS = {"on_track": N_("On track"), "at_risk": N_("At risk"), "stopped": N_("Stopped early")}
CHECKIN_STATES = tuple(CHECKIN_LABELS)
NEAR_END = 3  # working days before the end: the second check-in
REPORT_GRACE = timedelta(days=2)  # an experiment this long past its end with no report is escalated


def checkin_days(experiment: Experiment, working: WorkingTime | None = None) -> list[tuple[int, date]]:
    """When the team is asked how it goes: (1) midway, (2) `NEAR_END` working days before the end (if that
    is later), counted on the workspace's working days and holidays."""
    midway = experiment.starts_on + (experiment.ends_on - experiment.starts_on) / 2
    days = [(1, midway)]
    near_end = (working or WorkingTime()).working_days_before(experiment.ends_on, NEAR_END)
    if near_end > midway:
        days.append((2, near_end))
    return days


def asked_of(experiment: Experiment) -> list[str]:
    """Who is asked: the experiment's team, else whoever started it."""
    return id_list(experiment.team) or [experiment.planned_by]


def owe_checkins(
    session: Session,
    today: date,
    now: datetime,
    escalate_to: Callable[[str], tuple[str, ...]] = lambda _workspace: (),
    working_of: Callable[[str], WorkingTime] = lambda _workspace: WorkingTime(),
) -> int:
    """Owe each running experiment's team the check-ins that have come (each person asked once each time),
    and, once an experiment is past its end with no report for `REPORT_GRACE`, an escalation to the
    workspace's escalation recipients (`escalate_to`, like a silent reviewer's; once). Returns how many
    were newly owed."""
    owed = 0
    for experiment, idea in queries.running_experiments(session):
        if today > experiment.ends_on + REPORT_GRACE:
            for target in escalate_to(idea.workspace_id):
                if not queries.status_of(session, f"experiment_overdue:{experiment.idea_id}:{target}"):
                    owed += 1
                    queries.owe(
                        session,
                        "experiment_overdue",
                        experiment.idea_id,
                        now,
                        recipient=target,
                        workspace_id=idea.workspace_id,
                    )
        due = [number for number, day in checkin_days(experiment, working_of(idea.workspace_id)) if day <= today]
        if not due or today > experiment.ends_on:  # not yet, or over: its report is what is owed now
            continue
        number = due[-1]  # only the latest: after an outage, one question, not two at once
        for person in asked_of(experiment):
            if queries.status_of(session, f"experiment_checkin:{experiment.idea_id}:{number}:{person}"):
                continue  # asked already
            owed += 1
            queries.owe(
                session,
                "experiment_checkin",
                experiment.idea_id,
                now,
                version=number,
                recipient=person,
                workspace_id=idea.workspace_id,
            )
    return owed


def checkin_subject(session: Session, idea_id: int | None, user_id: str, deciders: Deciders) -> tuple[Idea, Experiment]:
    """The idea and its running experiment, if `user_id` may say how it goes (its team, whoever started it,
    the idea's author, its deciders); else `NotAllowed`."""
    idea = queries.get_idea(session, idea_id) if idea_id else None
    experiment = queries.get_experiment(session, idea_id) if idea_id else None
    if experiment is None or idea is None:
        raise NotAllowed(_("Only the experiment's team, its author and its reviewers can check in."))
    if user_id not in {*asked_of(experiment), experiment.planned_by, idea.author_id, *deciders.of(idea)}:
        raise NotAllowed(_("Only the experiment's team, its author and its reviewers can check in."))
    if idea.status != "experiment_running":
        raise NotAllowed(_("This experiment is no longer running."))
    return idea, experiment


def check_in(
    session: Session,
    idea_id: int,
    user_id: str,
    state: str | None,
    value_so_far: str,
    learned: str,
    now: datetime,
    deciders: Deciders,
) -> int:
    """Keep a check-in and owe it as a reply in the idea's thread; returns its id. Raises `NotAllowed`
    (not theirs, no experiment running) or `InvalidSubmission` (no state chosen, too long)."""
    idea, _experiment = checkin_subject(session, idea_id, user_id, deciders)
    errors: dict[str, str] = {}
    if state not in CHECKIN_STATES:
        errors["state"] = _("Choose how it is going.")
    value = checked_text(value_so_far, "value_so_far", SHORT_MAX, errors, required=None)
    lesson = checked_text(learned, "learned", SHORT_MAX, errors, required=None)
    if errors:
        raise InvalidSubmission(errors)
    checkin = ExperimentCheckin(
        idea_id=idea_id,
        user_id=user_id,
        state=state or "",
        value_so_far=value or None,
        learned=lesson or None,
        created_at=now,
    )
    checkin_id = queries.add_checkin(session, checkin)
    queries.owe(session, "checkin_reply", checkin_id, now, workspace_id=idea.workspace_id)
    return checkin_id
