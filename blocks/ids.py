"""Every id Slack sends back to the bot: modal callback ids, button action ids, block ids.

Listeners register on these and builders put them on elements, so the two never drift apart.
"""

from __future__ import annotations

from bot import challenges, reviews

# modals (callback_id)
IDEA_MODAL = "idea_modal"
CHALLENGE_MODAL = "challenge_modal"
DECISION_MODAL = "decision_modal"
CHECKIN_MODAL = "experiment_checkin_modal"
EDIT_MODAL = "idea_edit_modal"
SETTINGS_MODAL = "workspace_settings"
WAIVER_MODAL = "waiver_request"
WAIVER_DECISION_MODAL = "waiver_decision"
WAIVER_ANSWER_MODAL = "waiver_answer_modal"

# shortcuts and the Workflow Builder step (callback_id, as manifest.yml declares them)
SHARE_IDEA_SHORTCUT = "share_idea"
MESSAGE_TO_IDEA_SHORTCUT = "message_to_idea"
SUBMIT_IDEA_STEP = "submit_idea"

# the action_id of every input element: the block_id names the field
VALUE = "value"

# buttons (action_id)
CHECK_SIMILAR = "check_similar"
JOIN_SIMILAR = "join_similar"
PROPOSE_SOLUTION = "challenge_propose"
EDIT_BUTTON = "idea_edit"
SNOOZE_BUTTON = "idea_snooze"
SUPPORT_BUTTON = "idea_support"
HELP_BUTTON = "idea_help"
PRIVACY_DOWNLOAD = "privacy_download"
PRIVACY_ERASE = "privacy_erase"
PRIVACY_APPROVE = "privacy_approve"
NAME_ME = "source_name_me"
DONT_NAME_ME = "source_dont_name_me"
SETTINGS_BUTTON = "workspace_settings_open"
CHECKIN_BUTTON = "experiment_checkin"
WAIVER_ANSWER = "waiver_answer"

# blocks (block_id)
SIMILAR_CHECK_BLOCK = "similar_check"
IDEA_ACTIONS_BLOCK = "idea_actions"
CHALLENGE_ACTIONS_BLOCK = "challenge_actions"
TEAM_BLOCK = "team:"  # Settings: this and a team's name hold the team's reviewers
NEW_TEAM = "new_team"
LANGUAGE_BLOCK = "language:"  # Settings: this and a language code hold the channels written in it
NEW_TEAM_REVIEWERS = "new_team_reviewers"


def idea_move(move: str) -> str:
    """The action_id of the button for one of an idea's moves (`bot.reviews.MOVES`)."""
    return f"idea_{move}"


def challenge_move(status: str) -> str:
    """The action_id of the button that moves a challenge to `status` (`bot.challenges.MOVES`)."""
    return f"challenge_{status}"


IDEA_MOVE_BUTTONS = {idea_move(move): move for move in reviews.MOVES}
CHALLENGE_MOVE_BUTTONS = {challenge_move(status): status for status in challenges.MOVES}


def waiver_move(move: str) -> str:
    """The action_id of a rule owner's button for one of a waiver's moves (`bot.waivers.MOVES`)."""
    return f"waiver_{move}"
