"""The notebook widget on SQLite and PostgreSQL: rounds off the kernel's thread,
and the page's API beside it on the same queue."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from activelabel import Project
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.server.request_guard import page_headers

FIXTURES = Path(__file__).parent.parent / "fixtures"

pytestmark = pytest.mark.slow


def test_labels_in_the_widget_start_a_round_in_the_background_and_it_shows_the_model(
    db_url: str,
) -> None:
    with Project.create(
        db_url, "sms", labels=["ham", "spam"], retrain_every=4
    ) as project:
        project.import_file(
            FIXTURES / "sms_sample.tsv", columns=["label", "text"], text_column="text"
        )
        widget = project.widget(annotator="alice")
        try:
            for value in ("ham", "spam", "ham", "spam"):
                started = time.monotonic()
                widget.label(value)
                # The round never runs on the labeling thread.
                assert time.monotonic() - started < 2.0
            deadline = time.monotonic() + 180
            while widget.progress["model"] is None and time.monotonic() < deadline:
                time.sleep(0.5)
            assert widget.progress["model"] is not None, widget.progress
            assert widget.message.startswith("New model")
            assert widget.progress["labels_until_round"] == 4
        finally:
            widget.close()
        assert len(project.learning_curve()) == 1


def test_the_page_never_gets_the_item_the_widget_shows_nor_the_labeled_ones(
    db_url: str,
) -> None:
    with Project.create(db_url, "sms", labels=["ham", "spam"]) as project:
        project.import_file(
            FIXTURES / "sms_sample.tsv", columns=["label", "text"], text_column="text"
        )
        widget = project.widget(annotator="alice", retrain=False)
        app = create_app(project.store, ServerSettings(background_trainer=False))
        try:
            labeled = []
            with TestClient(
                app, base_url="http://127.0.0.1", headers=page_headers(app)
            ) as page:
                for _ in range(3):
                    labeled.append(widget.item["id"])
                    widget.label("ham")
                    response = page.post(
                        "/api/v1/projects/sms/tasks/next", json={"n": 100}
                    )
                    assert response.status_code == 200, response.text
                    served = {t["item_id"] for t in response.json()["data"]}
                    assert len(served) == 100
                    assert widget.item["id"] not in served
                    assert not served & set(labeled)
        finally:
            widget.close()
