"""Experiments: an approved idea's plan."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from storage.models import Experiment, ExperimentCheckin, Idea


def get_experiment(session: Session, idea_id: int) -> Experiment | None:
    return session.get(Experiment, idea_id)


def save_experiment(session: Session, experiment: Experiment) -> None:
    """Keep an idea's plan (a new plan replaces the old one: an experiment restarted after a pause)."""
    session.merge(experiment)


def running_experiments(session: Session) -> Sequence[tuple[Experiment, Idea]]:
    """Every experiment whose idea is still "experiment running", with its idea."""
    query = select(Experiment, Idea).join(Idea, col(Idea.id) == col(Experiment.idea_id))
    return session.exec(query.where(Idea.status == "experiment_running").order_by(col(Experiment.idea_id))).all()


def add_checkin(session: Session, checkin: ExperimentCheckin) -> int:
    session.add(checkin)
    session.flush()
    assert checkin.id is not None
    return checkin.id


def get_checkin(session: Session, checkin_id: int) -> ExperimentCheckin | None:
    return session.get(ExperimentCheckin, checkin_id)
