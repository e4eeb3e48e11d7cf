"""Innovation Bot: `python main.py` starts the bot; subcommands administer it."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from typing import NoReturn

import typer
from dotenv import find_dotenv, load_dotenv

from bot.config import ConfigError, Settings, load_settings

cli = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Innovation Bot: ideas and challenges from Slack to the people who can act on them.",
)
log = logging.getLogger("innovation_bot")


@cli.callback(invoke_without_command=True)
def run(context: typer.Context) -> None:
    """Start the bot: Socket Mode if SLACK_APP_TOKEN is set, else HTTP on PORT."""
    if context.invoked_subcommand is not None:
        return
    settings = _settings()
    _logging()
    from handlers.runtime import BotRuntime

    runtime = BotRuntime(settings)
    _start(runtime)
    _check_token(runtime)
    try:
        if settings.socket_mode:
            _run_socket_mode(runtime)
        else:
            _run_http(runtime)
    finally:
        runtime.stop()
        log.info("stopped")


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date (the bot also does this when it starts)."""
    from storage.db import Database

    url = _database_url()
    database = Database.connect(url)
    try:
        database.migrate()
    except Exception as error:
        _fail(f"could not migrate the database: {_describe(error)}", code=1)
    typer.echo("database is up to date")


def _settings() -> Settings:
    load_dotenv(find_dotenv(usecwd=True))
    try:
        return load_settings(os.environ)
    except ConfigError as error:
        _fail(str(error))


def _database_url() -> str:
    from bot.config import DEFAULT_DATABASE_URL, normalise_database_url

    load_dotenv(find_dotenv(usecwd=True))
    try:
        return normalise_database_url(os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL)
    except ConfigError as error:
        _fail(str(error))


def _start(runtime) -> None:
    try:
        runtime.start()
    except Exception as error:
        _fail(f"could not open the database: {_describe(error)}", code=1)


def _check_token(runtime) -> None:
    """Fail fast on a token Slack refuses; carry on (and retry later) if Slack is just unreachable."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    try:
        runtime.client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error", "unknown_error")
        if code in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
            runtime.stop()
            _fail(f"SLACK_BOT_TOKEN was refused by Slack ({code}): copy the Bot User OAuth Token again")
        log.warning("Slack answered auth.test with %s; starting anyway", code)
    except (SlackClientError, OSError):
        log.warning("cannot reach Slack yet; starting anyway, messages wait in the outbox")


def _run_http(runtime) -> None:
    server = runtime.serve_http()
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    log.info("listening on port %s: POST /slack/events, GET /healthz", server.port)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()


def _run_socket_mode(runtime) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    health = runtime.serve_http(health_only=True)
    health.start_in_thread()
    handler = SocketModeHandler(runtime.app, runtime.settings.app_token)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    log.info("connecting to Slack in Socket Mode; GET /healthz on port %s", health.port)
    try:
        handler.connect()
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()
        health.close()


def _logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "INFO",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _describe(error: Exception) -> str:
    """One line about a database error, without the URL (it may hold a password)."""
    original = getattr(error, "orig", None) or error
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    return first_line[:300]


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    sys.exit(code)


if __name__ == "__main__":
    cli()
