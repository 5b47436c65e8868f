"""The queries dataset downloaded from the page (``GET …/export?dataset=queries``)
is the file `activelabel query` writes, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from api_support import page_client
from test_queries_file import trained_project
from typer.testing import CliRunner

from activelabel.cli import app as cli_app
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store
from activelabel.store.models import QuerySession

runner = CliRunner()


def _client(store: Store, db_url: str) -> Any:
    app = create_app(store, ServerSettings(background_trainer=False), url=db_url)
    return page_client(app)


def _without_session(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    # Each scoring is a query session of its own; everything else is the same.
    return [{k: v for k, v in row.items() if k != "session_id"} for row in rows]


def test_the_page_downloads_the_queries_file_the_command_writes(
    db_url: str, store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = trained_project(store, project_factory)
    with _client(store, db_url) as client:
        got = client.get(
            f"/api/v1/projects/{project.name}/export",
            params={
                "dataset": "queries",
                "format": "csv",
                "strategy": "margin,entropy",
                "top": 5,
            },
        )
    assert got.status_code == 200, got.text
    assert f"{project.name}-queries.csv" in got.headers["content-disposition"]
    downloaded = list(csv.DictReader(io.StringIO(got.text)))
    assert list(downloaded[0]) == [
        "external_id",
        "score",
        "margin",
        "entropy",
        "suggestion",
        "confidence",
        "session_id",
        "model_version",
    ]
    assert len(downloaded) == 5
    scores = [float(row["score"]) for row in downloaded]
    assert scores == sorted(scores, reverse=True)
    with store.session() as session:
        recorded = session.get_one(QuerySession, int(downloaded[0]["session_id"]))
        assert recorded.strategy == "query:margin,entropy"
    target = tmp_path / "queries.csv"
    said = runner.invoke(
        cli_app,
        [
            *("query", project.name, "-o", str(target)),
            *("--strategy", "margin,entropy", "--top", "5", "--db", db_url),
        ],
    )
    assert said.exit_code == 0, said.output
    with target.open(encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert _without_session(downloaded) == _without_session(written)


def test_a_download_the_command_would_refuse_answers_its_sentence(
    db_url: str, store: Store, project_factory: Any
) -> None:
    # The child's sentence reaches the page (one child: each loads the model
    # stack, seconds on a busy machine; the strategies' sentence is the
    # command's, tested with it).
    untrained = project_factory(items=[{"text": "a"}, {"text": "b"}])
    with _client(store, db_url) as client:
        no_model = client.get(
            f"/api/v1/projects/{untrained.name}/export",
            params={"dataset": "queries"},
        )
        assert no_model.status_code == 400
        assert "has no trained model yet" in no_model.json()["error"]
        assert (
            client.get(
                f"/api/v1/projects/{untrained.name}/export",
                params={"dataset": "queries", "top": 0},
            ).status_code
            == 422
        )
