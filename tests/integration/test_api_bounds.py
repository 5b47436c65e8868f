"""Malformed requests get a 4xx in the error shape, never a 500; times carry a zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import ProjectFactory, page_client
from fastapi.testclient import TestClient

from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store
from activelabel.store.random_fill import random_fill

HUGE = 2**63
LARGEST_ID = 2**31 - 1
P = "/api/v1/projects/sms"


@pytest.fixture
def client(store: Store, project_factory: ProjectFactory) -> Iterator[TestClient]:
    made = project_factory("sms", items=[{"text": f"message {i}"} for i in range(5)])
    with store.session() as session:
        random_fill(session, project_id=made.id, size=5)
    app = create_app(store, ServerSettings(open_access=True, background_trainer=False))
    with page_client(app) as test_client:
        yield test_client


def assert_422(response: Any) -> None:
    assert response.status_code == 422, (response.request.url, response.text)
    body = response.json()
    assert set(body) == {"ok", "status", "error", "errors"}, body
    assert body["status"] == 422 and body["errors"], body


def test_integers_beyond_64_bits_are_a_422_everywhere(client: TestClient) -> None:
    for response in (
        client.post(f"{P}/tasks/{HUGE}/skip"),
        client.post(f"{P}/tasks/{LARGEST_ID + 1}/skip"),
        client.post(f"{P}/tasks/0/skip"),
        client.get(f"{P}/items/{HUGE}/media"),
        client.post(f"{P}/annotations/{HUGE}/undo"),
        client.patch(f"{P}/annotations/{HUGE}", json={"value": "ham"}),
        client.get(f"{P}/annotations", params={"before_id": HUGE}),
        client.get(f"{P}/annotations", params={"limit": HUGE}),
        client.post(f"{P}/annotations", json={"item_id": HUGE, "value": "ham"}),
        client.post(
            f"{P}/annotations", json={"item_id": 1, "value": "ham", "session_id": HUGE}
        ),
        client.post(f"{P}/tasks/next", json={"n": 1, "exclude": [HUGE]}),
        client.post(f"{P}/tasks/next", json={"n": HUGE}),
        client.patch(P, json={"overlap": HUGE}),
    ):
        assert_422(response)


def test_the_largest_id_is_simply_not_found(client: TestClient) -> None:
    response = client.post(f"{P}/annotations/{LARGEST_ID}/undo")
    assert response.status_code == 404, response.text


def test_booleans_and_strings_are_not_taken_for_numbers(client: TestClient) -> None:
    for body in (
        {"item_id": True, "value": "ham"},
        {"item_id": "1", "value": "ham"},
        {"item_id": 1.5, "value": "ham"},
        {"item_id": 1, "value": "ham", "seconds_spent": True},
        {"item_id": 1, "value": "ham", "accepted_suggestion": 1},
    ):
        assert_422(client.post(f"{P}/annotations", json=body))
    assert_422(client.post(f"{P}/tasks/next", json={"n": True}))
    assert_422(client.post(f"{P}/tasks/next", json={"n": 1, "exclude": [False]}))
    assert_422(client.patch(P, json={"retrain_every": True}))


def test_a_nul_character_in_the_url_is_a_422(client: TestClient) -> None:
    for response in (
        client.get(f"{P}/annotations", params={"status": "act\x00ive"}),
        client.get(f"{P}/annotations", params={"status": "no-such-status"}),
        client.get("/api/v1/projects/s%00ms"),
        client.post("/api/v1/projects/s%00ms/train"),
    ):
        assert_422(response)


def test_a_body_that_is_not_json_is_a_422(client: TestClient) -> None:
    assert_422(
        client.post(
            f"{P}/tasks/next",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
    )


def test_an_unexpected_error_answers_in_the_error_shape(store: Store) -> None:
    app = create_app(store, ServerSettings(open_access=True, background_trainer=False))

    @app.post("/api/v1/fails")
    def fails() -> None:
        raise RuntimeError("a bug")

    with page_client(app, raise_server_exceptions=False) as client:
        response = client.post("/api/v1/fails")
    assert response.status_code == 500
    body = response.json()
    assert body["ok"] is False and body["status"] == 500
    assert "RuntimeError" in body["error"] and "report" in body["error"]


def aware(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    assert parsed.tzinfo is not None and parsed.utcoffset() == dt.timedelta(0), value
    return parsed


def test_timestamps_carry_their_timezone(client: TestClient) -> None:
    task = client.post(f"{P}/tasks/next", json={"n": 1}).json()["data"][0]
    aware(task["lease_expires_at"])
    made = client.post(
        f"{P}/annotations", json={"item_id": task["item_id"], "value": "ham"}
    ).json()
    created = aware(made["created_at"])
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(minutes=5)
    edited = client.patch(f"{P}/annotations/{made['id']}", json={"value": "spam"})
    assert edited.status_code == 200, edited.text
    history = client.get(f"{P}/annotations", params={"status": "all"}).json()["data"]
    assert len(history) == 2
    for listed in history:
        aware(listed["created_at"])
    # The superseded label records when it was superseded.
    assert [aware(a["updated_at"]) for a in history if a["updated_at"]]
