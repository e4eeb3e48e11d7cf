"""Reading Slack's payloads into plain values: who sent it, from which workspace, about which idea, and
what was typed into a command or a form (the only place that knows their shapes)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from blocks.ids import VALUE
from bot.experiments import ExperimentPlan, ExperimentReport
from bot.i18n import _
from bot.submissions import TEXT_MAX, Author, ChallengeDraft, IdeaDraft
from bot.text import is_user_id, shorten
from bot.waivers import WaiverRequest
from storage.models import TITLE_MAX

_TARGET = re.compile(r"(project|idea|challenge):\d{1,12}")


def idea_draft(view: dict[str, Any]) -> IdeaDraft:
    """The idea typed into the /idea modal."""
    values = _values(view)
    return IdeaDraft(
        title=_text(values, "title"),
        problem=_text(values, "problem"),
        proposal=_text(values, "proposal"),
        department=_text(values, "department"),
        anonymous=any(option.get("value") == "anonymous" for option in _selected(values, "anonymous")),
        challenge_id=_metadata_int(view, "challenge_id"),
        similar_shown=_shown(view),
        source_link=_metadata_link(view, "source_link"),
        source_author_id=_metadata_user(view, "source_author"),
    )


def challenge_draft(view: dict[str, Any]) -> tuple[ChallengeDraft, dict[str, str]]:
    """The challenge typed into the /challenge modal, and errors for values that cannot be read."""
    values = _values(view)
    errors: dict[str, str] = {}
    deadline = None
    raw_date = _field(values, "deadline").get("selected_date")
    if raw_date:
        try:
            deadline = date.fromisoformat(str(raw_date))
        except ValueError:
            errors["deadline"] = _("That is not a date I can read; pick one from the calendar.")
    draft = ChallengeDraft(
        title=_text(values, "title"),
        problem=_text(values, "problem"),
        desired_outcome=_text(values, "desired_outcome"),
        deadline=deadline,
        similar_shown=_shown(view),
    )
    return draft, errors


def experiment_plan(view: dict[str, Any]) -> ExperimentPlan:
    """The plan typed into the Start experiment form (a date Slack sent in a form not read counts as none)."""
    values = _values(view)

    def day(block_id: str) -> date | None:
        try:
            return date.fromisoformat(str(_field(values, block_id).get("selected_date") or ""))
        except ValueError:
            return None

    team = _field(values, "team").get("selected_users")
    return ExperimentPlan(
        hypothesis=_text(values, "hypothesis"),
        measure=_text(values, "measure"),
        baseline=_text(values, "baseline"),
        target=_text(values, "target"),
        starts_on=day("starts_on"),
        ends_on=day("ends_on"),
        team=tuple(user for user in team if isinstance(user, str)) if isinstance(team, list) else (),
        cost=_text(values, "cost"),
        stop_when=_text(values, "stop_when"),
    )


def experiment_report(view: dict[str, Any]) -> ExperimentReport:
    """The measure's final value, the advice for the next team and whether to scale it, from the
    Complete experiment form."""
    values = _values(view)
    return ExperimentReport(_text(values, "final_value"), _text(values, "next_time"), _choice(values, "scale"))


def checkin_values(view: dict[str, Any]) -> tuple[str | None, str, str]:
    """The state chosen, the measure so far and what was learned, from the check-in form."""
    values = _values(view)
    return _choice(values, "state"), _text(values, "value_so_far"), _text(values, "learned")


def waiver_request(view: dict[str, Any]) -> WaiverRequest:
    """What the /challenge-rule form holds."""
    values = _values(view)
    team = _field(values, "team").get("selected_users")
    idea = _choice(values, "idea")
    return WaiverRequest(
        rule=_text(values, "rule"),
        why=_text(values, "why"),
        days=_text(values, "days"),
        safeguards=_text(values, "safeguards"),
        idea_id=int(idea) if idea and idea.isdigit() else None,
        team=tuple(str(user) for user in team if isinstance(user, str)) if isinstance(team, list) else (),
    )


def waiver_decision(view: dict[str, Any]) -> tuple[int | None, str, str, date | None]:
    """(waiver id, move, words, last day) from a rule owner's form."""
    values = _values(view)
    try:
        ends_on = date.fromisoformat(str(_field(values, "ends_on").get("selected_date") or ""))
    except ValueError:
        ends_on = None
    move = metadata(view).get("move")
    return _metadata_int(view, "waiver_id"), move if isinstance(move, str) else "", _text(values, "comment"), ends_on


def text_of(view: dict[str, Any], block_id: str) -> str:
    """What was typed into one plain text field of a form."""
    return _text(_values(view), block_id)


def target(value: object) -> str | None:
    """A "kind:id" button value, or None when it is not one."""
    return value if isinstance(value, str) and _TARGET.fullmatch(value) else None


def _values(view: dict[str, Any]) -> dict[str, Any]:
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _field(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = values.get(block_id)
    element = block.get(VALUE) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def _text(values: dict[str, Any], block_id: str) -> str:
    value = _field(values, block_id).get("value")
    return value if isinstance(value, str) else ""


def _selected(values: dict[str, Any], block_id: str) -> list[dict[str, Any]]:
    options = _field(values, block_id).get("selected_options")
    return [option for option in options if isinstance(option, dict)] if isinstance(options, list) else []


def decision_values(view: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """The comment (reason, lessons), the chosen outcome, and the merge target from the decision form."""
    values = _values(view)
    return _text(values, "comment"), _choice(values, "outcome"), _choice(values, "target")


def _choice(values: dict[str, Any], block_id: str) -> str | None:
    """A select's chosen value, or what was typed in its place."""
    field = _field(values, block_id)
    selected = field.get("selected_option")
    value = selected.get("value") if isinstance(selected, dict) else field.get("value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The form's private_metadata as a dict (empty if it is not one)."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return metadata if isinstance(metadata, dict) else {}


def _metadata_int(view: dict[str, Any], key: str) -> int | None:
    value = metadata(view).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _metadata_link(view: dict[str, Any], key: str) -> str | None:
    value = metadata(view).get(key)
    return value if isinstance(value, str) and value.startswith("https://") and len(value) <= 500 else None


def _metadata_user(view: dict[str, Any], key: str) -> str | None:
    value = metadata(view).get(key)
    return value if isinstance(value, str) and is_user_id(value) else None


def shown_matches(view: dict[str, Any]) -> list[list[Any]]:
    """The matches the form showed, as [key, score, verdict, reason] entries that look right (at most 10)."""
    entries = metadata(view).get("shown")
    if not isinstance(entries, list):
        return []
    return [
        [*entry[:3], shorten(entry[3], 300) if len(entry) == 4 else ""]
        for entry in entries[:10]
        if isinstance(entry, list)
        and len(entry) in (3, 4)
        and isinstance(entry[0], str)
        and _TARGET.fullmatch(entry[0])
        and isinstance(entry[1], int)
        and entry[2] in (None, "duplicate", "related")
        and (len(entry) == 3 or isinstance(entry[3], str))
    ]


def _shown(view: dict[str, Any]) -> str | None:
    entries = shown_matches(view)
    return json.dumps(entries) if entries else None


# --- who, where, about what ---


def author(body: dict[str, Any]) -> Author:
    """Who sent an interaction, and from which workspace."""
    return Author(user_id=body["user"]["id"], workspace_id=workspace(body))


def workspace(body: dict[str, Any]) -> str:
    """The workspace of the person who pressed or submitted (Enterprise Grid: their own, not the org's)."""
    return body["user"].get("team_id") or body["team"]["id"]


def idea_id(action: dict[str, Any]) -> int | None:
    """The idea a button is about, or None when its value is not an idea's id."""
    value = str(action.get("value", ""))
    return int(value) if value.isdigit() and len(value) < 12 else None


def sender(body: dict[str, Any]) -> str | None:
    """Who sent a slash command, an interaction or an event."""
    if isinstance(body.get("user_id"), str):
        return body["user_id"]
    user = body.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), str):
        return user["id"]
    event = body.get("event")
    if isinstance(event, dict) and isinstance(event.get("user"), str):
        return event["user"]
    return None


# --- command text ---


def idea_draft_from_command(text: str) -> IdeaDraft:
    """Short text after /idea is a title; long text becomes the idea, with its start as the title."""
    title, body = _split_prefill(text)
    return IdeaDraft(title=title, problem="", proposal=body)


def challenge_draft_from_command(text: str) -> ChallengeDraft:
    title, body = _split_prefill(text)
    return ChallengeDraft(title=title, problem=body, desired_outcome="")


def _split_prefill(text: str) -> tuple[str, str]:
    if len(text) <= TITLE_MAX:
        return text, ""
    return shorten(text, TITLE_MAX), text[:TEXT_MAX]
