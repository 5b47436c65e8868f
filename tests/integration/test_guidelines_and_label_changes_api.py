"""Guidelines and label schema changes through the CLI and the API, on both
backends: who may read and change them, and the sentences of refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import page_client
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel.cli import app as cli
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.guidelines import MAX_GUIDELINES_CHARS
from activelabel.store.models import Annotation, LabelChange, Project
from activelabel.store.projects import create_project
from activelabel.store.users import add_user

runner = CliRunner()

GUIDE = """# Spam or not

Label what a person would not want in their inbox.

## spam
- "WIN a FREE prize, text YES" — spam

## ham
- "see you at lunch" — ham

<script>alert(1)</script>
"""


@pytest.fixture
def server(store: Store) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with store.session() as session:
        project = create_project(
            session, name="sms", task="classification", labels="ham,spam"
        )
        project.update_settings(text_column="text")
        tokens = {
            role: add_user(session, name=role, role=role)[1]
            for role in ("annotator", "reviewer", "admin")
        }
    app = create_app(store, ServerSettings(open_access=False, background_trainer=False))
    with page_client(app) as client:
        yield client, tokens


def _as(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def test_guidelines_stored_from_a_file_are_read_by_every_role_as_written(
    server: tuple[TestClient, dict[str, str]], db_url: str, tmp_path: Path
) -> None:
    client, tokens = server
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    stored = runner.invoke(cli, ["guidelines", "sms", str(guide), "--db", db_url])
    assert stored.exit_code == 0, stored.stderr
    printed = runner.invoke(cli, ["guidelines", "sms", "--db", db_url])
    assert printed.stdout.rstrip("\n") == GUIDE.rstrip("\n")
    for role in ("annotator", "reviewer", "admin"):
        got = client.get("/api/v1/projects/sms/guidelines", headers=_as(tokens, role))
        assert got.status_code == 200
        # Stored as written: the page renders it without raw HTML.
        assert got.json()["markdown"] == GUIDE
        assert got.json()["labels_without_section"] == []


def test_only_admins_change_the_guidelines_and_long_ones_are_refused(
    server: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = server
    url = "/api/v1/projects/sms/guidelines"
    body = {"markdown": "## ham\nlunch\n"}
    assert (
        client.put(url, json=body, headers=_as(tokens, "reviewer")).status_code == 403
    )
    assert (
        client.put(url, json=body, headers=_as(tokens, "annotator")).status_code == 403
    )
    done = client.put(url, json=body, headers=_as(tokens, "admin"))
    assert done.status_code == 200
    assert done.json()["updated_by"] == "admin"
    assert done.json()["labels_without_section"] == ["spam"]
    long = {"markdown": "x" * (MAX_GUIDELINES_CHARS + 1)}
    refused = client.put(url, json=long, headers=_as(tokens, "admin"))
    assert refused.status_code == 400
    assert "at most 100,000" in refused.json()["error"]
    kept = client.get(url, headers=_as(tokens, "annotator")).json()
    assert kept["markdown"] == "## ham\nlunch\n"


def test_a_guidelines_file_that_is_not_utf8_is_refused_naming_its_line(
    server: Any, db_url: str, tmp_path: Path
) -> None:
    guide = tmp_path / "guide.md"
    guide.write_bytes(b"# ok\n\n\xff bad\n")
    result = runner.invoke(cli, ["guidelines", "sms", str(guide), "--db", db_url])
    assert result.exit_code == 1
    assert "line 3: not UTF-8" in " ".join(result.stderr.split())


def test_admins_change_the_schema_through_the_api_and_reviewers_may_not(
    server: tuple[TestClient, dict[str, str]], store: Store
) -> None:
    client, tokens = server
    url = "/api/v1/projects/sms/label-changes"
    with store.session() as session:
        project = session.scalars(select(Project)).one()
        session.add_all([])
        from activelabel.store.models import Item

        item = Item(project_id=project.id, external_id="1", content_hash="h", data={})
        session.add(item)
        session.flush()
        add_annotation(session, project=project, item_id=item.id, value="spam")
    refused = client.post(
        url,
        json={"change": "rename", "label": "spam", "new_label": "junk"},
        headers=_as(tokens, "reviewer"),
    )
    assert refused.status_code == 403
    renamed = client.post(
        url,
        json={"change": "rename", "label": "spam", "new_label": "junk"},
        headers=_as(tokens, "admin"),
    )
    assert renamed.status_code == 201, renamed.text
    assert renamed.json()["labels"] == ["ham", "junk"]
    assert renamed.json()["data"][0]["items_touched"] == 1
    assert renamed.json()["data"][0]["changed_by"] == "admin"
    # The page's project follows at once (the labeling routes cache it).
    project = client.get("/api/v1/projects/sms", headers=_as(tokens, "annotator"))
    assert project.json()["labels"] == ["ham", "junk"]
    added = client.post(
        url,
        json={"change": "add", "label": "promo", "key": "p"},
        headers=_as(tokens, "admin"),
    )
    assert added.status_code == 201
    same = client.post(
        url, json={"change": "add", "label": "ham"}, headers=_as(tokens, "admin")
    )
    assert same.status_code == 400
    assert "'ham' is already a label" in same.json()["error"]
    retired = client.post(
        url, json={"change": "retire", "label": "junk"}, headers=_as(tokens, "admin")
    )
    assert retired.json()["retired"] == ["junk"]
    history = client.get(url, headers=_as(tokens, "annotator")).json()
    assert [c["change"] for c in history["data"]] == ["renamed", "added", "retired"]
    with store.session() as session:
        assert session.scalars(select(Annotation.value)).all() == ["junk"]
        assert len(session.scalars(select(LabelChange)).all()) == 3


def test_the_labels_command_refuses_retiring_the_last_label_with_a_sentence(
    server: Any, db_url: str
) -> None:
    def run(*args: str) -> Any:
        return runner.invoke(cli, ["labels", "sms", *args, "--db", db_url])

    assert run("retire", "ham").exit_code == 0
    result = run("retire", "spam")
    assert result.exit_code == 1
    assert "'spam' is the only label of 'sms'" in " ".join(result.stderr.split())
    # Shown: --db goes before the project when no command follows.
    shown = runner.invoke(cli, ["labels", "--db", db_url, "sms"])
    assert "spam" in shown.stdout and "Retired: ham" in shown.stdout
