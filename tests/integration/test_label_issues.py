"""Likely mislabeled items on both backends: the round writes the list, the CLI
computes it when no round has, the API shows it to reviewers; CROWDLAB's
annotator quality with overlap."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import page_client
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel.cli import app as cli
from activelabel.exceptions import ConfigError
from activelabel.io.importer import import_path
from activelabel.loop.label_issues import project_label_issues
from activelabel.loop.round import run_round
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.label_issues import annotator_quality
from activelabel.store.models import Annotation, LabelIssue, Project
from activelabel.store.projects import create_project
from activelabel.store.users import add_user

SMS = Path(__file__).parents[1] / "fixtures" / "sms_sample.tsv"
runner = CliRunner()


def _sms_project(store: Store, *, flip: int = 0) -> tuple[int, set[int]]:
    """The 200 SMS fixture messages, imported with their labels; the first
    ``flip`` spam messages relabeled ham (planted mistakes: their item ids)."""
    with store.session() as session:
        project_id = create_project(
            session, name="sms", task="classification", labels="ham,spam"
        ).id
    import_path(store, "sms", SMS, columns=["label", "text"], label_column="label")
    flipped = set()
    with store.session() as session:
        rows = session.scalars(select(Annotation).order_by(Annotation.id)).all()
        for row in [r for r in rows if r.value == "spam"][:flip]:
            row.value = "ham"
            flipped.add(row.item_id)
    return project_id, flipped


def test_the_round_ranks_the_planted_mistakes_first_and_replaces_the_list(
    store: Store, tmp_path: Path
) -> None:
    project_id, flipped = _sms_project(store, flip=4)
    run_round(store, project_id, cache_dir=tmp_path, queue_size=10)
    with store.session() as session:
        rows = session.scalars(select(LabelIssue).order_by(LabelIssue.rank)).all()
        assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
        assert rows and all(r.model_version_id is not None for r in rows)
        assert all(r.suggested != r.given for r in rows)
        assert [r.quality for r in rows] == sorted(r.quality for r in rows)
        # At least half the planted mistakes are in the top eight.
        assert len(flipped & {r.item_id for r in rows[:8]}) >= 2
        first = len(rows)
    # A second round replaces the list rather than adding to it.
    run_round(store, project_id, cache_dir=tmp_path, queue_size=10)
    with store.session() as session:
        assert len(session.scalars(select(LabelIssue)).all()) == first


def test_the_command_computes_the_list_when_no_round_has_and_writes_a_file(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    _sms_project(store, flip=6)
    target = tmp_path / "issues.csv"
    result = runner.invoke(
        cli, ["label-issues", "sms", "--json", "-o", str(target), "--db", db_url]
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["computed"] is True
    assert report["issues"] and report["issues"][0]["rank"] == 1
    assert {i["given"] for i in report["issues"]} <= {"ham", "spam"}
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("rank,item_id,external_id,given,suggested,quality")
    assert len(lines) == len(report["issues"]) + 1
    with store.session() as session:
        assert len(session.scalars(select(LabelIssue)).all()) == len(report["issues"])
    # Asked again, the stored list is read, not computed.
    again = project_label_issues(store, "sms")
    assert not again.computed
    assert [i.item_id for i in again.issues] == [i["item_id"] for i in report["issues"]]


def test_span_and_box_projects_are_told_why_they_have_no_list(store: Store) -> None:
    with store.session() as session:
        create_project(session, name="ents", task="ner", labels="PER,ORG")
    with pytest.raises(ConfigError, match="A ner project has no mislabel finder"):
        project_label_issues(store, "ents")


def test_with_overlap_crowdlab_scores_each_annotator_in_the_models_figures(
    store: Store, tmp_path: Path
) -> None:
    project_id, _ = _sms_project(store)
    with store.session() as session:
        project = session.get_one(Project, project_id)
        careful, careless = (add_user(session, name=n)[0].id for n in ("cy", "dee"))
        truth = dict(
            session.execute(select(Annotation.item_id, Annotation.value)).all()
        )
        for k, (item_id, value) in enumerate(sorted(truth.items())):
            other = "ham" if value == "spam" else "spam"
            add_annotation(
                session,
                project=project,
                item_id=item_id,
                value=value,
                annotator_id=careful,
            )
            add_annotation(
                session,
                project=project,
                item_id=item_id,
                value=other if k % 3 == 0 else value,
                annotator_id=careless,
            )
    run_round(store, project_id, cache_dir=tmp_path, queue_size=10)
    with store.session() as session:
        figures = annotator_quality(session, project_id)
    assert set(figures) == {"cy", "dee"}
    assert figures["dee"]["quality"] < figures["cy"]["quality"]
    assert figures["cy"]["labels"] == len(truth)


@pytest.fixture
def served(store: Store) -> Iterator[tuple[TestClient, dict[str, str]]]:
    _sms_project(store, flip=6)
    with store.session() as session:
        tokens = {
            role: add_user(session, name=role, role=role)[1]
            for role in ("annotator", "reviewer", "admin")
        }
    app = create_app(store, ServerSettings(open_access=False, background_trainer=False))
    with page_client(app) as client:
        yield client, tokens


def test_reviewers_read_the_list_through_the_api_and_annotators_may_not(
    served: tuple[TestClient, dict[str, str]], store: Store
) -> None:
    client, tokens = served
    url = "/api/v1/projects/sms/label-issues"

    def get(role: str, query: str = "") -> Any:
        return client.get(
            url + query, headers={"Authorization": f"Bearer {tokens[role]}"}
        )

    empty = get("reviewer")
    assert empty.status_code == 200 and empty.json()["count"] == 0
    assert "no round has judged" in empty.json()["note"]
    project_label_issues(store, "sms")
    listed = get("reviewer", "?limit=2").json()
    assert listed["count"] >= 2 and len(listed["data"]) == 2
    assert [i["rank"] for i in listed["data"]] == [1, 2]
    assert listed["data"][0]["text"]
    assert get("annotator").status_code == 403
    assert get("admin").status_code == 200


def test_a_multilabel_round_judges_label_sets(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    words = {"sports": "goal match team", "politics": "vote minister law"}
    sets = [["sports"], ["politics"], ["politics", "sports"]]
    project = project_factory(
        task="multilabel",
        labels=("politics", "sports"),
        items=[
            {"text": " ".join(words[w] for w in sets[i % 3]) + f" n{i}"}
            for i in range(90)
        ],
        config={"text_column": "text"},
    )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        items = sorted(item.id for item in row.items)
        for k, item_id in enumerate(items):
            # Every tenth set is wrong: its labels swapped for the others.
            value = (
                sets[k % 3]
                if k % 10
                else [
                    label
                    for label in ("politics", "sports")
                    if label not in sets[k % 3]
                ]
                or ["sports"]
            )
            add_annotation(session, project=row, item_id=item_id, value=value)
    run_round(store, project.id, cache_dir=tmp_path, queue_size=5)
    with store.session() as session:
        rows = session.scalars(select(LabelIssue).order_by(LabelIssue.rank)).all()
    assert rows, "the planted wrong sets are flagged"
    assert all(
        isinstance(r.given, list) and isinstance(r.suggested, list) for r in rows
    )
    wrong = {items[k] for k in range(0, 90, 10)}
    assert len(wrong & {r.item_id for r in rows[:9]}) >= 5


def test_a_round_replaces_a_long_list_slice_by_slice(
    store: Store, project_factory: Any
) -> None:
    from activelabel.loop.write import SLICE, _write_label_issues
    from activelabel.store.label_issues import FoundLabelIssue, replace_label_issues

    project = project_factory(items=[{"text": f"t{i}"} for i in range(3 * SLICE)])
    with store.session() as session:
        items = sorted(i.id for i in session.get_one(Project, project.id).items)
        old = [
            FoundLabelIssue(i, k + 1, 0.2, "ham", "spam") for k, i in enumerate(items)
        ]
        replace_label_issues(session, project.id, old, model_version_id=None)
    new = [
        FoundLabelIssue(i, k + 1, 0.1, "spam", "ham")
        for k, i in enumerate(items[SLICE // 2 :])
    ]
    with store.session() as session:
        from activelabel.store.models import ModelVersion

        version = ModelVersion(
            project_id=project.id, name="v", n_labels=1, featurizer="f"
        )
        session.add(version)
        session.flush()
        version_id = version.id
    _write_label_issues(store, project.id, new, version_id)
    with store.session() as session:
        rows = session.scalars(select(LabelIssue).order_by(LabelIssue.rank)).all()
    assert [(r.item_id, r.rank, r.given) for r in rows] == [
        (n.item_id, n.rank, "spam") for n in new
    ]
    assert {r.model_version_id for r in rows} == {version_id}
