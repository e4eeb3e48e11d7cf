"""The HTTP front: Slack's requests at POST /slack/events, and GET /healthz for load balancers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest

from storage.db import Database

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024  # Slack's largest payloads (big modals) are tens of kilobytes

StartResponse = Callable[..., Any]


class SlackWsgi:
    """A WSGI application that hands Slack's requests to Bolt and answers health checks.

    With `app=None` (Socket Mode, where Slack's requests arrive over a WebSocket) it serves health only.
    """

    def __init__(self, app: App | None, db: Database) -> None:
        self.app = app
        self.db = db

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            up = self.db.is_up()
            body = {"status": "ok" if up else "unavailable", "database": "up" if up else "down"}
            return _json(start_response, 200 if up else 503, body)
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
        response = self.app.dispatch(
            BoltRequest(body=body_text, query=environ.get("QUERY_STRING", ""), headers=headers)
        )
        out_headers = [(name, value) for name, values in response.headers.items() for value in values]
        start_response(_status(response.status), out_headers)
        return [response.body.encode("utf-8")]


def _status(code: int) -> str:
    reasons = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error"}
    return f"{code} {reasons.get(code, 'Status')}"


def _plain(start_response: StartResponse, code: int, text: str) -> list[bytes]:
    start_response(f"{code} {text}", [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode()]


def _json(start_response: StartResponse, code: int, body: dict[str, str]) -> list[bytes]:
    reason = "OK" if code == 200 else "Service Unavailable"
    start_response(f"{code} {reason}", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]
