"""The one door from the domain to Slack's Web API, with Slack's failures sorted into two kinds."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from blocks.base import Message
from bot.text import is_user_id

log = logging.getLogger(__name__)

# Errors that say "not now" rather than "never": try again later.
_TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
# Errors an administrator can fix (invite the bot, reinstall the app): keep the message and keep trying.
CONFIGURATION_ERRORS = {
    "not_in_channel",
    "channel_not_found",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "missing_scope",
    "team_access_not_granted",
}


class SlackUnavailable(Exception):
    """Slack did not answer, or answered "not now" (5xx, 429, timeout)."""

    def __init__(self, reason: str, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.status = status  # the HTTP status (429: rate limited, the call did nothing); None: no answer


class SlackRejected(Exception):
    """Slack answered and refused the call; `error` is Slack's error code."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


MARKER_EVENT = "innovation_bot_post"


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


class Notifier(Protocol):
    """What the domain needs from Slack."""

    def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, marker: dict | None = None
    ) -> Posted: ...

    def find_post(
        self, channel: str, marker: dict, oldest: float, *, thread_ts: str | None = None
    ) -> Posted | None: ...

    def permalink(self, channel: str, ts: str) -> str: ...

    def update(self, channel: str, ts: str, message: Message) -> None: ...


class ShortRateLimitRetry(RateLimitErrorRetryHandler):
    """Waits out one 429 in place only when Slack asks for a second or less (a short burst limit); a longer
    Retry-After goes back to the caller, so that the outbox puts the message aside instead of holding a sender."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        values = response.headers.get("retry-after") or response.headers.get("Retry-After") or ["1"]
        value = values[0] if isinstance(values, list) else values
        try:
            return float(value) <= MAX_WAIT_IN_PLACE
        except ValueError:
            return False


MAX_WAIT_IN_PLACE = 1.0  # seconds


def make_web_client(token: str | None, base_url: str, timeout: float = 10) -> WebClient:
    """A WebClient that waits out one short 429 by itself (Slack did nothing with a call it refused so).

    slack_sdk's default also retries a dropped connection at once; that is left out on purpose: a
    connection that drops after Slack stored a message would post it twice. The outbox retries
    instead, after checking whether the first attempt was stored (`find_post`).
    """
    return WebClient(
        token=token, base_url=base_url, timeout=timeout, retry_handlers=[ShortRateLimitRetry(max_retry_count=1)]
    )


class SlackNotifier:
    """`Notifier` over slack_sdk's WebClient."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, marker: dict | None = None
    ) -> Posted:
        """Post a message; `marker` (message metadata) lets `find_post` recognise it later."""
        metadata = {"event_type": MARKER_EVENT, "event_payload": marker} if marker else None
        response = self._call(
            "chat_postMessage", channel=channel, thread_ts=thread_ts, metadata=metadata, **message.as_kwargs()
        )
        return Posted(channel=response["channel"], ts=response["ts"])

    def find_post(self, channel: str, marker: dict, oldest: float, *, thread_ts: str | None = None) -> Posted | None:
        """A message this bot posted in `channel` (or in the thread `thread_ts`) since `oldest` with
        `marker`, if there is one.

        Used before posting again when an earlier attempt's outcome is unknown (a crash, a timeout or a
        dropped connection after Slack had accepted the post), so that nothing is said twice. A DM
        (`channel` is a user ID) is looked for in the bot's conversation with that person, which needs
        the `im:write` and `im:history` scopes; without them the DM is sent again (at least once).
        """
        try:
            if thread_ts is not None:
                method, where = "conversations_replies", {"channel": channel, "ts": thread_ts}
            else:
                if is_user_id(channel):
                    channel = self._call("conversations_open", users=channel)["channel"]["id"]
                method, where = "conversations_history", {"channel": channel}
            response = self._call(method, **where, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=200)
        except SlackRejected as error:
            if error.error != "missing_scope":
                raise
            log.warning("cannot check whether a message was sent (missing_scope): sending it again")
            return None
        for message in response.get("messages", []):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == MARKER_EVENT and metadata.get("event_payload") == marker:
                return Posted(channel=channel, ts=message["ts"])
        return None

    def permalink(self, channel: str, ts: str) -> str:
        return self._call("chat_getPermalink", channel=channel, message_ts=ts)["permalink"]

    def update(self, channel: str, ts: str, message: Message) -> None:
        self._call("chat_update", channel=channel, ts=ts, **message.as_kwargs())

    def _call(self, method: str, **kwargs: object) -> dict:
        try:
            response = getattr(self.client, method)(**{k: v for k, v in kwargs.items() if v is not None})
        except SlackApiError as error:
            raise _classify(error) from None
        except (SlackClientError, OSError) as error:  # connection refused, reset, timeout
            raise SlackUnavailable(f"{type(error).__name__}: {error}") from None
        return response.data  # type: ignore[return-value]


def _classify(error: SlackApiError) -> Exception:
    status = error.response.status_code
    code = str(error.response.get("error", "unknown_error")) if isinstance(error.response.data, dict) else ""
    if status == 429 or status >= 500 or code in _TRANSIENT_ERRORS:
        retry_after = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
        if isinstance(retry_after, list):
            retry_after = retry_after[0]
        seconds = float(retry_after) if retry_after and str(retry_after).isdigit() else None
        return SlackUnavailable(f"HTTP {status} {code}".strip(), retry_after=seconds, status=status)
    return SlackRejected(code or f"http_{status}")
