"""A span project's keys through the API, on both backends: the span editor's
own keys come after the page's actions and win over them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import page_client
from fastapi.testclient import TestClient

from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import open_store
from activelabel.store.projects import create_project


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    store = open_store(db_url)
    with store.session() as session:
        create_project(session, name="news", task="ner", labels="PER,LOC,ORG")
        create_project(session, name="sms", task="classification", labels="ham,spam")
    try:
        app_ = create_app(
            store, ServerSettings(open_access=True, background_trainer=False)
        )
        with page_client(app_) as test_client:
            yield test_client
    finally:
        store.close()


def test_a_span_project_sends_the_cursor_keys_and_moves_back_and_forward_aside(
    client: TestClient,
) -> None:
    news = client.get("/api/v1/projects/news").json()
    keys = {a["action"]: a["keys"] for a in news["actions"]}
    assert keys["token_previous"] == ["ArrowLeft"]
    assert keys["token_next"] == ["ArrowRight"]
    assert keys["extend_next"] == ["Shift+ArrowRight"]
    assert keys["delete_span"] == ["Delete"]
    assert keys["back"] == ["ArrowUp"]
    assert keys["forward"] == ["ArrowDown"]
    assert keys["accept"] == ["Enter"]
    assert "Delete" in news["reserved_keys"]
    assert news["keys"] == {"PER": "1", "LOC": "2", "ORG": "3"}


def test_a_classification_project_keeps_its_arrows(client: TestClient) -> None:
    sms = client.get("/api/v1/projects/sms").json()
    keys = {a["action"]: a["keys"] for a in sms["actions"]}
    assert keys["back"] == ["ArrowLeft"]
    assert "token_next" not in keys
    assert "Delete" not in sms["reserved_keys"]
