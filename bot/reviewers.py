"""Administering who reviews the ideas of each team or department: a workspace's own (from Slack), and the
deployment's (from the terminal), which every workspace falls back on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.i18n import N_
from bot.text import clean, fold_key, is_user_id
from storage import queries
from storage.models import ReviewerMapping, id_list, joined_ids

EVERY_WORKSPACE = queries.EVERY_WORKSPACE


class InvalidReviewers(ValueError):
    """Reviewers given in a form the bot cannot read; `str()` is English (CLI); Slack shows `message`
    translated, with `values` (what the person typed) escaped."""

    def __init__(self, message: str, **values: str) -> None:
        super().__init__(message.format(**values))
        self.message, self.values = message, values


@dataclass(frozen=True)
class Mapping:
    team: str
    reviewers: tuple[str, ...]
    everywhere: bool = False  # the deployment's, not the workspace's own


def parse_user_ids(text: str) -> tuple[str, ...]:
    """User IDs from "U123,U456" or Slack mentions "<@U123> <@U456>"; raises ValueError on anything else."""
    ids = [part.strip("<@> ").split("|")[0] for part in re.split(r"[,\s]+", text) if part.strip()]
    bad = [item for item in ids if not is_user_id(item)]
    if bad or not ids:
        raise InvalidReviewers(
            N_("not a user ID: {value}; give IDs like U0123ABC, comma-separated"), value=bad[0] if bad else "—"
        )
    return tuple(dict.fromkeys(ids))


def team_label(team: str) -> str:
    """The team's name as it is kept (and shown); raises `InvalidReviewers` when nothing is left of it."""
    label = clean(team)[:100]
    if not label:
        raise InvalidReviewers(N_("give a team or department name"))
    return label


def set_reviewers(
    session: Session, team: str, reviewers: tuple[str, ...], now: datetime, workspace_id: str = EVERY_WORKSPACE
) -> Mapping:
    label = team_label(team)
    queries.save_reviewer_mapping(session, workspace_id, fold_key(label), label, joined_ids(reviewers), now)
    return Mapping(label, reviewers, workspace_id == EVERY_WORKSPACE)


def remove_reviewers(session: Session, team: str, workspace_id: str = EVERY_WORKSPACE) -> bool:
    return queries.delete_reviewer_mapping(session, workspace_id, fold_key(clean(team)))


def list_reviewers(session: Session, workspace_id: str = EVERY_WORKSPACE) -> list[Mapping]:
    """The workspace's own mappings, then the deployment's for the teams the workspace has not mapped."""
    own = [_mapping(row, False) for row in queries.reviewer_mappings(session, workspace_id)]
    if workspace_id == EVERY_WORKSPACE:
        return own
    mine = {fold_key(mapping.team) for mapping in own}
    shared = queries.reviewer_mappings(session, EVERY_WORKSPACE)
    return own + [_mapping(row, True) for row in shared if row.team not in mine]


def reviewers_of_team(session: Session, workspace_id: str, team: str) -> list[str] | None:
    """The reviewers the workspace set for a team, else the deployment's, else None."""
    for scope in (workspace_id, EVERY_WORKSPACE):
        mapping = queries.reviewer_mapping(session, scope, fold_key(team))
        if mapping is not None:
            return id_list(mapping.reviewers)
    return None


def _mapping(row: ReviewerMapping, everywhere: bool) -> Mapping:
    return Mapping(row.label, tuple(id_list(row.reviewers)), everywhere)


TEAM_REVIEWERS = "team_reviewers:"  # a setting change's name for one team's reviewers: this and the team's name


def update_team_reviewers(
    session: Session,
    workspace_id: str,
    user_id: str,
    chosen: dict[str, tuple[str, ...]],
    now: datetime,
) -> list[str]:
    """Keep the reviewers chosen per team (by the team's name; none: the team is no longer mapped) as the
    workspace's own, recording each change (who, what, when); returns the changes' names."""
    current = {row.team: row for row in queries.reviewer_mappings(session, workspace_id)}
    changed = []
    for team, reviewers in chosen.items():
        label = team_label(team)
        row = current.get(fold_key(label))
        before = tuple(id_list(row.reviewers)) if row is not None else ()
        if before == reviewers:
            continue
        if reviewers:
            set_reviewers(session, label, reviewers, now, workspace_id)
        else:
            remove_reviewers(session, label, workspace_id)
        name = TEAM_REVIEWERS + (row.label if row is not None else label)
        queries.add_setting_change(
            session, workspace_id, user_id, name, json.dumps(list(before)), json.dumps(list(reviewers)), now
        )
        changed.append(name)
    return changed
