"""SQLModel tables. Times are aware UTC datetimes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

TITLE_MAX = 150


def id_list(joined: str) -> list[str]:
    """User IDs as a list, from a column that stores them comma-separated (`Idea.reviewers`, ...)."""
    return [user for user in joined.split(",") if user]


def joined_ids(ids: Iterable[str]) -> str:
    """User IDs as one comma-separated column value: what `id_list` reads back."""
    return ",".join(ids)


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
    similar_posted: str | None = Field(default=None, sa_type=Text)  # JSON: the similar work its post shows
    version: int = 0  # bumped on every change the channel post shows
    confirmed_in: str | None = Field(default=None, max_length=32)  # the author's DM with the confirmation
    confirmed_ts: str | None = Field(default=None, max_length=32)
    confirmed_linked: bool | None = None  # the confirmation links to the post (False: sent before it, in a rush)
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
    similar_posted: str | None = Field(default=None, sa_type=Text)  # JSON: the similar work its post shows
    reviewers: str = Field(default="", max_length=1000)  # comma-separated user IDs, fixed at submission
    decided_by: str | None = Field(default=None, max_length=32)
    outcome: str | None = Field(default=None, max_length=32)
    lessons_learned: str | None = Field(default=None, sa_type=Text)
    merged_into: str | None = Field(default=None, max_length=40)
    source_link: str | None = Field(default=None, max_length=500)  # the message it was made from
    source_author_id: str | None = Field(default=None, max_length=32)  # that message's author, if not the author
    source_author_named: bool | None = None  # their answer: None asked, True named on the post, False not
    first_feedback_at: datetime | None = None
    last_feedback_at: datetime | None = None
    awaiting_since: datetime | None = None  # reviewers owe feedback since then (None: not waiting on them)
    version: int = 0  # bumped on every change the channel post shows
    confirmed_in: str | None = Field(default=None, max_length=32)  # the author's DM with the confirmation
    confirmed_ts: str | None = Field(default=None, max_length=32)
    confirmed_linked: bool | None = None  # the confirmation links to the post (False: sent before it, in a rush)
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
    recipient: str | None = Field(default=None, max_length=32)  # for notices sent to several people
    workspace_id: str | None = Field(default=None, max_length=32)  # whose token sends it (None: the one workspace)
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


class Decision(SQLModel, table=True):
    """Who moved an idea along, how, when, and why (every decision and comment button is kept)."""

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    actor_id: str = Field(max_length=32)
    action: str = Field(max_length=32)
    status_after: str = Field(max_length=32)
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime


class Comment(SQLModel, table=True):
    """A reply in an idea's thread (or a comment from the Comment button)."""

    __table_args__ = (UniqueConstraint("idea_id", "slack_ts", name="uq_comment_message"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    author_id: str = Field(max_length=32)
    text: str = Field(sa_type=Text)
    slack_ts: str | None = Field(default=None, max_length=32)
    is_feedback: bool = False  # written by one of the idea's deciders
    created_at: datetime


class Support(SQLModel, table=True):
    """One person's support for an idea ("Support"), or offer to help ("I'd like to help")."""

    __table_args__ = (UniqueConstraint("idea_id", "user_id", "kind", name="uq_support_once"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    user_id: str = Field(max_length=32)
    kind: str = Field(default="support", max_length=16)  # support | help
    created_at: datetime


class Experiment(SQLModel, table=True):
    """An approved idea's experiment plan: what is tested, how we will know, by when, and by whom."""

    __tablename__ = "experiment"

    idea_id: int = Field(primary_key=True, foreign_key="idea.id")
    hypothesis: str = Field(sa_type=Text)  # "If we …, then … because …"
    measure: str = Field(max_length=300)
    baseline: str | None = Field(default=None, max_length=300)
    target: str = Field(max_length=300)
    starts_on: date
    ends_on: date
    team: str = Field(default="", max_length=1000)  # comma-separated user IDs
    cost: str | None = Field(default=None, max_length=300)
    stop_when: str | None = Field(default=None, sa_type=Text)  # what would make us stop early
    planned_by: str = Field(max_length=32)
    created_at: datetime
    final_value: str | None = Field(default=None, max_length=300)  # the report: the measure at the end
    next_time: str | None = Field(default=None, sa_type=Text)  # what the next team should do differently
    scale: str | None = Field(default=None, max_length=16)  # yes, no, unsure: whether to do it more widely


class ExperimentCheckin(SQLModel, table=True):
    """How an experiment is going, as one of its team said when asked (midway, and near its end)."""

    __tablename__ = "experiment_checkin"

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    user_id: str = Field(max_length=32)
    state: str = Field(max_length=16)  # on_track, at_risk, stopped
    value_so_far: str | None = Field(default=None, max_length=300)
    learned: str | None = Field(default=None, max_length=300)
    created_at: datetime


class ReviewerMapping(SQLModel, table=True):
    """The reviewers of ideas from one team or department, in one workspace or ("") in every workspace."""

    __tablename__ = "reviewer_mapping"

    workspace_id: str = Field(primary_key=True, max_length=32)  # "": the deployment's, set from the terminal
    team: str = Field(primary_key=True, max_length=100)  # folded team name
    label: str = Field(max_length=100)  # as the administrator wrote it
    reviewers: str = Field(max_length=1000)  # comma-separated user IDs
    updated_at: datetime


class NudgeSent(SQLModel, table=True):
    """A reminder owed to (and then sent to) one reviewer about one idea; unique, so sent once."""

    __tablename__ = "nudge_sent"
    __table_args__ = (UniqueConstraint("idea_id", "reviewer_id", "number", name="uq_nudge_once"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    reviewer_id: str = Field(max_length=32)
    number: int  # 1, 2, ... NUDGE_MAX; NUDGE_MAX + 1 is the escalation
    created_at: datetime


class Snooze(SQLModel, table=True):
    """A reviewer asked not to be reminded about an idea until a time."""

    __table_args__ = (UniqueConstraint("idea_id", "reviewer_id", name="uq_snooze"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    reviewer_id: str = Field(max_length=32)
    until: datetime


class SlackUser(SQLModel, table=True):
    """What Slack says about a person that the bot needs (time zone, locale), and the language they chose."""

    __tablename__ = "slack_user"

    user_id: str = Field(primary_key=True, max_length=32)
    name: str | None = Field(default=None, max_length=120)  # display name, for terminal output
    tz: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=16)  # Slack's, like pt-BR
    fetched_at: datetime | None = None  # None: never read from Slack
    language: str | None = Field(default=None, max_length=8)  # chosen with /ideas language
    language_chosen_at: datetime | None = None
    deactivated_at: datetime | None = None  # Slack said the account was deactivated (retention counts from then)
    erasure_requested_at: datetime | None = None  # asked to be erased while reviewing open ideas
    workspace_id: str | None = Field(default=None, max_length=32)  # whose token asks Slack about them


class DigestRun(SQLModel, table=True):
    """One weekly digest for one channel: unique, so each is sent once whatever the processes do."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", "period_end", name="uq_digest_once"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str | None = Field(default=None, max_length=32)
    channel_id: str = Field(max_length=32)
    period_start: datetime
    period_end: datetime
    created_at: datetime


class TextVector(SQLModel, table=True):
    """A sentence vector of the optional meaning stage, kept so that restarts and other processes
    need not compute it again. Valid while its document's text (by digest) and the model are the same."""

    __tablename__ = "text_vector"

    key: str = Field(primary_key=True, max_length=40)  # the matcher's key, like project:12
    model: str = Field(primary_key=True, max_length=120)
    text_digest: str = Field(max_length=32)
    vector: bytes  # float16, little-endian


class SeenRequest(SQLModel, table=True):
    """A signed Slack request already accepted, kept while its timestamp is inside Slack's window, so that
    a captured request replayed to this process after a restart, or to another process, is refused."""

    __tablename__ = "seen_request"

    signature: str = Field(primary_key=True, max_length=80)
    expires_at: datetime = Field(index=True)


class Workspace(SQLModel, table=True):
    """A Slack workspace the bot serves: its settings (a JSON object over the environment's defaults) and
    whether the app is installed there. Rows stay after an uninstall until `erase_after`."""

    __tablename__ = "workspace"

    id: str = Field(primary_key=True, max_length=32)  # Slack's team ID
    enterprise_id: str | None = Field(default=None, max_length=32, index=True)
    name: str | None = Field(default=None, max_length=200)
    settings: str = Field(default="{}", sa_type=Text)
    installed_at: datetime | None = None
    uninstalled_at: datetime | None = None
    erase_after: datetime | None = None  # the scheduler erases its data then (UNINSTALL_RETENTION)


class SettingChange(SQLModel, table=True):
    """Who changed which workspace setting, when, from what to what (shown in the week's digest)."""

    __tablename__ = "setting_change"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    name: str = Field(max_length=200)  # a setting's name, or "team_reviewers:" and the team's name
    before: str = Field(sa_type=Text)
    after: str = Field(sa_type=Text)
    changed_at: datetime


class Pace(SQLModel, table=True):
    """When a paced destination (a channel's messages, a Web API method of a workspace) may next be used;
    shared by every bot process on the database, so that together they keep Slack's pace."""

    key: str = Field(primary_key=True, max_length=200)
    next_free: float  # seconds since the epoch, so that one UPDATE can book a moment on either database


class Waiver(SQLModel, table=True):
    """The Right to Challenge: a team asks for a rule to be set aside for a while, to test a new way of working;
    a rule owner grants it (with conditions and an end date), refuses it (with a reason) or asks for more."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str | None = Field(default=None, max_length=32)
    requested_by: str = Field(max_length=32)
    team: str = Field(default="", max_length=1000)  # comma-separated user IDs: who runs the test
    rule: str = Field(max_length=300)  # which rule, procedure or regulation
    why: str = Field(sa_type=Text)  # how it blocks the idea
    days: int  # how long it is asked for
    safeguards: str = Field(sa_type=Text)
    idea_id: int | None = Field(default=None, foreign_key="idea.id")  # the idea or experiment it serves
    status: str = Field(default="requested", max_length=16, index=True)  # see bot.waivers.STATUS_LABELS
    decided_by: str | None = Field(default=None, max_length=32)  # the rule owner who granted or refused it
    conditions: str | None = Field(default=None, sa_type=Text)
    ends_on: date | None = None  # a granted waiver's last day
    created_at: datetime


class WaiverDecision(SQLModel, table=True):
    """Who did what to a waiver, when and why: its audit trail (as `Decision` is an idea's)."""

    __tablename__ = "waiver_decision"

    id: int | None = Field(default=None, primary_key=True)
    waiver_id: int = Field(foreign_key="waiver.id", index=True)
    actor_id: str = Field(max_length=32)
    action: str = Field(max_length=16)  # request, grant, refuse, ask, answer, extend, permanent, restore
    status_after: str = Field(max_length=16)
    comment: str = Field(default="", sa_type=Text)  # the reason, the question, the answer, the conditions
    ends_on: date | None = None  # granted or extended until
    created_at: datetime
