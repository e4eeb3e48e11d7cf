"""Administering who reviews the ideas of each team or department."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.i18n import N_
from bot.text import clean, fold_key, is_user_id
from storage import queries
from storage.models import id_list, joined_ids


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


def parse_user_ids(text: str) -> tuple[str, ...]:
    """User IDs from "U123,U456" or Slack mentions "<@U123> <@U456>"; raises ValueError on anything else."""
    ids = [part.strip("<@> ").split("|")[0] for part in re.split(r"[,\s]+", text) if part.strip()]
    bad = [item for item in ids if not is_user_id(item)]
    if bad or not ids:
        raise InvalidReviewers(
            N_("not a user ID: {value}; give IDs like U0123ABC, comma-separated"), value=bad[0] if bad else "—"
        )
    return tuple(dict.fromkeys(ids))


def set_reviewers(session: Session, team: str, reviewers: tuple[str, ...], now: datetime) -> Mapping:
    label = clean(team)[:100]
    if not label:
        raise InvalidReviewers(N_("give a team or department name"))
    queries.save_reviewer_mapping(session, fold_key(label), label, joined_ids(reviewers), now)
    return Mapping(label, reviewers)


def remove_reviewers(session: Session, team: str) -> bool:
    return queries.delete_reviewer_mapping(session, fold_key(clean(team)))


def list_reviewers(session: Session) -> list[Mapping]:
    return [Mapping(mapping.label, tuple(id_list(mapping.reviewers))) for mapping in queries.reviewer_mappings(session)]
