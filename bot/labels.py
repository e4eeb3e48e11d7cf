"""The names people read for statuses and outcomes (ideas, challenges, experiments, the registry)."""

from __future__ import annotations

from bot.i18n import N_, _

STATUS_LABELS = {
    # ideas
    "submitted": N_("Submitted"),
    "in_review": N_("In review"),
    "needs_info": N_("Needs more info"),
    "approved": N_("Approved"),
    "experiment_running": N_("Experiment running"),
    "completed": N_("Completed"),
    "declined": N_("Declined"),
    "withdrawn": N_("Withdrawn"),
    "merged": N_("Merged"),
    # challenges
    "open": N_("Open"),
    "testing": N_("Solutions being tested"),
    "solved": N_("Solved"),
    "closed": N_("Closed"),
    # how an experiment ended (also a finished idea's status in the registry)
    "success": N_("Success"),
    "partial": N_("Partial"),
    "failure": N_("Failure"),
    "inconclusive": N_("Inconclusive"),
    # registry outcomes
    "idea": N_("Idea"),
    "pilot": N_("Pilot"),
    "implemented": N_("Implemented"),
    "stopped": N_("Stopped"),
    "failed": N_("Failed"),
}


def status_label(status: str) -> str:
    """A status or outcome as a heading word ("Approved"); unknown ones (registry data) as written."""
    label = STATUS_LABELS.get(status)
    return _(label) if label else status.replace("_", " ").capitalize()


def status_word(status: str) -> str:
    """The same inside a sentence ("this idea is already approved")."""
    return status_label(status).lower()
