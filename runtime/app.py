"""Wiring: one running bot (database, Slack client, outbox worker, Bolt app) and its HTTP server."""

from __future__ import annotations

import logging
import resource
import threading
import time
from datetime import timedelta

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.exc import SQLAlchemyError
from waitress import wasyncore
from waitress.server import create_server

import handlers
from bot import i18n
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.matching.matcher import Thresholds
from bot.matching.service import MatchService
from bot.nudges import Policy
from bot.workspaces import Workspaces
from bot.worktime import zone
from handlers.services import Services
from runtime.logs import ContextExecutor
from runtime.scheduler import DigestSchedule, Retention, Scheduler
from runtime.web import MAX_BODY, SlackWsgi
from slackapi.delivery import Channels, Delivery, RetryPolicy
from slackapi.installs import Clients, OAuthParts, oauth_parts, token_cipher
from slackapi.notifier import SlackNotifier, make_web_client
from slackapi.pacing import Pacer
from slackapi.people import Languages, People
from slackapi.worker import Worker
from storage import queries
from storage.db import Database

log = logging.getLogger(__name__)

MATCH_REFRESH_SECONDS = 5.0  # how soon this process sees ideas and projects written by others
# Listeners ack first, then finish their work (open a form, match, post) on the same thread; Bolt's
# default pool of 5 let five such tails hold up every other request's ack. Measured in bench/load.py.
LISTENER_THREADS = 32
HTTP_THREADS = 16
# Idle or trickling connections (a slowloris) must not lock Slack out: waitress reads every request in full
# on its event loop before a thread sees it, so held sockets cost only a file descriptor. Its default limit
# of 100 connections (and select(), capped at 1,024 descriptors) let ~100 silent sockets stop /healthz and
# every Slack request; poll() and a high limit keep serving, and a silent connection is closed after 20 s.
# Measured in bench/connections.py. A reverse proxy in front should still cap connections per address.
CONNECTION_LIMIT = 10_000
IDLE_SECONDS = 20


class BotRuntime:
    """Everything one bot process runs. `start()` migrates and starts delivery; `stop()` undoes it."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        self.settings = settings
        self.db = Database.connect(settings.database_url)
        self.client = self._client(settings.bot_token or None)
        self.workspaces = Workspaces(settings, timedelta(days=settings.uninstall_retention_days))
        self.oauth = self._oauth_parts() if settings.oauth else None
        self.clients = Clients(
            self._client,
            single=None if self.oauth else self.client,
            store=self.oauth.store if self.oauth else None,
            enterprise_of=self._enterprise_of,
            rotator=self._rotator() if self.oauth else None,
        )
        # a delivery makes at most a few Slack calls; its lease must outlast them, or a slow call looks dead
        retry = retry or RetryPolicy(lease=timedelta(seconds=6 * settings.slack_timeout))
        clock = self.clock = clock or SystemClock()
        pacer = Pacer(self.db, clock, posts_per_second=settings.posts_per_second)
        self.people = People(self.db, self.client, clock, client_for=self.clients.for_workspace, pacer=pacer)
        self.languages = Languages(self.people, settings.default_language, self._channel_languages)
        i18n.set_default(settings.default_language)
        channels = Channels(ideas=settings.ideas_channel, challenges=settings.challenges_channel)
        thresholds = Thresholds(duplicate=settings.match_duplicate_score, related=settings.match_related_score)
        self.matches = MatchService(
            self.db,
            thresholds,
            settings.match_model_dir,
            self.workspaces.shared_with,
            multilingual=settings.match_multilingual,
        )
        self.delivery = Delivery(
            self.db,
            SlackNotifier(self.client),
            clock,
            channels,
            retry,
            self.matches,
            self.languages,
            notifier_for=self._notifier_for,
            channels_for=self._channels_for,
            pacer=pacer,
            senders=settings.outbox_senders,
        )
        self.worker = Worker(
            "slack-delivery", self.delivery.deliver_due, poll_seconds, next_in=self.delivery.seconds_to_next
        )
        self.delivery.on_lane_done = self.worker.kick
        self.policy = Policy.from_settings(settings)
        weekday, at = settings.digest_schedule
        digest = DigestSchedule(settings.digest_channels, weekday, at, zone(settings.timezone))
        self.scheduler = Scheduler(
            self.db,
            clock,
            self.policy,
            self.people,
            self.worker.kick,
            settings.tick_seconds,
            digest=digest,
            retention=Retention(settings.retention_days, settings.keep_anonymous_author),
            workspaces=self.workspaces,
        )
        self.refresher = Worker("match-index-refresh", self.matches.refresh, MATCH_REFRESH_SECONDS)
        self.meaning = Worker("match-meaning", self.matches.embed_waiting, 1.0)
        self.services = Services(
            settings=settings,
            db=self.db,
            clock=clock,
            outbox=self.worker,
            matches=self.matches,
            policy=self.policy,
            time_zones=self.people,
            languages=self.languages,
            workspaces=self.workspaces,
        )
        self.listeners = ContextExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
        bolt_log = logging.getLogger("slack_bolt")
        bolt_log.addFilter(_not_the_token_warning)
        self.app = App(
            client=self.client,
            signing_secret=settings.signing_secret or "",
            token_verification_enabled=False,
            logger=bolt_log,
            listener_executor=self.listeners,
            oauth_flow=self.oauth.flow if self.oauth else None,
            authorize=self.oauth.authorize if self.oauth else None,
            installation_store=self.oauth.store if self.oauth else None,
        )
        handlers.register(self.app, self.services)
        self._server = None

    def _client(self, token: str | None) -> WebClient:
        return make_web_client(token, self.settings.slack_api_url, timeout=self.settings.slack_timeout)

    def _oauth_parts(self) -> OAuthParts:
        settings = self.settings
        assert settings.client_id and settings.client_secret and settings.token_encryption_key
        return oauth_parts(
            self.client,
            self.db.engine,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=settings.scopes,
            cipher=token_cipher(settings.token_encryption_key),
            redirect_uri=settings.redirect_uri,
            on_install=self._installed,
        )

    def _rotator(self) -> TokenRotator:
        assert self.settings.client_id and self.settings.client_secret
        return TokenRotator(
            client_id=self.settings.client_id, client_secret=self.settings.client_secret, client=self.client
        )

    def _installed(self, team_id: str | None, enterprise_id: str | None, name: str | None) -> None:
        with self.db.session() as session:
            self.workspaces.installed(
                session, team_id=team_id, enterprise_id=enterprise_id, name=name, now=self.clock.now()
            )

    def _channel_languages(self) -> dict[str, str]:
        try:
            with self.db.session() as session:
                return self.workspaces.channel_languages(session)
        except SQLAlchemyError:  # the database is away: the environment's choices until it is back
            log.warning("database unavailable: channel languages from the environment for now")
            return self.workspaces.defaults.languages()

    def _enterprise_of(self, workspace_id: str) -> str | None:
        with self.db.session() as session:
            row = queries.get_workspace(session, workspace_id)
            return row.enterprise_id if row is not None else None

    def _notifier_for(self, workspace_id: str | None) -> SlackNotifier | None:
        client = self.clients.for_workspace(workspace_id)
        return SlackNotifier(client) if client is not None else None

    def _channels_for(self, workspace_id: str | None) -> Channels:
        with self.db.session() as session:
            chosen = self.workspaces.settings_of(session, workspace_id)
        return Channels(ideas=chosen.ideas_channel, challenges=chosen.challenges_channel or chosen.ideas_channel)

    def start(self) -> None:
        self.db.migrate()
        indexed = self.matches.load()
        log.info("duplicate finder ready: %s projects, ideas and challenges indexed", indexed)
        self.worker.start()
        self.refresher.start()
        if self.matches.matcher.meanings is not None:
            log.info("meaning stage on: sentence vectors for %s documents are computed in the background", indexed)
            self.meaning.start()
        self.scheduler.start()

    def serve_http(
        self, host: str = "0.0.0.0", port: int | None = None, threads: int = HTTP_THREADS, *, health_only: bool = False
    ) -> HttpServer:
        """Create the HTTP server (port 0 picks a free one); call `.run()` or `.start_in_thread()` on it.

        `health_only` serves just /healthz, for Socket Mode.
        """
        wsgi = SlackWsgi(
            None if health_only else self.app,
            self.db,
            self.settings.signing_secret or "",
            clock=self.clock,
            outbox_max_age=self.settings.outbox_max_age,
        )
        _allow_open_files(CONNECTION_LIMIT + 1_000)
        return HttpServer(
            create_server(
                wsgi,
                host=host,
                port=self.settings.port if port is None else port,
                threads=threads,
                max_request_body_size=8 * MAX_BODY,  # above this waitress drops the connection; below, a 413
                ident="innovation-bot",
                connection_limit=CONNECTION_LIMIT,
                asyncore_use_poll=True,
                channel_timeout=IDLE_SECONDS,
                cleanup_interval=5,
            )
        )

    def stop(self) -> None:
        """Stop in order: listeners finish what they acked, then the background jobs, then the database."""
        self.listeners.shutdown(wait=True)
        self.scheduler.stop()
        self.refresher.stop()
        self.meaning.stop()
        self.worker.stop()
        self.delivery.close()
        self.db.dispose()


def _allow_open_files(wanted: int) -> None:
    """Raise this process's soft limit of open files towards `wanted` (never above the hard limit), so that
    the connection limit, not the file limit, is what a flood of sockets meets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class HttpServer:
    """A waitress server that runs in the foreground or in a thread and stops gracefully.

    `close()` (or SIGTERM in `main.py`) stops accepting connections, lets requests in flight finish
    and flush their responses (up to `grace` seconds), then ends the loop.
    """

    def __init__(self, server, grace: float = 10.0) -> None:
        self._server = server
        self._grace = grace
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    def run(self) -> None:
        """Serve until `close()` is called; returns when in-flight requests are done."""
        server, loop_map = self._server, self._server._map
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=0.1, map=loop_map, use_poll=True, count=1)
            server.close()  # stop accepting; the listening socket leaves the map
            deadline = time.monotonic() + self._grace
            while self._busy() and time.monotonic() < deadline:
                wasyncore.loop(timeout=0.05, map=loop_map, use_poll=True, count=1)
            wasyncore.close_all(loop_map)
            server.task_dispatcher.shutdown(timeout=self._grace)
        finally:
            self._stopped.set()

    def start_in_thread(self) -> None:
        self._thread = threading.Thread(target=self.run, name="http", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Ask the server to stop; safe from a signal handler or another thread."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(self._grace + 5)

    def _busy(self) -> bool:
        dispatcher = self._server.task_dispatcher
        if dispatcher.queue or dispatcher.active_count:
            return True
        return any(getattr(channel, "total_outbufs_len", 0) for channel in self._server._map.values())


def _not_the_token_warning(record: logging.LogRecord) -> bool:
    """Drop Bolt's "token will be unused": Bolt reads SLACK_BOT_TOKEN from the environment by itself and
    warns that the client given (which holds that same token) wins; every start would log it for nothing."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()
