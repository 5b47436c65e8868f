"""The store functions behind the labeling routes, on both backends: undo, edit,
the history, a skip and the settings panel's change."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from activelabel.exceptions import (
    ConfigError,
    ItemLeasedError,
    NotFoundError,
    PermissionDeniedError,
)
from activelabel.server.deps import project_transaction
from activelabel.store.annotations import (
    MAX_RECENT,
    add_annotation,
    edit_label,
    recent_annotations,
    undo_label,
)
from activelabel.store.engine import Store
from activelabel.store.lease_conflicts import skip_item
from activelabel.store.leases import lease_tasks
from activelabel.store.models import Annotation, Item, QueueEntry
from activelabel.store.project_settings import change_settings
from activelabel.store.projects import get_project
from activelabel.store.users import add_user


@pytest.fixture
def labeled(store: Store, project_factory: Any) -> dict[str, Any]:
    """Three items; alice labeled the first two, bob the third."""
    project = project_factory(name="sms", items=[{"text": f"t{i}"} for i in range(3)])
    with store.session(write=True) as session:
        alice = add_user(session, name="alice")[0].id
        bob = add_user(session, name="bob")[0].id
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        found = [
            add_annotation(
                session, project=project, item_id=item, value="ham", annotator_id=who
            ).id
            for item, who in zip(ids, (alice, alice, bob), strict=True)
        ]
    return {"project": project, "alice": alice, "bob": bob, "ids": ids, "a": found}


def _in(store: Store) -> Any:
    """A writing transaction and the project ``sms`` in it, as the routes open them."""
    return project_transaction(store, "sms")


def test_an_undone_label_brings_its_item_to_the_front_leased_to_its_annotator(
    store: Store, labeled: dict[str, Any]
) -> None:
    with _in(store) as (session, project):
        undone = undo_label(
            session,
            project=project,
            annotation_id=labeled["a"][0],
            user_id=labeled["alice"],
        )
        assert undone.status == "undone"
    with store.session() as session:
        entry = session.scalars(select(QueueEntry)).one()
    assert (entry.item_id, entry.leased_by) == (labeled["ids"][0], labeled["alice"])


def test_only_the_annotator_or_someone_allowed_changes_a_label(
    store: Store, labeled: dict[str, Any]
) -> None:
    bobs = labeled["a"][2]
    with (
        pytest.raises(PermissionDeniedError, match=f"Annotation {bobs} was given by"),
        _in(store) as (session, project),
    ):
        edit_label(
            session,
            project=project,
            annotation_id=bobs,
            value="spam",
            user_id=labeled["alice"],
        )
    with (
        pytest.raises(NotFoundError, match="No annotation with id 999999"),
        _in(store) as (session, project),
    ):
        undo_label(session, project=project, annotation_id=999999, user_id=1)
    with _in(store) as (session, project):
        new = edit_label(
            session,
            project=project,
            annotation_id=bobs,
            value="spam",
            user_id=labeled["alice"],
            any_annotator=True,
        )
        # The label stays bob's; the old one is history.
        assert (new.value, new.annotator_id) == ("spam", labeled["bob"])
    with store.session() as session:
        old = session.get(Annotation, bobs)
        assert old is not None and old.status == "superseded"


def test_recent_annotations_are_newest_first_filtered_and_paged(
    store: Store, labeled: dict[str, Any]
) -> None:
    with store.session() as session:
        pid = labeled["project"].id
        every = recent_annotations(session, project_id=pid, status=None)
        assert [a.id for a, _, _ in every] == labeled["a"][::-1]
        assert [name for _, _, name in every] == ["bob", "alice", "alice"]
        alices = recent_annotations(
            session, project_id=pid, annotator_id=labeled["alice"]
        )
        assert [a.id for a, _, _ in alices] == labeled["a"][1::-1]
        older = recent_annotations(
            session, project_id=pid, before_id=labeled["a"][2], limit=1
        )
        assert [a.id for a, item, _ in older] == [labeled["a"][1]]
        assert older[0][1].id == labeled["ids"][1]
        assert recent_annotations(session, project_id=pid, status="undone") == []
    assert MAX_RECENT == 500


def test_a_skip_gives_the_callers_item_back_and_refuses_another_annotators(
    store: Store, project_factory: Any
) -> None:
    from activelabel.store.models import QuerySession
    from activelabel.store.queue import QueueCandidate, replace_queue

    project = project_factory(name="sms", items=[{"text": f"t{i}"} for i in range(3)])
    with store.session(write=True) as session:
        alice = add_user(session, name="alice")[0].id
        bob = add_user(session, name="bob")[0].id
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        query = QuerySession(project_id=project.id, strategy="margin", pool_size=3)
        session.add(query)
        session.flush()
        replace_queue(
            session,
            project_id=project.id,
            session_id=query.id,
            candidates=[QueueCandidate(i, float(p)) for p, i in enumerate(ids)],
        )
        best = lease_tasks(session, project_id=project.id, user_id=alice, n=1)
    assert [t.item_id for t in best] == [ids[2]]
    with pytest.raises(ItemLeasedError), _in(store) as (session, project):
        skip_item(session, project=project, item_id=ids[2], user_id=bob)
    with _in(store) as (session, project):
        skip_item(session, project=project, item_id=ids[2], user_id=alice)
    with store.session() as session:
        order = list(
            session.execute(
                select(QueueEntry.item_id, QueueEntry.leased_by).order_by(
                    QueueEntry.priority.desc()
                )
            )
        )
    assert [tuple(row) for row in order] == [
        (ids[1], None),
        (ids[0], None),
        (ids[2], None),
    ]


def test_the_settings_panel_changes_keys_and_numbers_together_or_not_at_all(
    store: Store, project_factory: Any
) -> None:
    project_factory(name="sms")
    with _in(store) as (session, project):
        settings = change_settings(
            session, project, keys={"spam": "x"}, retrain_every=5, overlap=2
        )
        assert (settings.keys, settings.retrain_every, settings.overlap) == (
            {"spam": "x"},
            5,
            2,
        )
    with _in(store) as (session, project):
        # Keys chosen before stay; a setting not given stays.
        settings = change_settings(session, project, keys={"ham": "h"})
        assert settings.keys == {"spam": "x", "ham": "h"}
        assert settings.retrain_every == 5
    with pytest.raises(ConfigError), _in(store) as (session, project):
        change_settings(session, project, keys={"ham": "x"}, overlap=3)
    with store.session() as session:
        stored = get_project(session, "sms").settings
    assert (stored.keys, stored.overlap) == ({"spam": "x", "ham": "h"}, 2)
