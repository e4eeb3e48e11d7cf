"""A local stand-in for Slack's Web API: a real HTTP server that answers like Slack and records every call.

Point the bot at it with `SLACK_API_URL=http://127.0.0.1:PORT/api/`. It keeps channels, messages and
views in memory, can be told to fail (500, 429 with Retry-After, a dropped connection) a number of
times, and serves `response_url` posts at `/respond/<id>`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WORKSPACE = "T0FAKE0001"
BOT_USER = "U0BOT00001"


@dataclass
class Call:
    """One Web API call as the fake received it."""

    method: str
    args: dict[str, Any]
    status: int  # what the fake answered
    result: dict[str, Any] = field(default_factory=dict)
    token: str = ""  # the bearer token it was made with
    at: float = field(default_factory=time.monotonic)  # when it arrived (for delays measured by benchmarks)


@dataclass
class Install:
    """What a token stands for: a bot installed in a workspace, or org-wide in an Enterprise Grid org."""

    team_id: str | None
    enterprise_id: str | None = None
    org_wide: bool = False
    team_name: str = "Fake Administration"
    refresh_token: str | None = None  # with token rotation on


@dataclass
class Failure:
    status: int  # 0 means: drop the connection without answering
    times: int
    retry_after: int | None = None
    delay: float = 0.0  # seconds to wait before answering (longer than the client's timeout: a timeout)
    done: bool = False  # the call takes effect (a message is stored) before the answer fails or comes late


@dataclass
class FakeSlackState:
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)
    opened_by_trigger: dict[str, str] = field(default_factory=dict)  # trigger_id -> view id
    uploads: dict[str, bytes] = field(default_factory=dict)  # file ID -> the bytes posted to its upload URL
    files: list[dict[str, Any]] = field(default_factory=list)  # files shared: id, title, channel, data


@dataclass(frozen=True)
class Limits:
    """Slack's published limits (https://docs.slack.dev/apis/web-api/rate-limits): chat.postMessage about one
    message per second per channel with short bursts; other methods by tier, in calls per minute."""

    posts_per_second: float = 1.0
    burst: int = 3
    per_minute: dict[str, float] = field(
        default_factory=lambda: {
            "chat.update": 50,  # Tier 3
            "conversations.history": 50,  # Tier 3
            "conversations.replies": 50,  # Tier 3
            "views.publish": 100,  # Tier 4
            "users.info": 100,  # Tier 4
            "chat.getPermalink": 100,  # Tier 4
        }
    )
    method_burst: int = 10


class FakeSlack:
    """Start with `FakeSlack().start()`; `.api_url` is what the bot's SLACK_API_URL should be."""

    def __init__(self, token: str = "xoxb-test-token") -> None:
        self.token = token
        self.installs: dict[str, Install] = {token: Install(WORKSPACE)}  # bot token -> what it serves
        self.grants: dict[str, tuple[str, Install]] = {}  # OAuth code -> the token it is exchanged for
        self.revoked: set[str] = set()
        self.install_token_lifetime = 43200  # seconds an install's rotating token lives (refreshed ones: 12 h)
        self.state = FakeSlackState()
        self.locales: dict[str, str] = {}  # user ID -> the locale Slack reports for them (default en-US)
        self.names: dict[str, str] = {}  # user ID -> their display name (default: none set, as Slack allows)
        self.admins: set[str] = set()  # users Slack says are workspace admins (users.info is_admin)
        self.members_of: dict[str, bool] = {}  # channel -> whether the bot is in it (default: it is)
        self.refusals: dict[str, str] = {}  # method -> the error Slack answers it with (missing_scope, say)
        self.section_limit = 3000  # Slack's limit on a section's text; a test may make it stricter
        self._flaky: dict[str, float] = {}  # method -> share of its calls that fail at random
        self._slow: dict[str, float] = {}  # method -> seconds before it answers
        self._limits: Limits | None = None  # Slack's rate limits, when a test or benchmark switches them on
        self._due: dict[tuple[str, str], float] = {}  # (token, channel or method) -> its theoretical next call
        self.ratelimited: list[tuple[str, str]] = []  # (method, channel or "") of every call answered 429
        self._random = random.Random(0)
        self._lock = threading.Lock()
        self._last_ts = 0.0
        self._view_ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )

    # --- life cycle -----------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def go_down(self) -> None:
        """Stop listening: calls now get "connection refused" until `come_back()`."""
        self._port = self._server.server_address[1]
        self.stop()

    def come_back(self) -> None:
        """Listen again on the same port, with everything recorded so far."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str = "1") -> str:
        return f"{self.base_url}/respond/{key}"

    # --- what tests ask of it -------------------------------------------------------------------

    def fail(
        self,
        method: str,
        times: int = 1,
        status: int = 500,
        retry_after: int | None = None,
        delay: float = 0.0,
        done: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` fail with `status` (0: drop the connection), after `delay` s.

        With `done`, each call still takes effect first, as when Slack stores a message and the answer is
        lost on the way back: the outcome is unknown to the caller.
        """
        with self._lock:
            self.state.failures[method] = Failure(status, times, retry_after, delay, done)

    def limit(self, limits: Limits | None = None) -> None:
        """Enforce Slack's rate limits as Slack does, per token: `chat.postMessage` about one message per second
        per channel (a short burst allowed), other methods their tier's calls per minute; a call over the
        limit is answered 429 with Retry-After and does nothing. None switches them off."""
        with self._lock:
            self._limits = limits
            self._due.clear()

    def _over_limit(self, method: str, args: dict[str, Any], token: str) -> float | None:
        """Seconds to wait when this call breaks a limit (the generic cell rate algorithm), else None."""
        limits = self._limits
        if limits is None:
            return None
        if method == "chat.postMessage":
            key, interval, burst = str(args.get("channel")), 1.0 / limits.posts_per_second, limits.burst
        elif method in limits.per_minute:
            key, interval, burst = method, 60.0 / limits.per_minute[method], limits.method_burst
        else:
            return None
        now = time.monotonic()
        due = max(self._due.get((token, key), now), now)
        early = due - now - (burst - 1) * interval
        if early > 0:
            return early
        self._due[(token, key)] = due + interval
        return None

    def flaky(self, method: str, share: float, seed: int = 0) -> None:
        """Fail a random `share` of `method`'s calls, each one of: stored then the connection dropped
        (outcome unknown), 500 with nothing stored, or 429 with Retry-After: 1."""
        with self._lock:
            self._flaky[method] = share
            self._random.seed(seed)

    def slow(self, method: str, seconds: float) -> None:
        """Answer every call of `method` only after `seconds` (as Slack does on a bad day)."""
        with self._lock:
            self._slow[method] = seconds

    def refuse(self, method: str, error: str) -> None:
        """Answer every call of `method` with `{"ok": false, "error": error}` (as for an app without a scope)."""
        with self._lock:
            self.refusals[method] = error

    def grant(
        self,
        code: str,
        token: str,
        team_id: str | None,
        *,
        enterprise_id: str | None = None,
        org_wide: bool = False,
        team_name: str = "Fake Administration",
        rotating: bool = False,
    ) -> None:
        """Let `oauth.v2.access` exchange `code` for `token`, as after a person clicked "Allow" on Slack's
        install page; `org_wide` installs in every workspace of the organisation `enterprise_id`."""
        refresh = f"xoxe-1-refresh-{token}" if rotating else None
        install = Install(team_id, enterprise_id, org_wide, team_name, refresh)
        with self._lock:
            self.grants[code] = (token, install)

    def say(self, channel: str, user: str, text: str) -> dict[str, Any]:
        """A person writes a message in a channel (as Slack stores it); returns the message."""
        with self._lock:
            message = {"type": "message", "user": user, "text": text, "ts": self._next_ts(), "team": WORKSPACE}
            self.state.messages.setdefault(channel, []).append(message)
            return dict(message)

    def revoke(self, token: str) -> None:
        """The token stops working (the app was uninstalled): Slack answers `token_revoked`."""
        with self._lock:
            self.revoked.add(token)

    def calls(self, method: str | None = None, *, ok_only: bool = True) -> list[Call]:
        with self._lock:
            return [
                call
                for call in self.state.calls
                if (method is None or call.method == method) and (not ok_only or call.status == 200)
            ]

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages posted successfully (chat.postMessage) with their `ts`, optionally only those to `channel`."""
        return [
            {**call.args, "ts": call.result["ts"]}
            for call in self.calls("chat.postMessage")
            if call.result.get("ok") and (channel is None or call.args["channel"] == channel)
        ]

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """A message as it stands now (after any chat.update)."""
        with self._lock:
            return dict(next(m for m in self.state.messages.get(_dm_channel(channel), []) if m["ts"] == ts))

    def files_in(self, channel: str) -> list[dict[str, Any]]:
        """Files shared in a channel (a user ID means the bot's DM with them), with their bytes."""
        with self._lock:
            return [f for f in self.state.files if f["channel"] == _dm_channel(channel)]

    def responses(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.state.responses)

    def last_view(self) -> dict[str, Any]:
        """The most recently opened or updated view, as Slack would hold it."""
        with self._lock:
            return list(self.state.views.values())[-1]

    def view_opened_for(self, trigger_id: str) -> dict[str, Any] | None:
        """The view as it stands now that `views.open` opened with `trigger_id` (None until it is opened)."""
        with self._lock:
            view_id = self.state.opened_by_trigger.get(trigger_id)
            return self.state.views.get(view_id) if view_id else None

    def wait_for(self, predicate, timeout: float = 10.0, interval: float = 0.02) -> Any:
        """Poll `predicate()` until it returns something truthy, or fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(interval)
        raise TimeoutError("the fake Slack did not see what was expected in time")

    def everything_sent(self) -> str:
        """Every argument of every call, as one string: for checking what never reached Slack."""
        with self._lock:
            return json.dumps([call.args for call in self.state.calls], ensure_ascii=False)

    # --- answering ------------------------------------------------------------------------------

    def _answer(self, method: str, args: dict[str, Any], authorization: str) -> tuple[int, dict[str, Any], dict]:
        with self._lock:
            failure = self.state.failures.get(method)
            if (failure is None or failure.times <= 0) and self._random.random() < self._flaky.get(method, 0.0):
                failure = self._random.choice(
                    [Failure(0, 1, done=True), Failure(500, 1), Failure(429, 1, retry_after=1)]
                )
            if failure is not None and failure.times > 0:
                failure.times -= 1
                if failure.done:
                    self.state.calls.append(Call(method, args, 200, self._method(method, args)))
                else:
                    self.state.calls.append(Call(method, args, failure.status))
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                if failure.delay:
                    headers["X-Fake-Delay"] = str(failure.delay)
                error = "ratelimited" if failure.status == 429 else "internal_error"
                return failure.status, {"ok": False, "error": error}, headers
            token = authorization.removeprefix("Bearer ")
            wait = self._over_limit(method, args, token)
            if wait is not None:
                self.state.calls.append(Call(method, args, 429, token=token))
                self.ratelimited.append((method, str(args.get("channel") or "")))
                # Slack's Retry-After is whole seconds
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(max(1, round(wait + 0.49)))}
            if method.startswith("oauth.v2."):  # client credentials (basic auth), not a token
                body = self._oauth(args)
                self.state.calls.append(Call(method, args, 200, body))
                return 200, body, {}
            known = token in self.installs or token.startswith("xwfp-")  # xwfp-: a workflow step's own token
            if (not known or token in self.revoked) and method != "api.test":
                self.state.calls.append(Call(method, args, 200, token=token))
                return 200, {"ok": False, "error": "token_revoked" if token in self.revoked else "invalid_auth"}, {}
            body = (
                {"ok": False, "error": self.refusals[method]}
                if method in self.refusals
                else self._method(method, args, self.installs.get(token))
            )
            self.state.calls.append(Call(method, args, 200, body, token))
            slow = self._slow.get(method)
            return 200, body, {"X-Fake-Delay": str(slow)} if slow else {}

    def _oauth(self, args: dict[str, Any]) -> dict[str, Any]:
        """`oauth.v2.access`: a code for a bot token (Slack's documented response), or, with
        `grant_type=refresh_token`, a rotating token for a fresh one."""
        if args.get("grant_type") == "refresh_token":
            old = next((t for t, i in self.installs.items() if i.refresh_token == args.get("refresh_token")), None)
            if old is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            install = self.installs[old]
            new = f"{old.split('~')[0]}~{len(self.installs)}"
            self.installs[new] = Install(
                install.team_id, install.enterprise_id, install.org_wide, install.team_name, f"xoxe-1-refresh-{new}"
            )
            self.revoked.add(old)
            return {
                "ok": True,
                "access_token": new,
                "token_type": "bot",
                "refresh_token": f"xoxe-1-refresh-{new}",
                "expires_in": 43200,
                "team": {"id": install.team_id},
                "enterprise": {"id": install.enterprise_id} if install.enterprise_id else None,
                "is_enterprise_install": install.org_wide,
            }
        granted = self.grants.pop(str(args.get("code")), None)
        if granted is None:
            return {"ok": False, "error": "invalid_code"}
        token, install = granted
        self.installs[token] = install
        body: dict[str, Any] = {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write,users:read",
            "bot_user_id": BOT_USER,
            "app_id": "A0INNOVATE",
            "team": None if install.org_wide else {"id": install.team_id, "name": install.team_name},
            "enterprise": {"id": install.enterprise_id, "name": "Fake Government"} if install.enterprise_id else None,
            "is_enterprise_install": install.org_wide,
            "authed_user": {"id": "U0INSTALL1"},
        }
        if install.refresh_token:
            body |= {"refresh_token": install.refresh_token, "expires_in": self.install_token_lifetime}
        return body

    def _refused_message(self, args: dict[str, Any]) -> str | None:
        """The error Slack answers a message with that breaks its limits (None when it keeps them)."""
        if len(str(args.get("text") or "")) > 40_000:
            return "msg_too_long"
        blocks = _decoded(args).get("blocks") or []
        if not isinstance(blocks, list) or len(blocks) > 50:
            return "invalid_blocks"
        for block in blocks:
            texts = [block.get("text"), *(block.get("fields") or []), *(block.get("elements") or [])]
            limit = 150 if block.get("type") == "header" else self.section_limit
            for text in texts:
                if isinstance(text, dict) and len(str(text.get("text", ""))) > limit:
                    return "invalid_blocks"
        return None

    def _next_ts(self) -> str:
        """A message timestamp as Slack makes them: the current time, unique within the channel."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _method(self, method: str, args: dict[str, Any], install: Install | None = None) -> dict[str, Any]:
        install = install or Install(WORKSPACE)
        match method:
            case "auth.test":
                answer = {
                    "ok": True,
                    "url": "https://fake.slack.com/",
                    "team": install.team_name,
                    "user": "innovationbot",
                    "team_id": install.team_id,
                    "user_id": BOT_USER,
                    "bot_id": "B0BOT00001",
                    "is_enterprise_install": install.org_wide,
                }
                if install.enterprise_id:
                    answer["enterprise_id"] = install.enterprise_id
                return answer
            case "functions.completeSuccess" | "functions.completeError":
                return {"ok": True}
            case "chat.postMessage":
                channel = args.get("channel")
                if not channel:
                    return {"ok": False, "error": "channel_not_found"}
                if not args.get("text") and not args.get("blocks"):
                    return {"ok": False, "error": "no_text"}
                refused = self._refused_message(args)
                if refused:
                    return {"ok": False, "error": refused}
                channel = _dm_channel(channel)  # posting to a user ID posts in the bot's DM with them
                ts = self._next_ts()
                message = {"type": "message", "user": BOT_USER, "ts": ts, **_decoded(args)}
                self.state.messages.setdefault(channel, []).append(message)
                return {"ok": True, "channel": channel, "ts": ts, "message": message}
            case "chat.update":
                refused = self._refused_message(args)
                if refused:
                    return {"ok": False, "error": refused}
                for message in self.state.messages.get(args.get("channel", ""), []):
                    if message["ts"] == args.get("ts"):
                        message.update(_decoded(args))
                        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
                return {"ok": False, "error": "message_not_found"}
            case "conversations.history" | "conversations.replies":
                oldest = float(args.get("oldest") or 0)
                if method == "conversations.history":  # the channel's own messages, not replies in threads
                    wanted = lambda m: m.get("thread_ts") in (None, m["ts"])  # noqa: E731
                else:  # the thread's parent and its replies
                    wanted = lambda m: args.get("ts") in (m["ts"], m.get("thread_ts"))  # noqa: E731
                messages = self.state.messages.get(args.get("channel", ""), [])
                found = [m for m in messages if float(m["ts"]) >= oldest and wanted(m)]
                keep_metadata = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
                shown = [m if keep_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in found]
                newest_first = method == "conversations.history"
                return {"ok": True, "messages": list(reversed(shown)) if newest_first else shown, "has_more": False}
            case "files.getUploadURLExternal":  # files_upload_v2, step 1 of 3
                if not args.get("filename") or not str(args.get("length", "")).isdigit():
                    return {"ok": False, "error": "invalid_arguments"}
                file_id = f"F{next(self._view_ids):010d}"
                return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
            case "files.completeUploadExternal":  # step 3: share what was uploaded (step 2 is a raw POST)
                shared = _decoded({"files": args.get("files")}).get("files")
                channel = str(args.get("channel_id", ""))
                if not isinstance(shared, list) or not all(f.get("id") in self.state.uploads for f in shared):
                    return {"ok": False, "error": "file_not_found"}
                for f in shared:
                    self.state.files.append({**f, "channel": channel, "data": self.state.uploads[f["id"]]})
                return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in shared]}
            case "conversations.open":
                users = str(args.get("users", ""))
                if not users or "," in users:
                    return {"ok": False, "error": "users_list_not_supplied" if not users else "not_supported"}
                return {"ok": True, "channel": {"id": _dm_channel(users)}}
            case "chat.getPermalink":
                channel, ts = args.get("channel", ""), str(args.get("message_ts", ""))
                if not any(m["ts"] == ts for m in self.state.messages.get(channel, [])):
                    return {"ok": False, "error": "message_not_found"}
                return {
                    "ok": True,
                    "channel": channel,
                    "permalink": f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}",
                }
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": self._next_ts()}
            case "views.open" | "views.push" | "views.update":
                view = _decoded(args).get("view")
                if not isinstance(view, dict):
                    return {"ok": False, "error": "invalid_arguments"}
                view_id = args.get("view_id") or f"V{next(self._view_ids):010d}"
                stored = {"id": view_id, "team_id": WORKSPACE, "hash": f"h{time.time_ns()}", **view}
                self.state.views[view_id] = stored
                if method == "views.open" and args.get("trigger_id"):
                    self.state.opened_by_trigger[str(args["trigger_id"])] = view_id
                return {"ok": True, "view": stored}
            case "views.publish":
                return {"ok": True, "view": _decoded(args).get("view")}
            case "conversations.info":
                channel = str(args.get("channel", ""))
                is_channel = channel[:1] in ("C", "G")
                return {
                    "ok": True,
                    "channel": {
                        "id": channel,
                        "name": channel.lower(),
                        "is_channel": is_channel,
                        "is_private": channel.startswith("G"),
                        "is_member": self.members_of.get(channel, True),
                    },
                }
            case "users.info":
                user = args.get("user", "")
                shown = self.names.get(user, "")
                profile = {  # the fields of Slack's user object that the bot reads, in its shape
                    "id": user,
                    "team_id": WORKSPACE,
                    "name": user.lower(),
                    "deleted": False,
                    "is_admin": user in self.admins,
                    "is_owner": False,
                    "real_name": shown,
                    "tz": "Europe/Brussels",
                    "tz_label": "Central European Time",
                    "tz_offset": 3600,
                    "profile": {"real_name": shown, "display_name": shown},
                }
                if str(args.get("include_locale", "")).lower() in ("true", "1"):
                    profile["locale"] = self.locales.get(user, "en-US")
                return {"ok": True, "user": profile}
            case _:
                return {"ok": False, "error": "unknown_method"}


def _dm_channel(channel: str) -> str:
    """The ID of the bot's DM with a user (Slack's are D…), or `channel` itself when it is no user ID."""
    return "D" + channel[1:] if channel[:1] in ("U", "W") else channel


def _decoded(args: dict[str, Any]) -> dict[str, Any]:
    """Form-encoded calls carry blocks and views as JSON strings; JSON calls carry them as objects."""
    out = dict(args)
    for key in ("blocks", "view", "attachments", "metadata", "files"):
        if isinstance(out.get(key), str):
            with contextlib.suppress(ValueError):
                out[key] = json.loads(out[key])
    return out


def _form(fields: dict[str, list[str]]) -> dict[str, Any]:
    """Form fields as single values (parse_qs gives lists); JSON bodies are left as they are."""
    return {key: values[0] if len(values) == 1 else values for key, values in fields.items()}


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._dispatch(_form(parse_qs(urlsplit(self.path).query)))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            path = urlsplit(self.path).path
            if path.startswith("/upload/"):  # a file's bytes, posted to the URL files.getUploadURLExternal gave
                with fake._lock:
                    fake.state.uploads[path.removeprefix("/upload/")] = self.rfile.read(length)
                self._send(200, {"ok": True}, {})
                return
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            if self.headers.get("Content-Type", "").startswith("application/json"):
                self._dispatch(json.loads(raw or "{}"))
            else:
                self._dispatch(_form(parse_qs(raw)))

        def _dispatch(self, args: dict[str, Any]) -> None:
            path = urlsplit(self.path).path
            if path.startswith("/respond/"):
                with fake._lock:
                    fake.state.responses.append(_decoded(args))
                self._send(200, {"ok": True}, {})
                return
            method = path.removeprefix("/api/")
            status, body, headers = fake._answer(method, args, self.headers.get("Authorization", ""))
            delay = headers.pop("X-Fake-Delay", None)
            if delay:
                time.sleep(float(delay))
            if status == 0:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self._send(status, body, headers)

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
