"""Shared fixtures: a database on each backend, an open store, and projects.

``db_url`` is parametrized over ``sqlite`` (a file in the test's tmp dir) and
``postgresql`` (marked ``postgres``; deselect with ``-m "not postgres"``). The
PostgreSQL server comes from ``ACTIVELABEL_TEST_PG_URL`` (default: the trust-auth
server on 127.0.0.1:5432, maintenance database ``test``); one fresh database
``al_test_<hex>`` is created per test run and dropped at the end, and its tables are
emptied before each test, so every test starts from an empty schema on both
backends. When the server cannot be reached the PostgreSQL variants are skipped.

Typical use::

    def test_something(store, project_factory):
        project = project_factory(items=[{"text": "a"}, {"text": "b"}])
        with store.session() as session:
            ...
"""

from __future__ import annotations

import graphlib
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from activelabel.store.engine import Store, open_store
from activelabel.store.models import Item, Project
from activelabel.store.projects import create_project

_DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# pytest-xdist starts its workers with COLUMNS=80, and the command line's rich
# console takes a COLUMNS it finds at import as its fixed width: the tests that
# invoke a command with a wider COLUMNS would get an 80-column table. A worker
# has no terminal, so leave the width to each command, as without workers.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as a plain libpq connection string for psycopg."""
    return (
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test run (dropped at the end)."""
    psycopg = pytest.importorskip("psycopg")
    admin_url = os.environ.get("ACTIVELABEL_TEST_PG_URL", _DEFAULT_PG)
    name = f"al_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(_libpq(admin_url), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {make_url(admin_url).host} is unreachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(admin_url)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(_libpq(admin_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_pg_tables(url: str) -> None:
    """Empty every table except the migration stamp and restart the id sequences
    that were used, so each test starts as after ``TRUNCATE ... RESTART IDENTITY``.

    Only the tables that hold rows are emptied, children before parents, with
    ``DELETE``: a test fills a few tables with a few rows, and truncating all of
    them (each one a new file on disk) took most of a second per test.
    """
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ]
        if not tables:
            return
        filled = {
            row[0]
            for row in conn.execute(
                " UNION ALL ".join(
                    f"(SELECT '{t}' WHERE EXISTS (SELECT FROM \"{t}\"))" for t in tables
                )
            )
        }
        references = conn.execute(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text "
            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE c.contype = 'f' AND n.nspname = 'public'"
        ).fetchall()
        parents: dict[str, set[str]] = {t: set() for t in tables}
        for child, parent in references:
            child, parent = child.strip('"'), parent.strip('"')
            if child in parents and parent in parents and child != parent:
                parents[child].add(parent)
        # Parents first from the sorter; deleted in reverse, children first.
        order = list(graphlib.TopologicalSorter(parents).static_order())
        statements = [f'DELETE FROM "{t}"' for t in reversed(order) if t in filled]
        statements += [
            f'ALTER SEQUENCE "{row[0]}" RESTART'
            for row in conn.execute(
                "SELECT sequencename FROM pg_sequences "
                "WHERE schemaname = 'public' AND last_value IS NOT NULL"
            )
        ]
        if statements:
            with conn.transaction():
                for statement in statements:
                    conn.execute(statement)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A database URL with nothing in it yet, once per backend.

    The SQLite file lives in its own temporary directory, not in ``tmp_path``,
    so a test's ``tmp_path`` holds only the files the test itself writes.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'activelabel.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    _empty_pg_tables(url)
    return url


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file that ``open_store`` migrated to the newest schema, once per run.

    ``store`` starts each SQLite test from a copy of it: migrating a new file
    costs most of a second on a busy machine, and some 700 tests open one. That
    an empty database migrates is tested on its own (``test_store.py``).
    """
    path = tmp_path_factory.mktemp("migrated") / "activelabel.db"
    open_store(f"sqlite:///{path}").close()
    # Closing the last connection checkpoints the WAL into the file: the file
    # alone is the whole database.
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def store(db_url: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """An open, migrated store on ``db_url``; closed after the test."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database:
        database = Path(url.database)
        if not database.exists():
            shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), database)
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()


ProjectFactory = Callable[..., Project]


@pytest.fixture
def project_factory(store: Store) -> ProjectFactory:
    """Create projects (and optionally their items) in ``store``.

    ``project_factory(name="p", task="classification", labels=("ham", "spam"),
    modality="text", items=[{"text": "a"}, ...], config=None)`` returns the
    committed :class:`Project`. Each item dict becomes an item's ``data``; its
    ``external_id`` is ``item-<index>`` unless the dict is given under
    ``items=[("my-id", {...}), ...]``. Names default to ``project-<n>``.
    """
    counter = iter(range(1, 1_000_000))

    def make(
        name: str | None = None,
        *,
        task: str = "classification",
        labels: Sequence[str] = ("ham", "spam"),
        modality: str = "text",
        items: Sequence[Mapping[str, Any] | tuple[str, Mapping[str, Any]]] = (),
        config: dict[str, Any] | None = None,
    ) -> Project:
        with store.session() as session:
            project = create_project(
                session,
                name=name or f"project-{next(counter)}",
                task=task,
                labels=list(labels),
                modality=modality,
                settings=config,
            )
            rows = []
            for index, entry in enumerate(items):
                external_id, data = (
                    entry if isinstance(entry, tuple) else (f"item-{index}", entry)
                )
                blob = json.dumps(dict(data), sort_keys=True, default=str)
                rows.append(
                    {
                        "project_id": project.id,
                        "external_id": external_id,
                        "content_hash": hashlib.sha256(blob.encode()).hexdigest(),
                        "data": dict(data),
                    }
                )
            if rows:
                session.execute(insert(Item), rows)
        return project

    return make
