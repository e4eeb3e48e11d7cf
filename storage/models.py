"""SQLModel tables. Times are aware UTC datetimes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

TITLE_MAX = 150


class Challenge(SQLModel, table=True):
    """A problem statement published so that anyone can propose a solution."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    author_id: str = Field(max_length=32, index=True)
    title: str = Field(max_length=TITLE_MAX)
    problem: str = Field(sa_type=Text)
    desired_outcome: str = Field(sa_type=Text)
    deadline: date | None = None
    status: str = Field(default="open", max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    permalink: str | None = Field(default=None, max_length=500)
    similar_shown: str | None = Field(default=None, sa_type=Text)  # JSON: matches shown before submitting
    created_at: datetime
    updated_at: datetime


class Idea(SQLModel, table=True):
    """An idea for improving a public service; the author is kept even when anonymous."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    author_id: str = Field(max_length=32, index=True)
    anonymous: bool = False
    title: str = Field(max_length=TITLE_MAX)
    problem: str = Field(sa_type=Text)
    proposal: str = Field(sa_type=Text)
    department: str | None = Field(default=None, max_length=100)
    challenge_id: int | None = Field(default=None, foreign_key="challenge.id", index=True)
    status: str = Field(default="submitted", max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    permalink: str | None = Field(default=None, max_length=500)
    similar_shown: str | None = Field(default=None, sa_type=Text)  # JSON: matches shown before submitting
    created_at: datetime
    updated_at: datetime


class OutboxMessage(SQLModel, table=True):
    """A Slack message the bot owes someone: committed with the data, delivered (and retried) after."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    subject_id: int
    dedupe_key: str = Field(max_length=120)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime
    lease_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime
    sent_at: datetime | None = None


class PastProject(SQLModel, table=True):
    """A project from the registry of past work, with how it ended and whom to ask."""

    __tablename__ = "past_project"

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=100, unique=True)
    title: str = Field(max_length=300)
    summary: str = Field(default="", sa_type=Text)
    organisation: str | None = Field(default=None, max_length=1000)
    country: str | None = Field(default=None, max_length=300)
    sector: str | None = Field(default=None, max_length=300)
    status: str | None = Field(default=None, max_length=50)
    lessons_learned: str | None = Field(default=None, sa_type=Text)
    contact: str | None = Field(default=None, max_length=300)
    url: str | None = Field(default=None, max_length=1000)
    start_year: int | None = None
    language: str | None = Field(default=None, max_length=8)
    source: str | None = Field(default=None, max_length=200)
    created_at: datetime
    updated_at: datetime = Field(index=True)


class JoinRequest(SQLModel, table=True):
    """Someone chose to join existing work ("Join this instead") rather than start a duplicate."""

    __tablename__ = "join_request"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", "target", name="uq_join_once"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    target: str = Field(max_length=40)  # "project:12", "idea:3" or "challenge:5"
    created_at: datetime = Field(index=True)
