"""Sends requests to the bot exactly as Slack does: real payload shapes, signed with v0 HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fakeslack.server import WORKSPACE, FakeSlack

APP_ID = "A0INNOVATE"


@dataclass
class Reply:
    """The bot's HTTP answer."""

    status: int
    body: str
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def sign(secret: str, timestamp: str, body: str) -> str:
    """Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackSender:
    """Posts slash commands and interactions to the bot's /slack/events endpoint."""

    def __init__(
        self,
        events_url: str,
        signing_secret: str,
        response_url: str = "",
        team_id: str = WORKSPACE,
        enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> None:
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.response_url = response_url
        self.team_id = team_id  # the workspace requests come from
        self.enterprise_id = enterprise_id  # its Enterprise Grid organisation, if any
        self.org_wide = org_wide  # the app is installed org-wide there: Slack says is_enterprise_install
        self._trigger = 0
        self.last_trigger = ""  # the trigger_id of the latest request, to find the view it opened

    def from_workspace(self, team_id: str, enterprise_id: str | None = None, org_wide: bool = False) -> SlackSender:
        """A sender for requests from another workspace (of organisation `enterprise_id`, if given)."""
        return SlackSender(self.events_url, self.signing_secret, self.response_url, team_id, enterprise_id, org_wide)

    def event(self, event: dict[str, Any]) -> Reply:
        """An Events API delivery of `event`, as Slack wraps it (`event_callback`)."""
        org_wide = self.org_wide
        envelope = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "enterprise_id": self.enterprise_id,
            "api_app_id": APP_ID,
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
            "is_enterprise_install": org_wide,
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": None if org_wide else self.team_id,
                    "user_id": "U0BOT00001",
                    "is_bot": True,
                    "is_enterprise_install": org_wide,
                }
            ],
        }
        return self.post_raw_json(envelope)

    def shortcut(self, callback_id: str, user: str = "U0ALICE001") -> Reply:
        """A global shortcut, chosen from the shortcuts menu or the message composer."""
        payload = {**self._interaction("shortcut", user), "callback_id": callback_id, "action_ts": f"{time.time():.6f}"}
        return self.post_payload(payload)

    def message_shortcut(
        self, callback_id: str, message: dict[str, Any], user: str = "U0ALICE001", channel: str = "C0GENERAL1"
    ) -> Reply:
        """A message shortcut, chosen from a message's "More actions" menu."""
        payload = {
            **self._interaction("message_action", user),
            "callback_id": callback_id,
            "action_ts": f"{time.time():.6f}",
            "channel": {"id": channel, "name": "general"},
            "message": message,
            "message_ts": message["ts"],
            "response_url": self.response_url,
        }
        return self.post_payload(payload)

    def command(self, command: str, text: str = "", user: str = "U0ALICE001", channel: str = "C0GENERAL1") -> Reply:
        """A slash command, as the form fields Slack sends."""
        fields = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "true" if self.org_wide else "false",
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            "response_url": self.response_url,
            "trigger_id": self._next_trigger(),
        }
        return self.post_form(urlencode(fields))

    def view_submission(self, view: dict[str, Any], values: dict[str, Any], user: str = "U0ALICE001") -> Reply:
        """Submit a modal the bot opened, with `values` typed into it (block_id -> text, bool, date or None)."""
        payload = {
            **self._interaction("view_submission", user),
            "view": {**view, "state": {"values": fill_state(view, values)}},
            "response_urls": [],
        }
        return self.post_payload(payload)

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U0ALICE001",
        channel: str = "C0IDEAS001",
        message: dict[str, Any] | None = None,
    ) -> Reply:
        """A button press on a message."""
        message = message or {"type": "message", "ts": "1700000000.000100", "text": "", "blocks": []}
        payload = {
            **self._interaction("block_actions", user),
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "ideas"},
            "message": message,
            "state": {"values": {}},
            "response_url": self.response_url,
            "actions": [_button(action_id, value, block_id="actions")],
        }
        return self.post_payload(payload)

    def view_action(
        self,
        view: dict[str, Any],
        action_id: str,
        value: str,
        values: dict[str, Any] | None = None,
        user: str = "U0ALICE001",
    ) -> Reply:
        """A button pressed inside an open modal, with what has been typed into it so far."""
        payload = {
            **self._interaction("block_actions", user),
            "container": {"type": "view", "view_id": view["id"]},
            "view": {**view, "state": {"values": fill_state(view, values or {})}},
            "actions": [_button(action_id, value, block_id="similar")],
        }
        return self.post_payload(payload)

    def _interaction(self, kind: str, user: str) -> dict[str, Any]:
        """What every interaction payload carries: its type, who, which app, workspace and trigger."""
        return {
            "type": kind,
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team_id},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": self._next_trigger(),
            "team": {"id": self.team_id, "domain": "fake"},
            "enterprise": {"id": self.enterprise_id, "name": "Fake Government"} if self.enterprise_id else None,
            "is_enterprise_install": self.org_wide,
        }

    def post_payload(self, payload: dict[str, Any]) -> Reply:
        """Interactivity: the JSON payload in a `payload` form field."""
        return self.post_form(urlencode({"payload": json.dumps(payload)}))

    def post_raw_json(self, event: dict[str, Any], *, retry_num: int | None = None) -> Reply:
        """An Events API delivery: a signed JSON body (with Slack's retry headers when `retry_num` is set)."""
        body = json.dumps(event)
        # Slack retries seconds later (after its 3 s timeout), re-signed with a newer timestamp
        ts = str(int(time.time()) + (retry_num or 0) * 3)
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(self.signing_secret, ts, body),
        }
        if retry_num is not None:
            headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post_raw(body.encode(), headers)

    def post_form(
        self, body: str, *, timestamp: int | None = None, secret: str | None = None, headers: dict | None = None
    ) -> Reply:
        """POST a signed form body; `timestamp` and `secret` can be forged to test verification."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(secret or self.signing_secret, ts, body),
            **(headers or {}),
        }
        return self.post_raw(body.encode(), all_headers)

    def post_raw(self, body: bytes, headers: dict[str, str]) -> Reply:
        request = urllib.request.Request(self.events_url, data=body, headers=headers, method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return Reply(response.status, text, time.perf_counter() - started, dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), time.perf_counter() - started, dict(error.headers))

    def _next_trigger(self) -> str:
        self._trigger += 1
        self.last_trigger = f"{self._trigger}.{int(time.time())}.fake-trigger"
        return self.last_trigger


def _button(action_id: str, value: str, *, block_id: str) -> dict[str, Any]:
    """One pressed button in a `block_actions` payload's `actions`."""
    return {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": "button", "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": f"{time.time():.6f}",
    }


def fill_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Slack's `view.state.values` for a modal, as if a person had typed `values` into it; a field left
    alone holds its initial value, as in Slack. Checkboxes take True (all), False (none) or the values ticked."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        typed = values.get(block["block_id"])
        entry: dict[str, Any] = {"type": element["type"]}
        match element["type"]:
            case "plain_text_input":
                entry["value"] = (typed if typed is not None else element.get("initial_value")) or None
            case "checkboxes":
                if isinstance(typed, list):
                    ticked = [option for option in element["options"] if option["value"] in typed]
                else:
                    ticked = (
                        element["options"] if typed else [] if typed is not None else element.get("initial_options")
                    )
                entry["selected_options"] = [{"text": o["text"], "value": o["value"]} for o in ticked or []]
            case "datepicker":
                entry["selected_date"] = typed if typed is not None else element.get("initial_date")
            case "timepicker":
                entry["selected_time"] = typed if typed is not None else element.get("initial_time")
            case "static_select":
                chosen = [option for option in element["options"] if option["value"] == typed]
                initial = element.get("initial_option") if typed is None else None
                entry["selected_option"] = chosen[0] if chosen else initial
            case "conversations_select":
                entry["selected_conversation"] = typed if typed is not None else element.get("initial_conversation")
            case "multi_conversations_select":
                entry["selected_conversations"] = (
                    typed if typed is not None else element.get("initial_conversations", [])
                )
            case "multi_users_select":
                entry["selected_users"] = typed if typed is not None else element.get("initial_users", [])
            case _:
                raise ValueError(f"the fake cannot fill a {element['type']} yet")
        state[block["block_id"]] = {element["action_id"]: entry}
    return state


def install_app(bot_url: str, slack: FakeSlack, code: str, token: str, team_id: str | None, **grant: Any) -> Reply:
    """What a person's browser does to install the app with OAuth: open "Add to Slack", let Slack grant
    `code` for `token` (`grant`: as `FakeSlack.grant` takes), and come back to the bot's redirect with the
    state Slack was given and the cookie the bot set. Returns the redirect's answer."""
    page = browse(bot_url + "/slack/install")
    authorize = next(
        (part for part in page.body.split('"') if part.startswith("https://slack.com/oauth/v2/authorize")), ""
    )
    state = next(iter(SimpleCookie(page.headers.get("Set-Cookie", "")).values()), None)
    given = parse_qs(urlsplit(authorize.replace("&amp;", "&")).query).get("state")
    if page.status != 200 or state is None or given != [state.value]:
        raise RuntimeError(f"/slack/install answered {page.status} without an authorize link and its state cookie")
    slack.grant(code, token, team_id, **grant)
    return browse(f"{bot_url}/slack/oauth_redirect?code={code}&state={state.value}", f"{state.key}={state.value}")


def browse(url: str, cookie: str = "") -> Reply:
    """A browser's GET that does not follow redirects (the caller looks at where it is sent)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=10) as response:
            body, status, headers = response.read().decode(), response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        body, status, headers = error.read().decode(), error.code, dict(error.headers)
    return Reply(status, body, time.perf_counter() - started, headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
