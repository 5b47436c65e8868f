"""The HTTP API in-process, on SQLite and PostgreSQL (the trainer is run by hand)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from api_support import page_client
from fastapi.testclient import TestClient
from sqlalchemy import select

from activelabel.io.importer import import_path
from activelabel.loop.round import run_round
from activelabel.server.app import create_app
from activelabel.server.deps import RecentValues, ServerSettings
from activelabel.server.schemas import StatsPublic
from activelabel.store.engine import Store
from activelabel.store.models import ModelVersion, Project, QueueEntry
from activelabel.store.projects import create_project
from activelabel.store.random_fill import random_fill
from activelabel.store.users import add_user

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "sms_spam.csv"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def sms(store: Store) -> int:
    """The bundled SMS example (600 texts, 40 labeled) with a random queue, on
    TF-IDF (named: with the text default, auto, the first model learns spam)."""
    with store.session() as session:
        project = create_project(
            session,
            name="sms",
            task="classification",
            labels="ham,spam",
            settings={"featurizer": "tfidf"},
        )
        project_id = project.id
    import_path(
        store, "sms", EXAMPLE, text_column="text", id_column="id", label_column="label"
    )
    with store.session() as session:
        random_fill(session, project_id=project_id, size=200)
    return project_id


@pytest.fixture
def tokens(store: Store) -> dict[str, str]:
    out = {}
    with store.session() as session:
        for name in ("alice", "bob"):
            _, token = add_user(session, name=name)
            out[name] = token
    return out


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    app = create_app(store, ServerSettings(open_access=True, background_trainer=False))
    with page_client(app) as test_client:
        yield test_client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def next_ids(
    client: TestClient, token: str, n: int = 5, exclude: list[int] | None = None
) -> list[int]:
    response = client.post(
        "/api/v1/projects/sms/tasks/next",
        json={"n": n, "exclude": exclude or []},
        headers=auth(token),
    )
    assert response.status_code == 200, response.text
    return [t["item_id"] for t in response.json()["data"]]


def label(
    client: TestClient, token: str, item_id: int, value: Any = "ham", **extra: Any
) -> Any:
    return client.post(
        "/api/v1/projects/sms/annotations",
        json={"item_id": item_id, "value": value, **extra},
        headers=auth(token),
    )


def test_open_access_attributes_requests_without_token_to_local(
    client: TestClient, sms: int
) -> None:
    assert client.get("/api/v1/me").json() == {
        "name": "local",
        "role": "admin",
        "is_admin": True,
    }


def test_a_wrong_token_is_refused_with_the_error_shape(
    client: TestClient, sms: int
) -> None:
    response = client.get("/api/v1/me", headers=auth("nope"))
    assert response.status_code == 401
    body = response.json()
    assert body["ok"] is False and body["status"] == 401 and "token" in body["error"]


def test_a_closed_server_needs_a_token(
    store: Store, sms: int, tokens: dict[str, str]
) -> None:
    app = create_app(store, ServerSettings(open_access=False, background_trainer=False))
    with page_client(app) as closed:
        assert closed.get("/api/v1/projects").status_code == 401
        assert (
            closed.get("/api/v1/me", headers=auth(tokens["bob"])).json()["name"]
            == "bob"
        )


def test_every_error_has_one_shape(
    client: TestClient, sms: int, tokens: dict[str, str]
) -> None:
    for response in (
        client.get("/api/v1/projects/smss"),
        client.get("/api/v1/nothing-here"),
        client.post("/api/v1/projects/sms/tasks/next", json={"n": 0}),
        label(client, tokens["alice"], 1, "eggs"),
    ):
        body = response.json()
        assert set(body) == {"ok", "status", "error", "errors"}, body
        assert body["status"] == response.status_code >= 400
    assert "Did you mean 'sms'" in client.get("/api/v1/projects/smss").json()["error"]


def test_project_shows_keys_and_keys_can_be_reassigned(
    client: TestClient, sms: int
) -> None:
    project = client.get("/api/v1/projects/sms").json()
    assert project["keys"] == {"ham": "1", "spam": "2"}
    assert (project["items"], project["labeled_items"]) == (600, 40)
    updated = client.patch(
        "/api/v1/projects/sms", json={"keys": {"spam": "x"}, "retrain_every": 5}
    )
    assert updated.json()["keys"] == {"ham": "1", "spam": "x"}
    assert updated.json()["retrain_every"] == 5
    clash = client.patch("/api/v1/projects/sms", json={"keys": {"ham": "x"}})
    assert clash.status_code == 400 and "share one key" in clash.json()["error"]
    action = client.patch("/api/v1/projects/sms", json={"keys": {"ham": "z"}})
    assert "the undo action uses it" in action.json()["error"]


def test_a_changed_overlap_applies_to_the_very_next_label(
    client: TestClient, store: Store, sms: int, tokens: dict[str, str]
) -> None:
    first, second = next_ids(client, tokens["alice"], 2)
    assert label(client, tokens["alice"], first).status_code == 201
    # The labeling routes remember the project; changing it makes them forget.
    assert client.patch("/api/v1/projects/sms", json={"overlap": 2}).status_code == 200
    assert label(client, tokens["alice"], second).status_code == 201
    with store.session() as session:
        queued = set(session.scalars(select(QueueEntry.item_id)))
    assert first not in queued and second in queued


def test_a_project_read_by_another_server_is_read_afresh_after_a_few_seconds(
    store: Store, sms: int
) -> None:
    from activelabel.server.deps import ProjectCache

    cache = ProjectCache(seconds=0.3)
    assert cache.project(store, "sms").settings.overlap == 1
    # Another server changes the project.
    with store.session() as session:
        project = session.scalar(select(Project).where(Project.name == "sms"))
        assert project is not None
        project.update_settings(overlap=3)
    assert cache.project(store, "sms").settings.overlap == 1
    time.sleep(0.4)
    assert cache.project(store, "sms").settings.overlap == 3


def test_two_annotators_never_get_the_same_item(
    client: TestClient, sms: int, tokens: dict[str, str]
) -> None:
    alice = next_ids(client, tokens["alice"], 10)
    bob = next_ids(client, tokens["bob"], 10)
    assert len(alice) == len(bob) == 10 and not set(alice) & set(bob)
    assert (
        next_ids(client, tokens["alice"], 10) == alice
    )  # a reload gets the same items


def test_annotators_racing_for_the_queue_get_disjoint_items(
    client: TestClient, sms: int, tokens: dict[str, str]
) -> None:
    got: dict[str, list[int]] = {"alice": [], "bob": []}
    errors: list[BaseException] = []

    def grab(name: str) -> None:
        held: list[int] = []
        try:
            for _ in range(8):
                held += next_ids(client, tokens[name], 3, exclude=held)
        except BaseException as exc:
            errors.append(exc)
        got[name] = held

    threads = [threading.Thread(target=grab, args=(name,)) for name in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(got["alice"]) == len(set(got["alice"])) == 24
    assert not set(got["alice"]) & set(got["bob"])


def test_expired_leases_free_their_items(
    client: TestClient, store: Store, sms: int, tokens: dict[str, str]
) -> None:
    # alice holds every unlabeled item (the queue tops itself up as she asks)...
    held: list[int] = []
    while got := next_ids(client, tokens["alice"], 100, exclude=held):
        held += got
    assert len(held) == 560
    # ...so bob gets nothing until her leases expire.
    assert next_ids(client, tokens["bob"], 5) == []
    with store.session() as session:
        for entry in session.scalars(select(QueueEntry)):
            entry.lease_expires_at = entry.lease_expires_at.replace(year=2000)  # type: ignore[union-attr]
    assert set(next_ids(client, tokens["bob"], 5)) <= set(held)


def test_labeling_removes_the_item_and_is_idempotent(
    client: TestClient, sms: int, tokens: dict[str, str]
) -> None:
    item = next_ids(client, tokens["alice"], 1)[0]
    first = label(
        client, tokens["alice"], item, "spam", client_id="c-1", seconds_spent=1.5
    )
    again = label(
        client, tokens["alice"], item, "spam", client_id="c-1", seconds_spent=1.5
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["annotator"] == "alice" and first.json()["text"]
    assert item not in next_ids(client, tokens["alice"], 50)
    assert item not in next_ids(client, tokens["bob"], 50)
    history = client.get(
        "/api/v1/projects/sms/annotations", headers=auth(tokens["alice"])
    ).json()
    assert [a["item_id"] for a in history["data"]] == [item]


def test_undo_puts_the_item_back_at_the_front(
    client: TestClient, sms: int, tokens: dict[str, str]
) -> None:
    item = next_ids(client, tokens["alice"], 1)[0]
    annotation = label(client, tokens["alice"], item).json()
    undone = client.post(
        f"/api/v1/projects/sms/annotations/{annotation['id']}/undo",
        headers=auth(tokens["alice"]),
    )
    assert undone.json()["status"] == "undone"
    assert next_ids(client, tokens["alice"], 1) == [item]
    stats = client.get("/api/v1/projects/sms/stats").json()
    assert stats["labeled_items"] == 40


def test_edit_changes_the_label_and_keeps_history(
    client: TestClient, sms: int, tokens: dict[str, str]
) -> None:
    item = next_ids(client, tokens["alice"], 1)[0]
    annotation = label(client, tokens["alice"], item, "ham").json()
    edited = client.patch(
        f"/api/v1/projects/sms/annotations/{annotation['id']}",
        json={"value": "spam"},
        headers=auth(tokens["alice"]),
    )
    assert edited.json()["value"] == "spam"
    everything = client.get(
        "/api/v1/projects/sms/annotations?status=all", headers=auth(tokens["alice"])
    ).json()
    assert [a["status"] for a in everything["data"]] == ["active", "superseded"]
    other = client.patch(
        f"/api/v1/projects/sms/annotations/{edited.json()['id']}",
        json={"value": "ham"},
        headers=auth(tokens["bob"]),
    )
    assert other.status_code == 403


def test_skip_moves_the_item_to_the_back(
    client: TestClient, sms: int, tokens: dict[str, str]
) -> None:
    first = next_ids(client, tokens["alice"], 1)[0]
    assert (
        client.post(
            f"/api/v1/projects/sms/tasks/{first}/skip", headers=auth(tokens["alice"])
        ).status_code
        == 204
    )
    assert first not in next_ids(client, tokens["alice"], 5, exclude=[])[:5]


def test_a_round_trains_a_model_and_serves_active_learning(
    client: TestClient, store: Store, sms: int, tokens: dict[str, str], tmp_path: Path
) -> None:
    report = run_round(store, sms, queue_size=100, cache_dir=tmp_path / "cache")
    assert report.model_version and report.queued == 100
    data = client.post(
        "/api/v1/projects/sms/tasks/next", json={"n": 3}, headers=auth(tokens["alice"])
    ).json()
    assert data["model_version"] == report.model_version
    task = data["data"][0]
    assert (
        task["source"]["kind"] == "active_learning"
        and task["source"]["session_id"] == report.session_id
    )
    # The first model (40 labels, 9 spam) never predicts spam out of fold:
    # it would answer ham to every item, so it suggests nothing.
    assert task["suggestion"] is None
    labeled = label(
        client,
        tokens["alice"],
        task["item_id"],
        "spam",
        session_id=task["source"]["session_id"],
    )
    assert labeled.json()["session_id"] == report.session_id
    assert not labeled.json()["accepted_suggestion"]
    stats = client.get("/api/v1/projects/sms/stats").json()
    assert stats["model"]["unlearned"] == ["spam"]
    assert stats["model"]["name"] == report.model_version
    assert stats["learning_curve"][-1]["n_labels"] == 40
    versions = client.get("/api/v1/projects/sms/model-versions").json()
    assert versions["count"] == 1 and versions["data"][0]["metrics"]["classes"] == [
        "ham",
        "spam",
    ]


def test_export_downloads_the_labels_dataset(client: TestClient, sms: int) -> None:
    response = client.get("/api/v1/projects/sms/export?format=csv")
    assert response.status_code == 200
    frame = pd.read_csv(io.StringIO(response.text))
    assert len(frame) == 600 and frame["label"].notna().sum() == 40
    parquet = client.get(
        "/api/v1/projects/sms/export?format=parquet&dataset=annotations"
    )
    assert len(pd.read_parquet(io.BytesIO(parquet.content))) == 40
    assert client.get("/api/v1/projects/sms/export?format=xlsx").status_code == 400


def test_media_is_served_from_the_media_root_only(
    client: TestClient, store: Store
) -> None:
    with store.session() as session:
        create_project(
            session,
            name="pets",
            task="classification",
            labels="cat,dog",
            modality="image",
        )
    import_path(store, "pets", FIXTURES / "images", label_from_folder=False)
    with store.session() as session:
        project_id = session.scalar(select(Project.id).where(Project.name == "pets"))
        assert project_id is not None
        random_fill(session, project_id=project_id, size=5)
    task = client.post("/api/v1/projects/pets/tasks/next", json={"n": 1}).json()[
        "data"
    ][0]
    image = client.get(task["media_url"])
    assert image.status_code == 200 and image.content[:3] == b"\xff\xd8\xff"
    assert client.get("/api/v1/projects/pets/items/999999/media").status_code == 404
    assert (
        client.get("/api/v1/projects/pets/items/1/media/../../etc/passwd").status_code
        == 404
    )


def test_train_now_queues_a_job(client: TestClient, store: Store, sms: int) -> None:
    assert client.post("/api/v1/projects/sms/train").json() == {"state": "queued"}
    assert (
        client.get("/api/v1/projects/sms/stats").json()["training"]["state"] == "queued"
    )
    with store.session() as session:
        assert session.scalar(select(ModelVersion.id)) is None


def test_progress_figures_are_shared_for_a_moment_and_fresh_after_a_retrain_request(
    client: TestClient, sms: int, tokens: dict[str, str]
) -> None:
    # Every open page asks every 3 s; the figures are computed once per while.
    app: Any = client.app
    app.state.stats = RecentValues[StatsPublic](seconds=60)
    stats = "/api/v1/projects/sms/stats"
    before = client.get(stats).json()["annotations"]
    label(client, tokens["alice"], next_ids(client, tokens["alice"], n=1)[0])
    assert client.get(stats).json()["annotations"] == before
    client.post("/api/v1/projects/sms/train")
    after = client.get(stats).json()
    assert after["annotations"] == before + 1
    assert after["training"]["state"] == "queued"
    client.patch("/api/v1/projects/sms", json={"retrain_every": 5})
    label(client, tokens["alice"], next_ids(client, tokens["alice"], n=1)[0])
    assert client.get(stats).json()["annotations"] == before + 2


def test_multilabel_rounds_suggest_a_list_of_labels(
    store: Store, tmp_path: Path
) -> None:
    with store.session() as session:
        create_project(
            session, name="tags", task="multilabel", labels="money,urgent,social"
        )
    rows = [
        {"id": i, "text": text, "tags": tags}
        for i, (text, tags) in enumerate(
            [
                ("win cash now", "money,urgent"),
                ("free money prize", "money"),
                ("call me now urgent", "urgent"),
                ("party tonight with friends", "social"),
                ("see you at dinner", "social"),
                ("claim your cash prize urgent", "money,urgent"),
            ]
            * 4
            + [(f"unlabeled message number {i}", "") for i in range(20)]
        )
    ]
    source = tmp_path / "tags.csv"
    pd.DataFrame(rows).to_csv(source, index=False)
    import_path(
        store, "tags", source, id_column="id", label_column="tags", text_column="text"
    )
    with store.session() as session:
        project_id = session.scalar(select(Project.id).where(Project.name == "tags"))
    assert project_id is not None
    report = run_round(store, project_id, queue_size=10, cache_dir=tmp_path / "cache")
    assert report.model_version
    with store.session() as session:
        suggestions = list(session.scalars(select(QueueEntry.suggestion)))
    assert suggestions and all(isinstance(s, list) for s in suggestions)
    assert {label for s in suggestions for label in s} <= {"money", "urgent", "social"}
