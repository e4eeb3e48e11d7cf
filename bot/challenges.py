"""The life of a challenge: open -> solutions being tested -> solved or closed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.i18n import _
from bot.labels import status_word
from bot.reviews import Deciders, NotAllowed
from storage import queries
from storage.models import Challenge

MOVES = {"testing": ("open",), "solved": ("open", "testing"), "closed": ("open", "testing")}


def move_challenge(
    session: Session, challenge_id: int, user_id: str, status: str, now: datetime, deciders: Deciders
) -> Challenge:
    """Move a challenge along; only its author and the innovation team may. Raises `NotAllowed`."""
    challenge = queries.get_challenge(session, challenge_id)
    if challenge is None:
        raise NotAllowed(_("That challenge no longer exists."))
    if user_id != challenge.author_id and user_id not in deciders.innovation_team:
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
    queries.owe(session, "update_challenge", challenge.id, now, version=challenge.version)
