"""The store on SQLite and PostgreSQL: schema, migrations, projects, annotations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, text

from activelabel.exceptions import (
    ConfigError,
    DatabaseUnavailableError,
    InvalidLabelError,
    ItemNotFoundError,
    ProjectExistsError,
    ProjectNotFoundError,
)
from activelabel.store.annotations import (
    add_annotation,
    aggregate_values,
    edit_annotation,
    undo_annotation,
)
from activelabel.store.engine import (
    SCHEMA_REVISION,
    Store,
    current_revision,
    head_revision,
    make_engine,
    open_store,
    upgrade,
)
from activelabel.store.models import Annotation, Base, Item, Project
from activelabel.store.projects import create_project, get_project, read_project
from activelabel.store.users import add_user, user_for_token


def test_open_store_migrates_an_empty_database_to_head(db_url: str) -> None:
    # Not the ``store`` fixture: on SQLite it copies a file migrated once per run.
    store = open_store(db_url)
    try:
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()


def test_the_schema_revision_constant_names_the_newest_migration() -> None:
    assert SCHEMA_REVISION == head_revision()


def test_opening_a_current_database_does_not_load_the_migration_tool(
    store: Store, db_url: str
) -> None:
    script = (
        "import sys; from activelabel.store.engine import open_store; "
        f"open_store({db_url!r}).close(); print('alembic' in sys.modules)"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "False"


def test_models_and_migrations_describe_the_same_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_a_database_made_by_an_older_version_upgrades_in_place(db_url: str) -> None:
    engine = make_engine(db_url)
    if engine.dialect.name == "postgresql":
        # The shared test database was migrated by other tests: start it empty.
        with engine.begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
    upgrade(engine, "0001")
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO projects (name, task, modality, labels, config, created_at) "
                "VALUES ('old', 'classification', 'text', '[\"a\", \"b\"]', '{}', CURRENT_TIMESTAMP)"
            )
        )
    assert current_revision(engine) == "0001"
    engine.dispose()
    store = open_store(db_url)
    try:
        assert current_revision(store.engine) == head_revision()
        with store.session() as session:
            assert get_project(session, "old").labels == ["a", "b"]
            assert session.execute(text("SELECT count(*) FROM queue")).scalar() == 0
    finally:
        store.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with store.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert c.execute(text("PRAGMA busy_timeout")).scalar() == 10000
    store.close()


def test_sqlite_writing_sessions_from_many_threads_lose_no_update(
    tmp_path: Path,
) -> None:
    # Read-modify-write from 8 threads at once. Without a writing session the
    # reads run outside SQLite's write lock, and increments are lost or fail to
    # upgrade the lock; writing sessions queue for the lock and all count.
    import threading

    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with store.session() as session:
        create_project(session, name="p", task="classification", labels=["a", "b"])
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(25):
                with store.session(write=True) as session:
                    project = get_project(session, "p")
                    count = int((project.config or {}).get("n", 0))
                    project.config = {**(project.config or {}), "n": count + 1}
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.session() as session:
        assert get_project(session, "p").config["n"] == 200
    store.close()
    assert errors == []


def test_unreachable_postgresql_names_the_url_and_reason() -> None:
    with pytest.raises(DatabaseUnavailableError, match=r"127\.0\.0\.1:9/nope.*refused"):
        open_store("postgresql+psycopg://someone:secret@127.0.0.1:9/nope")


def test_unreachable_database_message_hides_the_password() -> None:
    with pytest.raises(DatabaseUnavailableError) as info:
        open_store("postgresql+psycopg://someone:secret@127.0.0.1:9/nope")
    assert "secret" not in str(info.value)


def test_sqlite_file_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailableError, match="Cannot open the database"):
        open_store(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")


def test_unsupported_backend_is_refused() -> None:
    with pytest.raises(ConfigError, match="supports sqlite and postgresql"):
        make_engine("mysql://root@localhost/x")


def test_project_names_are_unique_and_lookup_suggests_close_names(store: Store) -> None:
    with store.session() as session:
        create_project(session, name="sms", task="classification", labels="ham,spam")
    with (
        pytest.raises(ProjectExistsError, match="exists already"),
        store.session() as session,
    ):
        create_project(session, name="sms", task="classification", labels="a")
    with (
        pytest.raises(ProjectNotFoundError, match="Did you mean 'sms'"),
        store.session() as session,
    ):
        get_project(session, "smss")


def test_read_project_is_a_detached_copy_with_the_same_fields_and_errors(
    store: Store,
) -> None:
    with store.session() as session:
        create_project(
            session,
            name="sms",
            task="classification",
            labels="ham,spam",
            settings={"retrain_every": 7},
        )
    with store.session() as session:
        loaded = get_project(session, "sms")
        copy = read_project(session, "sms")
        assert copy not in session
        fields = ("id", "name", "task", "modality", "labels", "config", "created_at")
        assert [getattr(copy, f) for f in fields] == [
            getattr(loaded, f) for f in fields
        ]
    with (
        pytest.raises(ProjectNotFoundError, match="Did you mean 'sms'"),
        store.session() as session,
    ):
        read_project(session, "smss")


def test_an_annotation_is_in_the_session_as_stored_after_add_annotation(
    store: Store, project_factory
) -> None:
    project = project_factory()
    item_id = _item(store, project)
    with store.session() as session:
        user, _ = add_user(session, name="ann")
        added = add_annotation(
            session,
            project=project,
            item_id=item_id,
            value="ham",
            annotator_id=user.id,
            client_id="c1",
        )
        assert added in session and added.id is not None
        # A change to the returned object is written like one to a loaded object.
        added.seconds_spent = 2.0
    with store.session() as session:
        stored = session.get(Annotation, added.id)
        assert stored is not None
        assert (
            stored.value,
            stored.status,
            stored.seconds_spent,
            stored.client_id,
        ) == (
            "ham",
            "active",
            2.0,
            "c1",
        )
        assert stored.created_at is not None and stored.updated_at is None


def _item(store: Store, project: Project, external_id: str = "a") -> int:
    with store.session() as session:
        return session.execute(
            insert(Item).returning(Item.id),
            [
                {
                    "project_id": project.id,
                    "external_id": external_id,
                    "content_hash": "h",
                    "data": {"text": external_id},
                }
            ],
        ).scalar_one()


def test_labeling_again_supersedes_and_undo_withdraws(
    store: Store, project_factory
) -> None:
    project = project_factory()
    item_id = _item(store, project)
    with store.session() as session:
        user, _ = add_user(session, name="ann")
        first = add_annotation(
            session,
            project=project,
            item_id=item_id,
            value="ham",
            annotator_id=user.id,
            seconds_spent=1.5,
        )
        second = add_annotation(
            session,
            project=project,
            item_id=item_id,
            value="spam",
            annotator_id=user.id,
        )
    with store.session() as session:
        # dict(result) would call Result.keys() (column names), hence the comprehension.
        statuses = {  # noqa: C416
            i: s for i, s in session.execute(select(Annotation.id, Annotation.status))
        }
        assert statuses == {first.id: "superseded", second.id: "active"}
        undo_annotation(session, project=project, annotation_id=second.id)
    with store.session() as session:
        assert session.get(Annotation, second.id).status == "undone"  # type: ignore[union-attr]


def test_edit_keeps_the_old_value_in_history(store: Store, project_factory) -> None:
    project = project_factory()
    item_id = _item(store, project)
    with store.session() as session:
        old = add_annotation(session, project=project, item_id=item_id, value="ham")
        new = edit_annotation(
            session, project=project, annotation_id=old.id, value="spam"
        )
    with store.session() as session:
        rows = session.execute(
            select(Annotation.value, Annotation.status).order_by(Annotation.id)
        ).all()
    assert [tuple(r) for r in rows] == [("ham", "superseded"), ("spam", "active")]
    assert new.value == "spam"


def test_annotation_outside_the_schema_is_refused_and_not_stored(
    store: Store, project_factory
) -> None:
    project = project_factory()
    item_id = _item(store, project)
    with (
        pytest.raises(InvalidLabelError, match="'eggs' is not a label"),
        store.session() as session,
    ):
        add_annotation(session, project=project, item_id=item_id, value="eggs")
    with store.session() as session:
        assert session.scalar(select(Annotation.id)) is None


def test_annotation_for_another_projects_item_is_refused(
    store: Store, project_factory
) -> None:
    one, two = project_factory(), project_factory()
    item_id = _item(store, one)
    with pytest.raises(ItemNotFoundError), store.session() as session:
        add_annotation(session, project=two, item_id=item_id, value="ham")


def test_tokens_are_stored_hashed_and_found_again(store: Store) -> None:
    with store.session() as session:
        user, token = add_user(session, name="ann")
        assert token not in user.token_hash
    with store.session() as session:
        found = user_for_token(session, token)
        assert found is not None and found.name == "ann"
        assert user_for_token(session, "wrong") is None


def test_aggregate_values_is_a_majority_vote_with_agreement() -> None:
    assert aggregate_values([]) is None
    consensus = aggregate_values(["spam", "ham", "spam"])
    assert consensus is not None
    assert (consensus.value, consensus.n_annotators) == ("spam", 3)
    assert consensus.agreement == pytest.approx(2 / 3)
    tie = aggregate_values([["a"], ["b"]])
    assert tie is not None and tie.value == ["a"]


def test_a_lease_serves_the_users_own_items_first_then_free_ones_by_priority(
    store: Store, project_factory
) -> None:
    from activelabel.store.leases import lease_tasks
    from activelabel.store.models import QuerySession
    from activelabel.store.queue import QueueCandidate, replace_queue

    project = project_factory(items=[{"text": f"t{i}"} for i in range(8)])
    with store.session() as session:
        alice, _ = add_user(session, name="alice")
        bob, _ = add_user(session, name="bob")
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        query = QuerySession(project_id=project.id, strategy="margin", pool_size=8)
        session.add(query)
        session.flush()
        # Priority = position: the last item is the best.
        replace_queue(
            session,
            project_id=project.id,
            session_id=query.id,
            candidates=[
                QueueCandidate(item_id=i, priority=float(p)) for p, i in enumerate(ids)
            ],
        )
        alice_id, bob_id = alice.id, bob.id
    with store.session(write=True) as session:
        first = lease_tasks(session, project_id=project.id, user_id=alice_id, n=2)
    assert [t.item_id for t in first] == [ids[7], ids[6]]
    with store.session(write=True) as session:
        theirs = lease_tasks(session, project_id=project.id, user_id=bob_id, n=2)
    assert [t.item_id for t in theirs] == [ids[5], ids[4]]
    with store.session(write=True) as session:
        add_annotation(
            session, project=project, item_id=ids[7], value="ham", annotator_id=alice_id
        )
    with store.session(write=True) as session:
        again = lease_tasks(
            session, project_id=project.id, user_id=alice_id, n=3, exclude=[ids[3]]
        )
    # Her remaining lease first (renewed), never the item she labeled, then the
    # best free entries she did not exclude.
    assert [t.item_id for t in again] == [ids[6], ids[2], ids[1]]
    assert again[0].lease_expires_at > first[0].lease_expires_at


def test_a_rounds_queue_keeps_each_suggestion_confidence_and_score_as_given(
    store: Store, project_factory
) -> None:
    from activelabel.store.models import QuerySession, QueueEntry
    from activelabel.store.queue import QueueCandidate, replace_queue

    project = project_factory(items=[{"text": f"t{i}"} for i in range(5)])
    with store.session(write=True) as session:
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        add_annotation(session, project=project, item_id=ids[4], value="ham")
        query = QuerySession(project_id=project.id, strategy="margin", pool_size=5)
        session.add(query)
        session.flush()
        written = replace_queue(
            session,
            project_id=project.id,
            session_id=query.id,
            candidates=[
                QueueCandidate(
                    ids[0], 4.0, suggestion="spam", confidence=0.75, score=0.5
                ),
                QueueCandidate(ids[1], 3.0, suggestion=["a", "b"], score=float("nan")),
                QueueCandidate(ids[2], 2.0, suggestion=None),
                QueueCandidate(ids[3], 1.0, suggestion='say "hi"', confidence=1.0),
                QueueCandidate(ids[4], 0.5, suggestion="ham"),
            ],
        )
        session_id = query.id
    # The labeled item is left out; a NaN score is stored as no score.
    assert written == 4
    with store.session() as session:
        rows = session.execute(
            select(
                QueueEntry.item_id,
                QueueEntry.session_id,
                QueueEntry.priority,
                QueueEntry.suggestion,
                QueueEntry.confidence,
                QueueEntry.score,
            ).order_by(QueueEntry.priority.desc())
        ).all()
    assert [tuple(r) for r in rows] == [
        (ids[0], session_id, 4.0, "spam", 0.75, 0.5),
        (ids[1], session_id, 3.0, ["a", "b"], None, None),
        (ids[2], session_id, 2.0, None, None, None),
        (ids[3], session_id, 1.0, 'say "hi"', 1.0, None),
    ]


def test_a_server_checkpoints_the_wal_itself_so_commits_never_do(
    tmp_path: Path,
) -> None:
    from activelabel.store.checkpoints import WalCheckpointer

    store = open_store(f"sqlite:///{tmp_path / 'wal.db'}")
    checkpointer = WalCheckpointer(store, seconds=3600)
    checkpointer.start()
    try:
        # Only writes checkpoint, and they all go through the writer connection.
        with store.session(write=True) as session:
            autocheckpoint = session.connection().exec_driver_sql(
                "PRAGMA wal_autocheckpoint"
            )
            assert autocheckpoint.scalar() == 0
            create_project(session, name="p", task="classification", labels=["a", "b"])
        wal = tmp_path / "wal.db-wal"
        assert wal.stat().st_size > 0
        pages, copied = checkpointer.checkpoint()
        assert pages > 0 and copied == pages
    finally:
        checkpointer.stop()
    with store.session(write=True) as session:
        # Commits checkpoint again once the server is gone.
        autocheckpoint = session.connection().exec_driver_sql(
            "PRAGMA wal_autocheckpoint"
        )
        assert autocheckpoint.scalar() == 1000
        assert get_project(session, "p").labels == ["a", "b"]
    store.close()


def test_every_write_on_sqlite_goes_through_one_connection_so_its_cache_stays_warm(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'one.db'}")
    try:
        seen = set()
        for name in ("a", "b", "c"):
            with store.session(write=True) as session:
                create_project(session, name=name, task="classification", labels="x,y")
                seen.add(id(session.connection().connection.driver_connection))
        assert len(seen) == 1
        with store.session() as session:
            reader = session.connection().connection.driver_connection
            assert id(reader) not in seen
            assert [p.name for p in session.scalars(select(Project))] == ["a", "b", "c"]
    finally:
        store.close()
