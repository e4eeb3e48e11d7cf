"""Reading Slack's view_submission state into plain drafts (the only place that knows its shape)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.messages import VALUE
from bot.submissions import ChallengeDraft, IdeaDraft


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
            errors["deadline"] = "That is not a date I can read; pick one from the calendar."
    draft = ChallengeDraft(
        title=_text(values, "title"),
        problem=_text(values, "problem"),
        desired_outcome=_text(values, "desired_outcome"),
        deadline=deadline,
    )
    return draft, errors


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


def _metadata_int(view: dict[str, Any], key: str) -> int | None:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return None
    value = metadata.get(key) if isinstance(metadata, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
