"""The notebook widget on SQLite and PostgreSQL: rounds off the kernel's thread,
and the page's API beside it on the same queue."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from activelabel import Project
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.server.request_guard import page_headers
from activelabel.store.models import Job, utcnow

FIXTURES = Path(__file__).parent.parent / "fixtures"

pytestmark = pytest.mark.slow


def test_labels_in_the_widget_start_a_round_in_the_background_and_it_shows_the_model(
    db_url: str,
) -> None:
    # A kernel that died in mid-round left its job running, without a
    # heartbeat since: the widget's trainer takes it back instead of waiting
    # on it for ever.
    with Project.create(
        db_url, "sms", labels=["ham", "spam"], retrain_every=4
    ) as project:
        project.import_file(
            FIXTURES / "sms_sample.tsv", columns=["label", "text"], text_column="text"
        )
        with project.store.session(write=True) as session:
            long_ago = utcnow() - dt.timedelta(hours=1)
            session.add(
                Job(
                    project_id=project.id,
                    kind="train",
                    state="running",
                    started_at=long_ago,
                    heartbeat_at=long_ago,
                )
            )
        widget = project.widget(annotator="alice")
        try:
            # Reclaimed, the job runs again (nothing to train on yet) and ends.
            deadline = time.monotonic() + 120
            while _open_jobs(project) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert not _open_jobs(project)
            for value in ("ham", "spam", "ham", "spam"):
                widget.label(value)
            deadline = time.monotonic() + 180
            while widget.progress["model"] is None and time.monotonic() < deadline:
                time.sleep(0.5)
            assert widget.progress["model"] is not None, widget.progress
            assert project.learning_curve()["n_labels"].tolist() == [4]
            assert widget.message.startswith("New model")
            assert widget.progress["labels_until_round"] == 4
        finally:
            widget.close()


def _open_jobs(project: Project) -> list[str]:
    with project.store.session() as session:
        return list(
            session.scalars(
                select(Job.state).where(
                    Job.project_id == project.id, Job.state.in_(("queued", "running"))
                )
            )
        )


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
