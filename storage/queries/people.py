"""What the bot keeps of a Slack user: time zone, locale, chosen language."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.models import (
    SlackUser,
)
from storage.queries.rows import row_once


def slack_user(session: Session, user_id: str) -> SlackUser | None:
    return session.get(SlackUser, user_id)


def save_slack_profile(
    session: Session, user_id: str, tz: str | None, locale: str | None, now: datetime, name: str | None = None
) -> SlackUser:
    row = slack_user_row(session, user_id)
    row.tz, row.locale, row.fetched_at, row.name = tz, locale, now, name
    return row


def names(session: Session) -> dict[str, str]:
    """User ID -> the name Slack gave the bot for that person, for terminal output (never for Slack text)."""
    return {row.user_id: row.name for row in session.exec(select(SlackUser).where(SlackUser.name.is_not(None)))}


def save_language_choice(session: Session, user_id: str, language: str | None, now: datetime) -> None:
    row = slack_user_row(session, user_id)
    row.language, row.language_chosen_at = language, now


def slack_user_row(session: Session, user_id: str) -> SlackUser:
    """The person's row, added if the bot has never stored anything about them."""
    return row_once(session, SlackUser, user_id, user_id=user_id)
