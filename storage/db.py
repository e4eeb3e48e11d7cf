"""Engine and session set-up for SQLite and PostgreSQL, and schema migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
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
    return create_engine(
        url,
        hide_parameters=True,  # errors must not show user ids or text (an anonymous author's, say) in logs
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=2,
        connect_args={"connect_timeout": 2},
    )


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

    def is_up(self) -> bool:
        """True when a trivial query succeeds."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def migrate(self) -> None:
        """Bring the schema to the newest migration (safe when several processes start at once)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()
