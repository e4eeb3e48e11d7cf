"""Innovation Bot: `python main.py` starts the bot; subcommands administer it."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from dotenv import find_dotenv, load_dotenv

from bot.config import ConfigError, Settings, load_settings, schedule_settings

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
    load_dotenv(find_dotenv(usecwd=True))
    no_slack = not (os.environ.get("SLACK_BOT_TOKEN", "").strip() or os.environ.get("SLACK_CLIENT_ID", "").strip())
    if no_slack and sys.stdin.isatty() and sys.stdout.isatty():
        typer.echo("No SLACK_BOT_TOKEN: starting the local console instead (README, 'Setting up the Slack app').")
        context.invoke(console, sample=False, start=None)
        return
    settings = _settings()
    _logging(settings)
    from runtime.app import BotRuntime

    runtime = BotRuntime(settings)
    _start(runtime)
    if not settings.oauth:  # with OAuth, each workspace's token is checked by Slack on its first request
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
def console(
    sample: Annotated[bool, typer.Option("--sample", help="Load a small demo registry of past projects.")] = False,
    start: Annotated[
        str | None, typer.Option(help="Start the clock at this UTC time (2026-11-27T14:00), for demos.")
    ] = None,
) -> None:
    """Try the bot without Slack: a local workspace in the terminal, on the default database."""
    from console.repl import Console

    load_dotenv(find_dotenv(usecwd=True))
    try:
        schedule = schedule_settings(os.environ)
    except ConfigError as error:
        _fail(str(error))
    from runtime.logs import configure

    configure(os.environ.get("LOG_LEVEL") or "WARNING")
    from datetime import UTC, datetime

    try:
        clock_start = datetime.fromisoformat(start).replace(tzinfo=UTC) if start else None
    except ValueError:
        _fail("--start takes a date and time like 2026-11-27T14:00")
    session = Console(_database_url(), schedule, start=clock_start)
    try:
        if sample:
            typer.echo(f"sample registry: {session.load_sample()}")
        session.run()
    finally:
        session.close()


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date (the bot also does this when it starts)."""
    from storage.db import Database

    url = _database_url()
    database = Database.connect(url)
    try:
        applied = database.migrate()
    except Exception as error:
        _fail(f"could not migrate the database: {_describe(error)}", code=1)
    if applied:
        typer.echo(f"applied {len(applied)} migration(s): {', '.join(applied)}; the database is up to date")
    else:
        typer.echo("nothing to apply: the database was already up to date")


@cli.command("import-projects")
def import_projects(
    file: Annotated[Path, typer.Argument(help="A .csv, .json or .jsonl file of past projects.")],
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="COLUMN=FIELD for a column with an unusual name.")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Refuse the whole file if any row is bad.")] = False,
    source: Annotated[str | None, typer.Option(help="Where the data comes from (default: the file name).")] = None,
) -> None:
    """Add or update past projects in the registry (matched by their id)."""
    from rich.progress import Progress

    from bot.clock import SystemClock
    from bot.registry import ImportRefused
    from bot.registry import import_projects as run_import

    if not file.is_file():
        _fail(f"no such file: {file}")
    overrides = {}
    for item in mapping or []:
        column, sep, field_name = item.partition("=")
        if not sep or not column or not field_name:
            _fail(f"--map takes COLUMN=FIELD, not {item!r}")
        overrides[column] = field_name
    database = _database()
    try:
        with Progress(transient=True, disable=not sys.stderr.isatty()) as progress, database.session() as session:
            task = progress.add_task("importing", total=None)
            report = run_import(
                session,
                file,
                now=SystemClock().now(),
                overrides=overrides,
                strict=strict,
                source=source,
                progress=lambda done: progress.advance(task, done),
            )
    except ImportRefused as error:
        _fail(str(error))
    for line, reason in report.rejected[:50]:
        typer.echo(f"line {line}: {reason}", err=True)
    if len(report.rejected) > 50:
        typer.echo(f"... and {len(report.rejected) - 50} more rejected rows", err=True)
    for line, what in report.cut[:50]:
        typer.echo(f"line {line}: {what}", err=True)
    typer.echo(report.summary())


@cli.command()
def similar(
    text: Annotated[str | None, typer.Argument(help="The idea's title (and text) to look up.")] = None,
    batch: Annotated[Path | None, typer.Option(help="A .jsonl file of {id, title, description} lines.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many matches per query.")] = 10,
) -> None:
    """Show the past projects, ideas and challenges most like TEXT (or each line of --batch)."""
    import json

    from bot.matching.service import MatchService

    if (text is None) == (batch is None):
        _fail('give either TEXT or --batch FILE, for example: python main.py similar "parking chatbot"')
    from bot.config import match_settings
    from bot.matching.matcher import Thresholds

    try:
        settings = match_settings(os.environ)
    except ConfigError as error:
        _fail(str(error))
    thresholds = Thresholds(duplicate=settings["match_duplicate_score"], related=settings["match_related_score"])
    service = MatchService(
        _database(), thresholds, settings["match_model_dir"], multilingual=settings["match_multilingual"]
    )
    service.load()
    service.embed_waiting(limit=None)  # with the meaning stage: every vector now (about 40 texts a second)
    if batch is not None:
        _similar_batch(service, batch, as_json, limit)
        return
    found = service.find(text or "", limit=limit)
    if as_json:
        typer.echo(json.dumps([_match_json(f) for f in found], ensure_ascii=False, indent=2))
        return
    _print_matches(found)


@cli.command("fetch-model")
def fetch_model(
    folder: Annotated[Path, typer.Argument(help="Where to put the model.")] = Path("models/all-MiniLM-L6-v2"),
) -> None:
    """Download the optional meaning stage's model (all-MiniLM-L6-v2, 90 MB; needs the meaning extra to use)."""
    from bot.matching.meaning import fetch_model as fetch

    try:
        fetch(folder)
    except (OSError, ValueError, subprocess.CalledProcessError) as error:
        _fail(f"could not fetch the model: {error}")
    typer.echo(f"model ready; to use it, set MATCH_MODEL_DIR={folder}")


reviewers_cli = typer.Typer(help="Who reviews the ideas of each team or department.", no_args_is_help=True)
cli.add_typer(reviewers_cli, name="reviewers")


@reviewers_cli.command("list")
def reviewers_list() -> None:
    """Show every team and its reviewers."""
    from bot.reviewers import list_reviewers

    with _database().session() as session:
        mappings = list_reviewers(session)
    if not mappings:
        typer.echo("no teams mapped yet: ideas go to REVIEWERS (and the INNOVATION_TEAM)")
    for mapping in mappings:
        typer.echo(f"{mapping.team}: {', '.join(mapping.reviewers)}")


@reviewers_cli.command("set")
def reviewers_set(
    team: Annotated[str, typer.Argument(help="The team or department, as people write it in the idea form.")],
    user_ids: Annotated[str, typer.Argument(help="Comma-separated Slack user IDs, like U0123,U0456.")],
) -> None:
    """Make USER_IDS the reviewers of TEAM's ideas (from now on)."""
    from bot.clock import SystemClock
    from bot.reviewers import parse_user_ids, set_reviewers

    try:
        ids = parse_user_ids(user_ids)
        with _database().session() as session:
            mapping = set_reviewers(session, team, ids, SystemClock().now())
    except ValueError as error:
        _fail(str(error))
    typer.echo(f"{mapping.team}: {', '.join(mapping.reviewers)}")


@reviewers_cli.command("remove")
def reviewers_remove(team: str) -> None:
    """Forget TEAM's reviewers (its ideas go to REVIEWERS)."""
    from bot.reviewers import remove_reviewers

    with _database().session() as session:
        removed = remove_reviewers(session, team)
    if not removed:
        _fail(f"no reviewers are set for {team!r}")
    typer.echo(f"removed {team}")


outbox_cli = typer.Typer(help="What is owed to Slack: list it, retry or drop an entry.", no_args_is_help=True)
cli.add_typer(outbox_cli, name="outbox")


@outbox_cli.command("list")
def outbox_list() -> None:
    """Every message still owed to Slack, or given up on, with why it waits."""
    from bot.clock import SystemClock
    from storage import queries

    now = SystemClock().now()
    with _database().session() as session:
        entries = queries.unsent(session)
    if not entries:
        typer.echo("nothing is owed to Slack")
        return
    for entry in entries:
        typer.echo(f"{entry.id}\t{entry.kind} {entry.subject_id}\t{entry.status}\t{_why_waiting(entry, now)}")
    owed = sum(entry.status == "pending" for entry in entries)
    typer.echo(f"{owed} owed, {len(entries) - owed} given up (retry one with: main.py outbox retry ID)")


def _why_waiting(entry, now) -> str:
    """Why an outbox entry is not sent yet, as an administrator reads it."""
    from storage import queries

    if entry.status == "failed":
        return f"given up: {entry.last_error or 'unknown error'}"
    wait = (entry.next_attempt_at - now).total_seconds()
    when = f"next try in {round(wait)} s" if wait > 0 else "due now"
    if entry.lease_until is not None and entry.lease_until > now:
        return f"being sent (attempt {entry.attempts})"
    if entry.last_error and entry.last_error.startswith(queries.PACED):
        held = entry.last_error.removeprefix(queries.PACED)
        if held.startswith("Retry-After from "):
            return f"next try in {max(round(wait), 0)} s: Slack asked to wait (429 {held})"
        from slackapi.pacing import TURN_TAKEN

        destination = held.removesuffix(TURN_TAKEN).rsplit(":", 1)[-1]
        return f"next try in {max(round(wait), 0)} s: paced, waiting for its turn in {destination} (Slack's rate limit)"
    if entry.last_error:
        return f"{when}, after {entry.attempts} attempt(s): {entry.last_error}"
    return when


@outbox_cli.command("retry")
def outbox_retry(outbox_id: Annotated[int, typer.Argument(help="The entry's number, from outbox list.")]) -> None:
    """Try an owed or given-up entry again now (the running bot sends it)."""
    from bot.clock import SystemClock
    from storage import queries

    with _database().session() as session:
        found = queries.retry_now(session, outbox_id, SystemClock().now())
    if not found:
        _fail(f"no unsent outbox entry {outbox_id}: see main.py outbox list")
    typer.echo(f"entry {outbox_id} is owed again; the running bot sends it within a few seconds")


@outbox_cli.command("drop")
def outbox_drop(outbox_id: Annotated[int, typer.Argument(help="The entry's number, from outbox list.")]) -> None:
    """Give up on an owed entry: it is never sent (it stays listed, as given up)."""
    from storage import queries

    with _database().session() as session:
        pending = any(e.id == outbox_id and e.status == "pending" for e in queries.unsent(session))
        if pending:
            queries.mark_failed(session, outbox_id, "dropped by an administrator")
    if not pending:
        _fail(f"no owed outbox entry {outbox_id}: see main.py outbox list")
    typer.echo(f"entry {outbox_id} dropped: it will not be sent")


workspaces_cli = typer.Typer(
    help="The workspaces the bot serves (OAuth installs): list them, erase one's data now, reseal their tokens.",
    no_args_is_help=True,
)
cli.add_typer(workspaces_cli, name="workspaces")


@workspaces_cli.command("list")
def workspaces_list() -> None:
    """Every workspace the bot has served: installed or not, and when its data is erased."""
    from storage import queries

    with _database().session() as session:
        rows = queries.workspaces(session)
        counts = {row.id: len(queries.ideas_in_workspace(session, row.id)) for row in rows}
    if not rows:
        typer.echo("no workspace yet: install the app from /slack/install (or send the bot a command)")
        return
    for row in rows:
        if row.uninstalled_at is None:
            state = "installed"
        else:
            erase = row.erase_after.date().isoformat() if row.erase_after else "never"
            state = f"uninstalled {row.uninstalled_at.date().isoformat()}, data erased on {erase}"
        org = f" (organisation {row.enterprise_id})" if row.enterprise_id else ""
        typer.echo(f"{row.id}\t{row.name or '-'}{org}\t{counts[row.id]} idea(s)\t{state}")


@workspaces_cli.command("erase")
def workspaces_erase(
    team_id: Annotated[str, typer.Argument(help="The workspace's ID (T…), from workspaces list.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation (for scripts).")] = False,
) -> None:
    """Erase everything a workspace holds (ideas, challenges, people, settings, what it is owed) now."""
    from storage import queries

    with _database().session() as session:
        row = queries.get_workspace(session, team_id)
    if row is None:
        _fail(f"no workspace {team_id}: see main.py workspaces list")
    if row.uninstalled_at is None and not yes:
        _fail(f"{team_id} still has the app installed: uninstall it in Slack first, or add --yes")
    if not yes:
        if not sys.stdin.isatty():
            _fail("erasure cannot be undone: run it in a terminal to confirm, or add --yes")
        typer.confirm(f"Erase every idea, challenge and person of {team_id}? This cannot be undone", abort=True)
    with _database().session() as session:
        counts = queries.erase_workspace(session, team_id)
    for kind, count in sorted(counts.items()):
        if count:
            typer.echo(f"{kind}: {count}")
    typer.echo(f"{team_id} erased")


@workspaces_cli.command("reseal")
def workspaces_reseal() -> None:
    """Encrypt every stored token with the first key of TOKEN_ENCRYPTION_KEY (after putting a new key first);
    the old key can be removed afterwards."""
    from cryptography.fernet import InvalidToken

    from slackapi.installs import SealedInstallationStore, token_cipher

    settings = _settings()
    if not settings.oauth or not settings.token_encryption_key:
        _fail("no OAuth installs to reseal: SLACK_CLIENT_ID and TOKEN_ENCRYPTION_KEY are not set")
    store = SealedInstallationStore(settings.client_id, _database().engine, token_cipher(settings.token_encryption_key))
    try:
        changed = store.reseal()
    except InvalidToken:
        _fail("a stored token opens with none of the keys in TOKEN_ENCRYPTION_KEY: put the old key back after the new")
    typer.echo(f"{changed} install(s) encrypted with the first key: the other keys may now be removed")


@cli.command("new-key")
def new_key() -> None:
    """Print a new TOKEN_ENCRYPTION_KEY (a Fernet key) to put in .env."""
    from cryptography.fernet import Fernet

    typer.echo(Fernet.generate_key().decode())


privacy_cli = typer.Typer(
    help="A person's rights over their data: see everything kept about them, or erase it (PRIVACY.md).",
    no_args_is_help=True,
)
cli.add_typer(privacy_cli, name="privacy")
UserIdArgument = Annotated[str, typer.Argument(help="The person's Slack user ID (U… or W…).")]
WorkspaceOption = Annotated[str | None, typer.Option("--workspace", help="Only this workspace's data (T…).")]


@privacy_cli.command("export")
def privacy_export(user_id: UserIdArgument, workspace: WorkspaceOption = None) -> None:
    """Print everything kept about USER_ID as one JSON document (a subject-access request, GDPR art. 15)."""
    import json

    from bot.clock import SystemClock
    from bot.privacy import personal_data

    _check_user_id(user_id)
    with _database().session() as session:
        document = personal_data(session, user_id, SystemClock().now(), workspace)
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


@privacy_cli.command("erase")
def privacy_erase(
    user_id: UserIdArgument,
    workspace: WorkspaceOption = None,
    content: Annotated[
        bool, typer.Option("--content", help="Also remove what they wrote (their ideas are withdrawn).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation (for scripts).")] = False,
) -> None:
    """Erase USER_ID's identity everywhere (GDPR art. 17): a tombstone takes its place; Slack posts follow."""
    from bot.clock import SystemClock
    from bot.privacy import erase

    _check_user_id(user_id)
    what = "their identity and everything they wrote" if content else "their identity (what they wrote stays)"
    if not yes:
        if not sys.stdin.isatty():
            _fail("erasure cannot be undone: run it in a terminal to confirm, or add --yes")
        typer.confirm(f"Erase {what} for {user_id}? This cannot be undone", abort=True)
    with _database().session() as session:
        report = erase(session, user_id, SystemClock().now(), workspace_id=workspace, content=content)
    if not report.anything:
        typer.echo(f"nothing kept about {user_id}: nothing to erase")
        return
    for kind, count in sorted(report.changed.items()):
        typer.echo(f"{kind}: {count}")
    typer.echo(f'{user_id} is now {report.tombstone} (shown in Slack as "a former colleague")')
    if report.posts_to_update:
        typer.echo(f"{report.posts_to_update} Slack post(s) will be updated by the running bot (the outbox)")
    if report.ideas_without_reviewer:
        ids = ", ".join(map(str, report.ideas_without_reviewer))
        typer.echo(f"open ideas left without a reviewer (the innovation team can still decide): {ids}")
    typer.echo(
        "not changed: thread replies and direct messages already posted (Slack keeps those under the workspace's "
        "own retention), and App Homes until their owners open them again; see PRIVACY.md"
    )


def _check_user_id(user_id: str) -> None:
    from bot.text import is_user_id

    if not is_user_id(user_id):
        _fail(f"{user_id!r} is not a Slack user ID: they look like U0123ABCD (or W… in Enterprise Grid)")


@cli.command()
def export(
    file: Annotated[Path, typer.Argument(help="Where to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
) -> None:
    """Write ideas, challenges, decisions and comments to FILE (anonymous authors as "anonymous")."""
    from bot.export import write_export

    if fmt not in ("csv", "json"):
        _fail("--format takes csv or json")
    with _database().session() as session:
        count = write_export(session, file, fmt)
    typer.echo(f"wrote {count} records to {file}")


@cli.command()
def digest(
    preview: Annotated[bool, typer.Option("--preview", help="Print this week's digest so far.")] = False,
    send: Annotated[bool, typer.Option("--send", help="Send it now to DIGEST_CHANNELS.")] = False,
) -> None:
    """The weekly digest: --preview prints it, --send posts it now."""
    from datetime import timedelta

    from blocks.digest import digest_text
    from bot.clock import SystemClock
    from bot.digest import build_digest, last_scheduled, owe_digest
    from bot.worktime import zone
    from storage import queries

    if preview == send:
        _fail("give --preview or --send")
    load_dotenv(find_dotenv(usecwd=True))
    try:
        schedule = schedule_settings(os.environ)
    except ConfigError as error:
        _fail(str(error))
    now = SystemClock().now()
    weekday, at = schedule["digest_schedule"]
    start = last_scheduled(now, weekday, at, zone(schedule["timezone"]))
    start = start if start < now else start - timedelta(days=7)
    if preview:
        with _database().session() as session:
            typer.echo(digest_text(build_digest(session, start, now), queries.names(session)))
        return
    settings = _settings()
    if not settings.digest_channels:
        _fail("DIGEST_CHANNELS is not set: give the channel IDs the digest goes to")
    from runtime.app import BotRuntime

    runtime = BotRuntime(settings)
    runtime.db.migrate()
    with runtime.db.session() as session:
        for channel in settings.digest_channels:
            owe_digest(session, channel, start, now, now)
    runtime.delivery.deliver_due()
    runtime.stop()
    typer.echo(f"digest sent to {len(settings.digest_channels)} channel(s)")


def _similar_batch(service, batch: Path, as_json: bool, limit: int) -> None:
    """One answer per line of a JSONL file, in its order: with --json one JSON line each (its id, else its line
    number, and its matches or an `error`), else a table each; exits 1 when no line could be used."""
    import json

    try:
        lines = batch.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        _fail(f"cannot read {batch}: {_describe(error)}")
    usable = 0
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
            title, description = str(item["title"]), str(item.get("description") or "")
            key = item.get("id", number)
        except (ValueError, KeyError, TypeError):
            error = 'needs a JSON object with a title, like {"id": "a1", "title": "Parking chatbot"}'
            typer.echo(f"line {number}: {error}", err=True)
            if as_json:
                typer.echo(json.dumps({"id": number, "line": number, "error": error}))
            continue
        usable += 1
        found = service.find(title, description, limit=limit)
        if as_json:
            matches = [_match_json(f) for f in found]
            typer.echo(json.dumps({"id": key, "line": number, "matches": matches}, ensure_ascii=False))
        else:
            typer.echo(f"\n{key}: {title}")
            _print_matches(found)
    if not usable:
        _fail(f"no line of {batch} could be used: write one JSON object per line, with at least a title", code=1)


def _match_json(found) -> dict:
    return {
        "external_id": found.external_id,
        "kind": found.kind,
        "title": found.title,
        "score": found.score,
        "verdict": found.verdict,
        "status": found.status,
        "organisation": found.organisation,
        "url": found.url,
        "reason": found.reason,
    }


def _print_matches(found) -> None:
    from rich.console import Console
    from rich.table import Table

    if not found:
        typer.echo("no matches")
        return
    table = Table("score", "verdict", "title", "status", "organisation", "why")
    for item in found:
        table.add_row(
            str(item.score), item.verdict or "", item.title, item.status or "", item.organisation or "", item.reason
        )
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def _database():
    """The migrated database named by DATABASE_URL (no Slack settings needed)."""
    from storage.db import Database

    database = Database.connect(_database_url())
    try:
        database.migrate()
    except Exception as error:
        _fail(f"could not open the database: {_describe(error)}", code=1)
    return database


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


def _logging(settings: Settings) -> None:
    from runtime.logs import configure

    configure(settings.log_level, settings.log_format, secrets=settings.secrets())


def _describe(error: Exception) -> str:
    """One line about a database error, without the URL (it may hold a password)."""
    original = getattr(error, "orig", None) or error
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    return first_line[:300]


def _fail(message: str, code: int = 2) -> NoReturn:
    for line in message.splitlines() or [""]:  # several problems: one line each
        typer.echo(f"error: {line}", err=True)
    sys.exit(code)


if __name__ == "__main__":
    cli()
