"""The queries dataset: written by `activelabel query`, imported back as the labeling order."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.exceptions import ActiveLabelError
from activelabel.io.queries_file import import_queries_file
from activelabel.loop.query_scores import score_queries
from activelabel.loop.round import run_round
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.leases import lease_entries
from activelabel.store.models import Item, Project, QuerySession
from activelabel.store.users import add_user

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sms_sample.tsv"
runner = CliRunner()


def sms_rows() -> list[tuple[str, str]]:
    with FIXTURE.open(encoding="utf-8") as handle:
        return [(row[0], row[1]) for row in csv.reader(handle, delimiter="\t")]


def trained_project(store: Store, project_factory: Any, labeled: int = 20) -> Project:
    """The SMS sample with its first ``labeled`` rows labeled and a model trained."""
    rows = sms_rows()
    project: Project = project_factory(
        items=[(f"sms-{n}", {"text": text}) for n, (_, text) in enumerate(rows)],
        config={"text_column": "text"},
    )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        ids = {i.external_id: i.id for i in row.items}
        for n, (label, _) in enumerate(rows[:labeled]):
            add_annotation(session, project=row, item_id=ids[f"sms-{n}"], value=label)
    report = run_round(store, project.id, queue_size=50)
    assert report.model_version is not None
    return project


def next_ids(store: Store, project: Project, n: int) -> list[str]:
    with store.session() as session:
        user = add_user(session, name=f"ann-{n}")[0]
    with store.engine.begin() as connection:
        leased = lease_entries(connection, project_id=project.id, user_id=user.id, n=n)
    return [task.external_id for task in leased.tasks]


def test_query_scores_every_unlabeled_item_best_first_under_each_strategy(
    store: Store, project_factory: Any
) -> None:
    project = trained_project(store, project_factory)
    scored = score_queries(store, project.name, strategies=["margin", "entropy"])
    assert scored.pool_size == len(sms_rows()) - 20
    assert len(scored.rows) == scored.pool_size
    margins = [row.scores[0] for row in scored.rows]
    assert margins == sorted(margins, reverse=True)
    assert all(0.0 <= s <= 1.0 for row in scored.rows for s in row.scores)
    # Suggested as the page suggests them: none on a class not learned yet.
    suggested = [row for row in scored.rows if row.suggestion is not None]
    assert suggested
    assert {row.suggestion for row in suggested} <= {"ham", "spam"}
    assert all(0.5 <= (row.confidence or 0) <= 1.0 for row in suggested)
    labeled = {f"sms-{n}" for n in range(20)}
    assert not labeled & {row.external_id for row in scored.rows}
    with store.session() as session:
        recorded = session.get_one(QuerySession, scored.session_id)
        assert recorded.strategy == "query:margin,entropy"


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_a_queries_file_imported_back_sets_the_next_tasks_in_its_order(
    store: Store, project_factory: Any, db_url: str, tmp_path: Path, suffix: str
) -> None:
    project = trained_project(store, project_factory)
    target = tmp_path / f"queries.{suffix}"
    result = runner.invoke(
        app,
        [
            "query",
            project.name,
            "-o",
            str(target),
            "--strategy",
            "least_confidence,margin",
            "--top",
            "12",
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 12 of" in " ".join(result.output.split())
    if suffix == "csv":
        with target.open(encoding="utf-8", newline="") as handle:
            written = list(csv.DictReader(handle))
    else:
        written = [json.loads(line) for line in target.read_text().splitlines()]
    assert list(written[0]) == [
        "external_id",
        "score",
        "least_confidence",
        "margin",
        "suggestion",
        "confidence",
        "session_id",
        "model_version",
    ]
    # Reverse the model's order, as a queries file scored elsewhere might.
    for rank, row in enumerate(written):
        row["score"] = rank
    with target.open("w", encoding="utf-8", newline="") as handle:
        if suffix == "csv":
            out = csv.DictWriter(handle, fieldnames=list(written[0]))
            out.writeheader()
            out.writerows(written)
        else:
            handle.writelines(json.dumps(row) + "\n" for row in written)

    result = runner.invoke(
        app, ["import", project.name, str(target), "--as-queries", "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    assert "the next 12 items" in " ".join(result.output.split())
    expected = [row["external_id"] for row in reversed(written)]
    assert next_ids(store, project, 12) == expected


def test_an_imported_order_survives_a_round_until_labeled(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = trained_project(store, project_factory)
    target = tmp_path / "order.jsonl"
    order = ["sms-40", "sms-30", "sms-50"]
    target.write_text(
        "".join(
            json.dumps({"id": key, "score": 3 - n}) + "\n"
            for n, key in enumerate(order)
        )
    )
    read, queued = import_queries_file(store, project.name, target)
    assert (read.rows_read, queued.queued, queued.skipped) == (3, 3, 0)
    run_round(store, project.id, queue_size=50)
    assert next_ids(store, project, 3) == order


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [{"id": "sms-1", "score": 1}]
            + [{"id": f"nope-{n}", "score": 0.5} for n in range(6)],
            "6 rows name items project .* does not hold \\('nope-0', 'nope-1', "
            "'nope-2', 'nope-3', 'nope-4' and 1 more\\); nothing was stored",
        ),
        (
            [{"id": "sms-1", "score": "high"}],
            "line 1: the score 'high' is not a number",
        ),
        ([{"id": "sms-1"}], "has no 'score' column"),
        (
            [{"id": "sms-1", "score": 1}, {"id": "", "score": 2}],
            "line 2: the id column",
        ),
        (
            [{"id": "sms-1", "score": 1}, {"id": "sms-1", "score": 2}],
            "line 2: the id 'sms-1' was given already \\(line 1\\)",
        ),
    ],
    ids=["unknown-ids", "score-text", "no-score", "no-id", "twice"],
)
def test_a_bad_queries_file_is_refused_and_queues_nothing(
    store: Store,
    project_factory: Any,
    tmp_path: Path,
    lines: list[dict[str, Any]],
    expected: str,
) -> None:
    project: Project = project_factory(
        items=[(f"sms-{n}", {"text": f"text {n}"}) for n in range(5)],
        config={"text_column": "text"},
    )
    target = tmp_path / "bad.jsonl"
    target.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(ActiveLabelError, match=expected):
        import_queries_file(store, project.name, target)
    assert next_ids(store, project, 5) == []
    with store.session() as session:
        assert session.query(QuerySession).count() == 0
        assert session.query(Item).count() == 5


def test_query_without_a_model_says_how_to_train_one(
    project_factory: Any, db_url: str, tmp_path: Path
) -> None:
    project: Project = project_factory(items=[{"text": "a"}, {"text": "b"}])
    result = runner.invoke(
        app, ["query", project.name, "-o", str(tmp_path / "q.csv"), "--db", db_url]
    )
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "has no trained model yet" in said
    assert f"activelabel train {project.name}" in said
    assert not (tmp_path / "q.csv").exists()
