"""Experiments that teach: the plan an approved idea's experiment starts with (what is tested, how we will
know, by when, by whom), checked field by field like every form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.i18n import _
from bot.submissions import TEXT_MAX, checked_text
from storage import queries
from storage.models import Experiment, joined_ids

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
