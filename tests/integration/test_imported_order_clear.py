"""An imported labeling order (``import --as-queries``) ended from the command
line and the API, on SQLite and PostgreSQL: its free entries leave the queue,
an item someone holds stays with them, and rounds no longer keep the order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api_support import page_client
from sqlalchemy import select
from test_queries_file import next_ids
from typer.testing import CliRunner

from activelabel.cli import app as cli_app
from activelabel.io.queries_file import import_queries_file
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store
from activelabel.store.imported_queries import QUERIES_FILE, QUERIES_FILE_CLEARED
from activelabel.store.models import Item, Project, QuerySession, QueueEntry

runner = CliRunner()


def _queued_by_strategy(store: Store, project: Project) -> dict[str, list[str]]:
    with store.session() as session:
        rows = session.execute(
            select(QuerySession.strategy, Item.external_id)
            .join(QueueEntry, QueueEntry.session_id == QuerySession.id)
            .join(Item, Item.id == QueueEntry.item_id)
            .where(QueueEntry.project_id == project.id)
            .order_by(QueueEntry.priority.desc())
        ).all()
    found: dict[str, list[str]] = {}
    for strategy, external_id in rows:
        found.setdefault(strategy, []).append(external_id)
    return found


def test_clearing_an_imported_order_returns_its_free_items_to_the_pool(
    db_url: str, store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project: Project = project_factory(
        "sms",
        items=[(f"sms-{n}", {"text": f"message {n}"}) for n in range(10)],
        config={"text_column": "text"},
    )
    order = tmp_path / "order.jsonl"
    order.write_text(
        "".join(
            json.dumps({"id": f"sms-{n}", "score": score}) + "\n"
            for n, score in ((7, 3), (3, 2), (5, 1))
        )
    )
    import_queries_file(store, project.name, order)
    # An annotator holds the first item of the order.
    assert next_ids(store, project, 1) == ["sms-7"]
    app = create_app(store, ServerSettings(background_trainer=False))
    with page_client(app) as client:
        cleared = client.delete("/api/v1/projects/sms/imported-order")
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {"removed": 2, "held": 1}
    # The held item stays with its annotator, no longer under a kept session.
    assert _queued_by_strategy(store, project) == {QUERIES_FILE_CLEARED: ["sms-7"]}
    with store.session() as session:
        strategies = session.scalars(select(QuerySession.strategy)).all()
        assert QUERIES_FILE not in strategies
    # Nothing is left to clear; the command says so.
    said = runner.invoke(cli_app, ["clear-queries", "sms", "--db", db_url])
    assert said.exit_code == 0, said.output
    assert "0 items returned to the pool" in " ".join(said.output.split())


def test_the_command_clears_an_order_and_names_an_unknown_project(
    db_url: str, store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project: Project = project_factory(
        "sms", items=[(f"sms-{n}", {"text": f"message {n}"}) for n in range(4)]
    )
    order = tmp_path / "order.csv"
    order.write_text("id,score\nsms-2,2\nsms-0,1\n")
    import_queries_file(store, project.name, order)
    said = runner.invoke(cli_app, ["clear-queries", "sms", "--db", db_url])
    assert said.exit_code == 0, said.output
    assert "2 items returned to the pool" in " ".join(said.output.split())
    assert _queued_by_strategy(store, project) == {}
    unknown = runner.invoke(cli_app, ["clear-queries", "smss", "--db", db_url])
    assert unknown.exit_code != 0
    assert "'sms'" in unknown.output
