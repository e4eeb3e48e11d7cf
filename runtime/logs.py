"""Logging: plain lines or one JSON object per line, each with the request id, never with a secret.

`configure()` is called once at start. Code that handles one Slack request runs inside
`request_context()`, so every line it logs (on any thread started with `ContextExecutor`) carries
the same `request_id`, which is also sent back in the `X-Request-Id` header.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Slack tokens, and the password part of a database URL, wherever they appear
_TOKEN = re.compile(r"\bx(?:ox[abpoesr]|app|wfp)-[A-Za-z0-9-]+")  # xwfp-: a workflow step's token
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")
REDACTED = "[redacted]"
# Libraries whose verbose lines hold request bodies, SQL or user ids, or are noise: their least level
_QUIET = {"slack_sdk": logging.INFO, "slack_bolt": logging.INFO, "urllib3": logging.INFO}
_QUIET |= {"sqlalchemy.engine": logging.WARNING, "apscheduler": logging.WARNING}


class Redactor:
    """Removes known secret values and anything shaped like a token or a URL password."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = _TOKEN.sub(REDACTED, text)
        return _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)


class TextFormatter(logging.Formatter):
    """`time level logger [request id]: message`, redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request)s: %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        record.request = f" [{record.request_id}]" if getattr(record, "request_id", None) else ""
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extra fields, exception."""

    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request"}

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {key: value for key, value in vars(record).items() if key not in self._standard}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(entry, default=str, ensure_ascii=False))


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def configure(level: str = "INFO", fmt: str = "text", secrets: Iterable[str | None] = ()) -> None:
    """Send every log line to stderr, as text or JSON (`fmt`), with secrets removed."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    root.setLevel(numeric)
    for name, least in _QUIET.items():
        logging.getLogger(name).setLevel(max(numeric, least))


@contextmanager
def request_context(given: str | None = None) -> Iterator[str]:
    """Run a block as one request: its log lines carry the id (a new one unless `given`)."""
    token = request_id.set(given or uuid.uuid4().hex[:16])
    try:
        yield request_id.get() or ""
    finally:
        request_id.reset(token)


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in the submitter's context, so they keep its request id."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)
