"""The life of a challenge: open -> solutions being tested -> solved or closed."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session

from bot.i18n import _
from bot.labels import status_word
from bot.refusals import NotAllowed
from storage import queries
from storage.models import Challenge

STATUSES = ("open", "testing", "solved", "closed")
# The one source for what may happen to a challenge: where each status can be reached from. The rules
# check it and the challenge's post shows a button for each move possible now.
MOVES = {"testing": ("open",), "solved": ("open", "testing"), "closed": ("open", "testing")}


def moves_from(status: str) -> list[str]:
    """The statuses a challenge in `status` can be moved to, in the order their buttons are shown."""
    return [to for to, allowed_from in MOVES.items() if status in allowed_from]


def takes_ideas(status: str) -> bool:
    """Whether a challenge in `status` still takes proposed solutions."""
    return status == "open"


def move_challenge(
    session: Session, challenge_id: int, user_id: str, status: str, now: datetime, innovation_team: Collection[str]
) -> Challenge:
    """Move a challenge along; only its author and the innovation team may. Raises `NotAllowed`."""
    challenge = queries.get_challenge(session, challenge_id)
    if challenge is None:
        raise NotAllowed(_("That challenge no longer exists."))
    if user_id != challenge.author_id and user_id not in innovation_team:
        raise NotAllowed(_("Only the challenge's author and the innovation team can change its status."))
    if status not in MOVES or challenge.status not in MOVES[status]:
        raise NotAllowed(
            _("This challenge is {status}: it can't be moved that way now.", status=status_word(challenge.status))
        )
    challenge.status = status
    challenge.updated_at = now
    owe_challenge_update(session, challenge, now)
    return challenge


def owe_challenge_update(session: Session, challenge: Challenge, now: datetime) -> None:
    """Owe a `chat.update` of the challenge's post (its status, the ideas proposed for it)."""
    assert challenge.id is not None
    challenge.version += 1
    queries.owe(
        session, "update_challenge", challenge.id, now, version=challenge.version, workspace_id=challenge.workspace_id
    )
