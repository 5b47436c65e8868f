"""Open a database: build the engine, apply migrations, hand out sessions.

SQLite (the default) runs in WAL mode with foreign keys on and a busy timeout, so
a server and a CLI command can share the file. PostgreSQL goes through psycopg 3.
Migrations run on open, under an advisory lock on PostgreSQL so that several
``serve`` processes starting together do not race. Alembic is imported only
when the schema needs a migration: on a current database it would add ~10 MiB
to every process for nothing.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

from activelabel.exceptions import (
    ConfigError,
    DatabaseError,
    DatabaseUnavailableError,
    MissingDriverError,
)
from activelabel.store.sqlite_time import read_timestamps_as_utc

__all__ = ["Store", "describe_url", "make_engine", "open_store"]

_MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest migration under ``migrations/versions`` (a test holds the two
#: equal): a database recording it needs no migration, and no alembic.
SCHEMA_REVISION = "0010"
# Any constant works; it only has to be the same in every process.
_PG_MIGRATION_LOCK = 0x61C71AB3


def describe_url(url: str | URL) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return str(url)


def _normalize(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"{url!r} is not a database URL; use sqlite:///path/to/file.db or "
            "postgresql+psycopg://user@host:5432/dbname."
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL + NORMAL is durable against a crashed process (kill -9), which is what a
    # labeling server must survive; only a power cut could lose the last commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def is_sqlite_file(url: URL) -> bool:
    """Whether ``url`` is a SQLite database in a file (not in memory)."""
    return url.get_backend_name() == "sqlite" and url.database not in (
        None,
        "",
        ":memory:",
    )


def make_engine(
    url: str, *, single_connection: bool = False, leases_only: bool = False
) -> Engine:
    """Build an engine for ``url`` with activelabel's connection settings.

    ``single_connection`` gives a pool of exactly one connection (the writer
    of a SQLite store, see :class:`Store`). ``leases_only`` (PostgreSQL) gives
    connections in autocommit mode that do not wait for the disk at commit,
    for :meth:`Store.lease_connection`.

    Raises :class:`MissingDriverError` when the driver is not installed and
    :class:`ConfigError` for a URL that cannot be parsed or a backend that is
    not supported.
    """
    parsed = _normalize(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"The database {describe_url(parsed)} uses {backend!r}; activelabel "
            "supports sqlite and postgresql."
        )
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
    elif leases_only:
        # No check of the connection before each use: that is one more round
        # trip per "next task", the very cost this engine exists to avoid. A
        # connection that died with a restarted database fails one request
        # (the page asks again) and SQLAlchemy then replaces the whole pool.
        kwargs["isolation_level"] = "AUTOCOMMIT"
        # No JIT: the queue's top-up (store/top_up.py) walks a few hundred
        # ids, but the planner cannot tell how few and costs it as a walk of
        # the whole pool, above the JIT threshold: compiling took 2.7 s.
        kwargs["connect_args"] = {"options": "-c synchronous_commit=off -c jit=off"}
    else:
        kwargs["pool_pre_ping"] = True
    # A server answers many annotators at once (uvicorn runs sync routes on up to
    # 40 threads); the default pool of 5 + 10 made the 16th request wait.
    if single_connection:
        kwargs["pool_size"], kwargs["max_overflow"] = 1, 0
    elif leases_only:
        # A lease statement takes a millisecond or two, so a few connections
        # serve many annotators; kept small because several servers may share
        # one database's connection limit.
        kwargs["pool_size"], kwargs["max_overflow"] = 5, 15
    elif parsed.database not in (None, "", ":memory:"):
        kwargs["pool_size"] = 20
        kwargs["max_overflow"] = 20
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise MissingDriverError(
            f"The driver for {describe_url(parsed)} is not installed ({exc}); "
            "install it with: pip install 'activelabel[postgres]'."
        ) from None
    if backend == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
        read_timestamps_as_utc(engine)
    return engine


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest migration this version of activelabel knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest), keeping all data."""
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
            )
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return _recorded_revision(connection)


def _recorded_revision(connection: Connection) -> str | None:
    # Alembic's own table, read without alembic; one row while the history
    # has no branches.
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


class Store:
    """An open database: an engine whose schema is current, and a session factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of one process that all want
        # to write queue on this lock (woken the moment it is free) instead of in
        # SQLite's busy handler, which sleeps in growing steps of up to 100 ms and
        # made 16 concurrent annotators wait up to a second for a free writer.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        self._write_sessions = self._sessions
        self.writer_engine = engine
        if is_sqlite_file(engine.url):
            # Every write on SQLite goes through one connection (the lock above
            # makes them take turns anyway). A connection throws its page cache
            # away whenever another one wrote since its last transaction; with
            # the writes on a pool of connections, each label re-read the
            # B-tree pages it needed. One writer keeps them.
            self.writer_engine = make_engine(
                engine.url.render_as_string(hide_password=False),
                single_connection=True,
            )
            self._write_sessions = sessionmaker(
                self.writer_engine, expire_on_commit=False
            )

        self._lease_engine: Engine | None = None

    @contextlib.contextmanager
    def lease_connection(self) -> Iterator[Connection]:
        """A PostgreSQL connection for single statements that write only leases.

        Autocommit: each statement is its own transaction, so a lease costs no
        BEGIN or COMMIT round trip. And the commit does not wait for its WAL
        record to reach the disk (``synchronous_commit`` off): a lease is soft
        state that expires, and one lost in a crash only frees its item. Labels
        are never written here. SQLite has no use for it (its statements run
        in process) and raises ``ConfigError``.
        """
        if self.dialect != "postgresql":
            raise ConfigError("A lease connection is for PostgreSQL only.")
        if self._lease_engine is None:
            self._lease_engine = make_engine(
                self.engine.url.render_as_string(hide_password=False),
                leases_only=True,
            )
        with self._lease_engine.connect() as connection:
            yield connection

    @contextlib.contextmanager
    def autocommit_connection(self) -> Iterator[Connection]:
        """A connection where each statement commits on its own (PostgreSQL).

        For a request whose writes are one statement: no BEGIN and COMMIT
        round trips around it. Commits wait for the disk as usual. On SQLite
        use :meth:`session` (its writes queue on this process's lock).
        """
        if self.dialect != "postgresql":
            raise ConfigError("An autocommit connection is for PostgreSQL only.")
        with self.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            yield connection

    @property
    def url(self) -> str:
        """The database URL with the password hidden."""
        return describe_url(self.engine.url)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error.

        ``write=True`` says the transaction will write. On SQLite it then waits
        for this process's writer lock and starts with ``BEGIN IMMEDIATE``, so
        it holds SQLite's write lock from its first statement: no other writer
        can slip in between its reads and its writes, and it never fails to
        upgrade a read lock. PostgreSQL needs neither (row locks).
        """
        if self._write_lock is None or not write:
            with self._sessions() as session, session.begin():
                yield session
            return
        with self._write_lock, self._write_sessions() as session, session.begin():
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
        if self.writer_engine is not self.engine:
            self.writer_engine.dispose()
        if self._lease_engine is not None:
            self._lease_engine.dispose()


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open the database at ``url``, creating or upgrading its schema.

    Raises :class:`DatabaseUnavailableError` with the URL (password hidden) and
    the server's reason when the database cannot be reached.
    """
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            recorded = _recorded_revision(connection)
        if migrate and recorded != SCHEMA_REVISION:
            upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailableError(
            f"Cannot open the database {describe_url(engine.url)}: {reason}. "
            "Check the URL given with --db or ACTIVELABEL_DB and that the server "
            "is running."
        ) from None
    except sqlite3.DatabaseError as exc:
        engine.dispose()
        raise DatabaseError(
            f"{describe_url(engine.url)} is not a usable SQLite database: {exc}."
        ) from None
    return Store(engine)
