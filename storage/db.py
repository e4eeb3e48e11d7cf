"""Engine and session set-up for SQLite and PostgreSQL, and schema migrations."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
BOUNDED_WORKERS = 4  # threads for `Database.within`
HEALTH_WAIT = 2.0  # seconds /healthz waits for the database before it says "down"
_MIGRATION_LOCK_ID = 7_310_411  # PostgreSQL advisory lock: one process migrates at a time


def normalise_url(url: str) -> str:
    """Accept the usual `postgresql://` and `postgres://` forms and route them to psycopg 3."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("DATABASE_URL must look like sqlite:///path.db or postgresql://user:pass@host:5432/db")
    scheme = scheme.lower()
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    if scheme == "sqlite":
        return url
    raise ValueError(f"DATABASE_URL uses an unsupported scheme '{scheme}': use sqlite:/// or postgresql://")


def make_engine(url: str) -> Engine:
    """An engine tuned for the bot: WAL and foreign keys on SQLite, short connect timeouts everywhere."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 2.0})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(
        url,
        hide_parameters=True,  # errors must not show user ids or text (an anonymous author's, say) in logs
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=2,
        connect_args=POSTGRES_TIMEOUTS,
    )
    event.listen(engine, "connect", _postgres_session_settings)
    return engine


# A database that stops answering (a network that drops packets, a host that froze) must cost an apology
# within seconds, not a hung request: libpq gives up connecting after 2 s, and a connection whose sent
# data goes unacknowledged for 2.5 s, or that answers no keepalive for ~9 s, is dropped.
POSTGRES_TIMEOUTS = {
    "connect_timeout": 2,
    "tcp_user_timeout": 2500,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
}
STATEMENT_TIMEOUT_MS = 10_000  # no request waits longer on a lock or a runaway query (migrations excepted)


def _postgres_session_settings(dbapi_connection, _record) -> None:
    # set on each new connection rather than in `options`, which would replace a URL's own options
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    dbapi_connection.commit()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=2000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """The bot's database: hands out sessions and knows whether it answers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-health")
        self._check: Future[bool] | None = None
        self._check_lock = threading.Lock()
        self._workers = ThreadPoolExecutor(max_workers=BOUNDED_WORKERS, thread_name_prefix="db-bounded")
        self._busy = threading.BoundedSemaphore(BOUNDED_WORKERS)

    @classmethod
    def connect(cls, url: str) -> Database:
        return cls(make_engine(url))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def is_up(self, within: float = HEALTH_WAIT) -> bool:
        """True when a trivial query succeeds within `within` seconds.

        A check that hangs (a database that stopped answering) is not waited for past `within`, and is
        not started again while it hangs: health checks answer promptly and never pile up threads.
        """
        with self._check_lock:
            if self._check is None or self._check.done():
                self._check = self._checks.submit(self._answers)
            check = self._check
        try:
            return check.result(timeout=within)
        except FutureTimeout:
            return False

    def within(self, seconds: float, work: Callable[[], T]) -> T:
        """`work()` (which uses the database) if it finishes within `seconds`; TimeoutError otherwise.

        For what must not hold up an acknowledgement when the database stops answering. When every
        worker is still stuck on earlier work, it fails at once instead of queueing behind them.
        """
        if not self._busy.acquire(blocking=False):
            raise TimeoutError("the database is not answering")
        try:
            future = self._workers.submit(work)
        except BaseException:
            self._busy.release()
            raise
        future.add_done_callback(lambda _: self._busy.release())
        return future.result(timeout=seconds)

    def _answers(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def migrate(self) -> list[str]:
        """Bring the schema to the newest migration (safe when several processes start at once);
        returns the revisions applied, oldest first (none when it was up to date)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        applied: list[str] = []
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL statement_timeout = 0"))  # a migration may take its time
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            config.attributes["connection"] = connection
            before = MigrationContext.configure(connection).get_current_revision()
            command.upgrade(config, "head")
            script = ScriptDirectory.from_config(config)
            applied = [rev.revision for rev in script.iterate_revisions("head", before or "base")][::-1]
        return applied

    def dispose(self) -> None:
        self._checks.shutdown(wait=False)
        self._workers.shutdown(wait=False)
        self.engine.dispose()
