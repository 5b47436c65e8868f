"""Roles, leases and scopes hold: the probes of an annotator's token, replayed.

A server that requires tokens (as with ``--host 0.0.0.0 --require-token``),
on SQLite and PostgreSQL. The whole route × role table is in
``test_role_matrix.py``; these tests replay each finding and check that
nothing changed behind a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import page_client
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store, make_engine, open_store, upgrade
from activelabel.store.models import Annotation, Job, QueueEntry, User
from activelabel.store.projects import get_project
from activelabel.store.random_fill import random_fill
from activelabel.store.users import add_user, revoke_user


@pytest.fixture
def team(store: Store, project_factory: Any) -> dict[str, Any]:
    """Project ``sms`` (20 texts, queued) and ``other``; an admin and two annotators."""
    sms = project_factory(name="sms", items=[{"text": f"t{i}"} for i in range(20)])
    project_factory(name="other", items=[{"text": "x"}])
    with store.session() as session:
        random_fill(session, project_id=sms.id, size=20)
        tokens = {
            "admin": add_user(session, name="boss", role="admin")[1],
            "ann": add_user(session, name="ann")[1],
            "bob": add_user(session, name="bob")[1],
        }
    return {"project_id": sms.id, "tokens": tokens}


def _closed(store: Store, **settings: Any) -> TestClient:
    app = create_app(
        store,
        ServerSettings(open_access=False, background_trainer=False, **settings),
    )
    return page_client(app)


@pytest.fixture
def client(store: Store, team: dict[str, Any]) -> Iterator[TestClient]:
    with _closed(store) as closed:
        yield closed


def auth(team: dict[str, Any], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {team['tokens'][who]}"}


def lease(client: TestClient, team: dict[str, Any], who: str) -> int:
    got = client.post(
        "/api/v1/projects/sms/tasks/next", json={"n": 1}, headers=auth(team, who)
    )
    assert got.status_code == 200, got.text
    item: int = got.json()["data"][0]["item_id"]
    return item


def test_an_annotator_cannot_export_retrain_or_change_the_projects_settings(
    client: TestClient, store: Store, team: dict[str, Any]
) -> None:
    ann = auth(team, "ann")
    export = client.get("/api/v1/projects/sms/export?format=csv", headers=ann)
    assert export.status_code == 403
    assert export.json()["error"] == (
        "'ann' is an annotator; only an admin may export, retrain, change "
        "settings and manage users."
    )
    assert client.post("/api/v1/projects/sms/train", headers=ann).status_code == 403
    for change in ({"keys": {"ham": "h"}}, {"overlap": 3}, {"retrain_every": 1}):
        patched = client.patch("/api/v1/projects/sms", json=change, headers=ann)
        assert patched.status_code == 403, change
    with store.session() as session:
        assert session.scalar(select(Job.id)) is None
        config = get_project(session, "sms").config or {}
        assert "keys" not in config and "overlap" not in config
        assert "retrain_every" not in config


def test_a_label_for_an_item_leased_to_another_annotator_is_refused_with_409(
    client: TestClient, store: Store, team: dict[str, Any]
) -> None:
    item = lease(client, team, "bob")
    refused = client.post(
        "/api/v1/projects/sms/annotations",
        json={"item_id": item, "value": "spam"},
        headers=auth(team, "ann"),
    )
    assert refused.status_code == 409
    assert (
        f"Item {item} of 'sms' is leased to another annotator"
        in (refused.json()["error"])
    )
    with store.session() as session:
        assert session.scalar(select(Annotation.id)) is None
        entry = session.scalar(select(QueueEntry).where(QueueEntry.item_id == item))
        assert entry is not None and entry.leased_by is not None
    # Bob's own label goes through.
    mine = client.post(
        "/api/v1/projects/sms/annotations",
        json={"item_id": item, "value": "spam"},
        headers=auth(team, "bob"),
    )
    assert mine.status_code == 201


def test_skipping_another_annotators_item_is_refused_and_their_lease_stays(
    client: TestClient, store: Store, team: dict[str, Any]
) -> None:
    item = lease(client, team, "bob")
    with store.session() as session:
        before = session.execute(
            select(
                QueueEntry.leased_by, QueueEntry.lease_expires_at, QueueEntry.priority
            ).where(QueueEntry.item_id == item)
        ).one()
    skipped = client.post(
        f"/api/v1/projects/sms/tasks/{item}/skip", headers=auth(team, "ann")
    )
    assert skipped.status_code == 409
    assert "only they can skip it" in skipped.json()["error"]
    with store.session() as session:
        after = session.execute(
            select(
                QueueEntry.leased_by, QueueEntry.lease_expires_at, QueueEntry.priority
            ).where(QueueEntry.item_id == item)
        ).one()
    assert tuple(after) == tuple(before)
    assert (
        client.post(
            f"/api/v1/projects/sms/tasks/{item}/skip", headers=auth(team, "bob")
        ).status_code
        == 204
    )


def test_with_overlap_above_one_several_annotators_label_the_same_item(
    client: TestClient, team: dict[str, Any]
) -> None:
    overlap = client.patch(
        "/api/v1/projects/sms", json={"overlap": 2}, headers=auth(team, "admin")
    )
    assert overlap.status_code == 200
    item = lease(client, team, "bob")
    for who in ("ann", "bob"):
        labeled = client.post(
            "/api/v1/projects/sms/annotations",
            json={"item_id": item, "value": "ham"},
            headers=auth(team, who),
        )
        assert labeled.status_code == 201, labeled.text


def test_a_server_for_one_project_answers_404_for_the_others_and_lists_only_its_own(
    store: Store, team: dict[str, Any]
) -> None:
    with _closed(store, projects=frozenset({"sms"})) as client:
        for who in ("ann", "admin"):
            headers = auth(team, who)
            listed = client.get("/api/v1/projects", headers=headers).json()
            assert [p["name"] for p in listed["data"]] == ["sms"]
            for request in (
                client.get("/api/v1/projects/other", headers=headers),
                client.get("/api/v1/projects/other/stats", headers=headers),
                client.post(
                    "/api/v1/projects/other/tasks/next", json={"n": 1}, headers=headers
                ),
                client.get("/api/v1/projects/other/export", headers=headers),
            ):
                assert request.status_code == 404, request.text
                assert request.json()["error"] == (
                    "No project named 'other' on this server."
                )
        assert client.get("/api/v1/projects/sms", headers=auth(team, "ann")).is_success


def test_a_revoked_token_gets_401_with_a_sentence(
    client: TestClient, store: Store, team: dict[str, Any]
) -> None:
    assert client.get("/api/v1/me", headers=auth(team, "ann")).status_code == 200
    with store.session() as session:
        revoke_user(session, "ann")
    # This server remembers tokens for a few seconds; a revocation through
    # the CLI is seen when that memory ends (here: at once).
    client.app.state.annotators.forget_all()  # type: ignore[attr-defined]
    refused = client.get("/api/v1/me", headers=auth(team, "ann"))
    assert refused.status_code == 401
    assert refused.json()["error"].startswith("The token of 'ann' was revoked on ")
    assert "ask an admin for a new one" in refused.json()["error"]
    assert client.get("/api/v1/me", headers=auth(team, "bob")).status_code == 200


def test_me_names_the_role_so_the_page_can_hide_admin_controls(
    client: TestClient, team: dict[str, Any]
) -> None:
    assert client.get("/api/v1/me", headers=auth(team, "ann")).json() == {
        "name": "ann",
        "role": "annotator",
        "is_admin": False,
    }
    assert client.get("/api/v1/me", headers=auth(team, "admin")).json()["role"] == (
        "admin"
    )


def test_the_token_less_local_user_of_an_open_server_is_an_admin_and_tokens_keep_their_role(
    store: Store, team: dict[str, Any]
) -> None:
    app = create_app(store, ServerSettings(open_access=True, background_trainer=False))
    with page_client(app) as client:
        assert client.get("/api/v1/me").json()["role"] == "admin"
        assert client.get("/api/v1/projects/sms/export").status_code == 200
        ann = auth(team, "ann")
        assert client.get("/api/v1/projects/sms/export", headers=ann).status_code == 403


def test_last_use_is_written_at_most_once_a_minute_per_user(
    client: TestClient, store: Store, team: dict[str, Any]
) -> None:
    last_use = client.app.state.last_use  # type: ignore[attr-defined]
    client.get("/api/v1/me", headers=auth(team, "ann"))
    last_use.flush()
    with store.session() as session:
        first = session.scalar(select(User.last_used_at).where(User.name == "ann"))
        assert first is not None
        assert (
            session.scalar(select(User.last_used_at).where(User.name == "bob")) is None
        )
    for _ in range(3):
        client.get("/api/v1/me", headers=auth(team, "ann"))
    assert not last_use._due  # noted once; the next write is a minute away
    last_use.flush()
    with store.session() as session:
        assert (
            session.scalar(select(User.last_used_at).where(User.name == "ann")) == first
        )


def test_a_database_of_the_previous_version_keeps_its_admins_as_admins(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
    upgrade(engine, "0004")
    with engine.begin() as c:
        for name, admin in (("root", True), ("ann", False)):
            c.execute(
                text(
                    "INSERT INTO users (name, token_hash, is_admin, created_at) "
                    "VALUES (:name, :hash, :admin, CURRENT_TIMESTAMP)"
                ),
                {"name": name, "hash": f"hash-{name}", "admin": admin},
            )
    engine.dispose()
    store = open_store(db_url)
    try:
        with store.session() as session:
            rows = session.execute(select(User.name, User.role)).all()
            roles = {row.name: row.role for row in rows}
            revoked = session.scalars(select(User.revoked_at)).all()
        assert roles == {"root": "admin", "ann": "annotator"}
        assert revoked == [None, None]
    finally:
        store.close()


def test_without_a_token_no_answer_tells_which_projects_exist(
    client: TestClient,
) -> None:
    for path in (
        "/api/v1/projects/sms",
        "/api/v1/projects/nothing",
        "/api/v1/projects/nothing/annotations",
        "/api/v1/projects/nothing/model-versions",
        "/api/v1/projects/nothing/export",
        "/api/v1/projects/nothing/items/1/media",
    ):
        assert client.get(path).status_code == 401, path


def test_a_single_project_server_never_suggests_the_projects_it_does_not_serve(
    store: Store, team: dict[str, Any]
) -> None:
    with _closed(store, projects=frozenset({"sms"})) as client:
        missed = client.get("/api/v1/projects/othr", headers=auth(team, "admin"))
        assert missed.status_code == 404
        assert missed.json()["error"] == "No project named 'othr' on this server."
