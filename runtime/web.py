"""The HTTP front: Slack's requests at POST /slack/events, and GET /healthz for load balancers."""

from __future__ import annotations

import contextvars
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, SystemClock
from runtime.logs import request_context
from storage import queries
from storage.db import Database

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
REPLAY_WINDOW = 5 * 60 + 30  # a signature verifies while its timestamp is within 5 minutes; a little more
REPLAY_CHECK_WAIT = 1.0  # seconds the shared replay check may take before this process's memory decides
HEALTH_OUTBOX_WAIT = 1.0  # seconds /healthz waits for the outbox's figures before answering without them
MAX_BODY = 1024 * 1024  # Slack's largest payloads (big modals) are tens of kilobytes

StartResponse = Callable[..., Any]


class SlackWsgi:
    """A WSGI application that hands Slack's requests to Bolt and answers health checks.

    With `app=None` (Socket Mode, where Slack's requests arrive over a WebSocket) it serves health only.
    """

    def __init__(
        self,
        app: App | None,
        db: Database,
        signing_secret: str = "",
        clock: Clock | None = None,
        outbox_max_age: float = 0.0,
    ) -> None:
        self.app = app
        self.db = db
        self.clock = clock or SystemClock()
        self.outbox_max_age = outbox_max_age  # seconds; 0: the outbox's age never makes the bot unhealthy
        self.verifier = SignatureVerifier(signing_secret)
        self.replays = ReplayGuard(db)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return self._health(start_response)
        flow = self.app.oauth_flow if self.app is not None else None
        if flow is not None and path in (flow.install_path, flow.redirect_uri_path):
            return self._oauth(environ, start_response, flow)
        if path != EVENTS_PATH or self.app is None:
            return _plain(start_response, 404, "Not Found")
        if method != "POST":
            return _plain(start_response, 405, "Method Not Allowed")
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit():
            return _plain(start_response, 400, "Bad Request")
        if int(length) > MAX_BODY:
            return _plain(start_response, 413, "Payload Too Large")
        try:
            body_text = environ["wsgi.input"].read(int(length)).decode("utf-8")
        except UnicodeDecodeError:
            return _plain(start_response, 400, "Bad Request")
        headers = {
            key[5:].lower().replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        timestamp, signature = headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
        if not timestamp.isdigit() or not self.verifier.is_valid(body_text, timestamp, signature):
            return _plain(start_response, 401, "Unauthorized")
        if not self.replays.first_time(signature, int(timestamp)):
            log.warning("refused a replayed request (a signature already seen)")
            return _plain(start_response, 401, "Unauthorized")
        problem = payload_problem(parse_body(body_text, headers["content-type"]))
        if problem:
            log.warning("refused a malformed request: %s", problem)
            return _plain(start_response, 400, f"Bad Request: {problem}")
        started = time.perf_counter()
        with request_context() as request_id:
            request = BoltRequest(body=body_text, query=environ.get("QUERY_STRING", ""), headers=headers)
            response = contextvars.copy_context().run(self.app.dispatch, request)  # its language ends with it
            log.info(
                "slack request",
                extra={
                    "kind": describe(request.body),
                    "status": response.status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "retry": headers.get("x-slack-retry-num"),
                },
            )
        out_headers = [(name, value) for name, values in response.headers.items() for value in values]
        out_headers.append(("X-Request-Id", request_id))
        start_response(_status(response.status), out_headers)
        return [response.body.encode("utf-8")]

    def _oauth(self, environ: dict[str, Any], start_response: StartResponse, flow: OAuthFlow) -> Iterable[bytes]:
        """The "Add to Slack" page and Slack's redirect back after an install: bolt's own OAuth flow."""
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return _plain(start_response, 405, "Method Not Allowed")
        headers = {
            key[5:].lower().replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=headers)
        if environ.get("PATH_INFO") == flow.install_path:
            response = flow.handle_installation(request)
        else:
            response = flow.handle_callback(request)
        log.info("oauth %s", environ.get("PATH_INFO"), extra={"status": response.status})
        out_headers = [(name, value) for name, values in response.headers.items() for value in values]
        start_response(_status(response.status), out_headers)
        return [response.body.encode("utf-8")]

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        """The database answers, and what is owed to Slack: how much and how old the oldest is (503 when older
        than `outbox_max_age`, so that an orchestrator notices a bot that stopped delivering)."""
        up = self.db.is_up()
        body: dict[str, Any] = {"status": "ok" if up else "unavailable", "database": "up" if up else "down"}
        if not up:
            return _json(start_response, 503, body)
        try:
            count, oldest = self.db.within(HEALTH_OUTBOX_WAIT, self._owed)
        except (TimeoutError, SQLAlchemyError):
            return _json(start_response, 200, body)  # the database answered a moment ago: no verdict on the outbox
        age = max((self.clock.now() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        body["outbox"] = {"owed": count, "oldest_seconds": round(age)}
        if self.outbox_max_age and age > self.outbox_max_age:
            body["status"] = "outbox stuck"
            return _json(start_response, 503, body)
        return _json(start_response, 200, body)

    def _owed(self) -> tuple[int, datetime | None]:
        with self.db.session() as session:
            return queries.owed(session)


class ReplayGuard:
    """Refuses a signed request seen before, so that a captured request cannot be sent again.

    A signature verifies while its timestamp is within five minutes of now (slack_sdk refuses the rest,
    in the past or the future), so each is remembered until its timestamp plus that window: in the
    database, which every process shares and a restart keeps, and in memory, which answers at once and
    still protects this process while the database is down. Slack's own retries are new requests with a
    new timestamp and signature.
    """

    def __init__(self, db: Database | None, window: float = REPLAY_WINDOW) -> None:
        self.db = db
        self.window = window
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def first_time(self, signature: str, timestamp: int) -> bool:
        now, until = time.time(), timestamp + self.window
        with self._lock:
            sweep = now >= self._next_sweep
            if sweep:
                self._seen = {sig: end for sig, end in self._seen.items() if end > now}
                self._next_sweep = now + 30
            if signature in self._seen:
                return False
            self._seen[signature] = until
        if self.db is None:
            return True

        def record() -> bool:
            with self.db.session() as session:
                if sweep:
                    queries.forget_seen_before(session, _utc(now))
                return queries.first_sight(session, signature, _utc(until))

        try:  # bounded: the ack must not wait on a database that stopped answering
            return self.db.within(REPLAY_CHECK_WAIT, record)
        except (SQLAlchemyError, TimeoutError):
            log.warning("database unavailable: replays are refused by this process's memory only")
            return True


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def parse_body(text: str, content_type: str) -> Any:
    """The request as Slack meant it: JSON (Events API), or form fields with an optional JSON `payload`."""
    try:
        if content_type.startswith("application/json") or text.startswith("{"):
            return json.loads(text)
        form = {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}
        return json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return None


def payload_problem(body: Any) -> str | None:
    """Why a signed body is not a request Slack would send (None when it is one)."""
    if not isinstance(body, dict):
        return "not a JSON object or form"
    if "command" in body:
        missing = [f for f in ("command", "user_id", "team_id", "trigger_id", "response_url") if not body.get(f)]
        return f"a slash command without {', '.join(missing)}" if missing else None
    kind = body.get("type")
    if kind in ("url_verification", "app_rate_limited"):
        return None
    if kind == "event_callback":
        event = body.get("event")
        ok = isinstance(event, dict) and isinstance(event.get("type"), str) and body.get("event_id")
        return None if ok else "an event without event, event.type or event_id"
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return f"{kind or 'a payload'} without user.id"
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    if not (user.get("team_id") or team.get("id")):
        return f"{kind} without a team"
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(body.get("container"), dict) or not isinstance(actions, list) or not actions:
            return "block_actions without container or actions"
        if not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            return "block_actions with an action that has no action_id"
        return None
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        ok = isinstance(view, dict) and all(isinstance(view.get(f), str) for f in ("id", "callback_id", "type"))
        return None if ok else f"{kind} without view.id, view.callback_id or view.type"
    if kind in ("shortcut", "message_action"):
        return None if isinstance(body.get("callback_id"), str) else f"{kind} without callback_id"
    return f"an unknown payload type {str(kind)[:40]!r}"


def describe(body: dict[str, Any]) -> str:
    """What a request was, for the log, without who sent it or what they typed."""
    if "command" in body:
        return f"command {body['command']}"
    kind = str(body.get("type", "unknown"))
    if kind == "block_actions":
        return "block_actions " + ",".join(str(a.get("action_id")) for a in body.get("actions") or [])
    if kind in ("view_submission", "view_closed"):
        return f"{kind} {(body.get('view') or {}).get('callback_id')}"
    if kind == "event_callback":
        return f"event {(body.get('event') or {}).get('type')}"
    if kind in ("shortcut", "message_action"):
        return f"{kind} {body.get('callback_id')}"
    return kind


def _status(code: int) -> str:
    reasons = {
        200: "OK",
        302: "Found",
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        500: "Internal Server Error",
    }
    return f"{code} {reasons.get(code, 'Status')}"


def _plain(start_response: StartResponse, code: int, text: str) -> list[bytes]:
    start_response(f"{code} {text}", [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode()]


def _json(start_response: StartResponse, code: int, body: dict[str, str]) -> list[bytes]:
    reason = "OK" if code == 200 else "Service Unavailable"
    start_response(f"{code} {reason}", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]
