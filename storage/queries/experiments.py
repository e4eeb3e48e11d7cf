"""Experiments: an approved idea's plan."""

from __future__ import annotations

from sqlmodel import Session

from storage.models import Experiment


def get_experiment(session: Session, idea_id: int) -> Experiment | None:
    return session.get(Experiment, idea_id)


def save_experiment(session: Session, experiment: Experiment) -> None:
    """Keep an idea's plan (a new plan replaces the old one: an experiment restarted after a pause)."""
    session.merge(experiment)
