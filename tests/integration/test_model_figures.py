"""The progress panel's model figures: named metrics, per-class recall, and the
flag for classes a model has not learned, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from api_support import page_client
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.io.importer import import_path
from activelabel.loop.round import run_round
from activelabel.ml.training import cross_validate_model
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store
from activelabel.store.models import ModelVersion
from activelabel.store.projects import create_project

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "sms_spam.csv"


@pytest.fixture
def sms(store: Store) -> int:
    """The bundled SMS example: 600 texts, 40 of them labeled, on TF-IDF (the
    text default, auto, would choose embeddings, and that model learns spam)."""
    with store.session() as session:
        project_id = create_project(
            session,
            name="sms",
            task="classification",
            labels="ham,spam",
            settings={"featurizer": "tfidf"},
        ).id
    import_path(
        store, "sms", EXAMPLE, text_column="text", id_column="id", label_column="label"
    )
    return project_id


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    app = create_app(store, ServerSettings(open_access=True, background_trainer=False))
    with page_client(app) as test_client:
        yield test_client


def stats(client: TestClient) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/v1/projects/sms/stats")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_stats_name_accuracy_and_macro_f1_of_a_trained_model(
    client: TestClient, store: Store, sms: int, tmp_path: Path
) -> None:
    # Stats are shared for a few seconds, so they are read once, after the round.
    report = run_round(store, sms, queue_size=50, cache_dir=tmp_path / "cache")
    model = stats(client)["model"]
    assert model["name"] == report.model_version
    assert model["score_metric"] == "accuracy"
    assert model["accuracy"] == model["cv_score"] == report.cv_score
    assert 0 <= model["macro_f1"] <= 1
    assert set(model["per_class"]) == {"ham", "spam"}
    spam = model["per_class"]["spam"]
    assert set(spam) == {"precision", "recall", "support"} and spam["support"] > 0
    assert "fold" in model["cv_note"]
    assert isinstance(model["unlearned"], list)


def test_a_model_that_only_answers_the_majority_class_is_flagged(
    client: TestClient, store: Store, sms: int
) -> None:
    y = np.array(["ham"] * 24 + ["spam"] * 6)
    X = np.zeros((30, 2))
    score, _, note, metrics = cross_validate_model(
        DummyClassifier(strategy="most_frequent"), X, y
    )
    with store.session() as session:
        session.add(
            ModelVersion(
                project_id=sms,
                name="majority",
                n_labels=30,
                featurizer="none",
                cv_score=score,
                metrics={**metrics, "cv_note": note, "classes": ["ham", "spam"]},
            )
        )
    model = stats(client)["model"]
    assert model["accuracy"] == pytest.approx(0.8)
    assert model["macro_f1"] == pytest.approx(0.444, abs=0.001)
    assert model["per_class"]["spam"]["recall"] == 0.0
    assert model["unlearned"] == ["spam"]


def test_a_model_version_from_before_the_flag_is_flagged_by_its_recall(
    client: TestClient, store: Store, sms: int
) -> None:
    per_class = {
        "ham": {"precision": 0.775, "recall": 1.0, "f1": 0.87, "support": 31},
        "spam": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 9},
    }
    with store.session() as session:
        session.add(
            ModelVersion(
                project_id=sms,
                name="old",
                n_labels=40,
                featurizer="none",
                cv_score=0.775,
                metrics={"accuracy": 0.775, "macro_f1": 0.44, "per_class": per_class},
            )
        )
    model = stats(client)["model"]
    assert (model["accuracy"], model["macro_f1"]) == (0.775, 0.44)
    assert model["unlearned"] == ["spam"]


def test_the_stats_command_names_accuracy_and_macro_f1_and_the_unlearned_class(
    store: Store, sms: int, db_url: str, tmp_path: Path
) -> None:
    # The first round on the example's 40 labels (31 ham, 9 spam) never
    # predicts spam: accuracy is the share of ham.
    run_round(store, sms, queue_size=50, cache_dir=tmp_path / "cache")
    result = CliRunner().invoke(
        app, ["stats", "sms", "--db", db_url], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "(CV accuracy 0.775, macro-F1 0.437)" in out
    assert "not learned yet │ spam" in out
    as_json = CliRunner().invoke(app, ["stats", "sms", "--json", "--db", db_url])
    figures = json.loads(as_json.stdout)
    assert figures["latest_unlearned"] == ["spam"]
    assert figures["latest_macro_f1"] == pytest.approx(0.437, abs=0.001)


def test_a_span_model_is_named_by_its_entity_f1_in_the_api_and_the_cli(
    client: TestClient, store: Store, db_url: str, tmp_path: Path
) -> None:
    fixture = ROOT / "tests" / "fixtures" / "ner" / "news.conll"
    with store.session() as session:
        project_id = create_project(
            session, name="news", task="ner", labels="PER,LOC,ORG,MISC"
        ).id
    import_path(store, "news", fixture, fmt="conll")
    report = run_round(store, project_id, cache_dir=tmp_path / "cache")
    assert report.model_version is not None
    response = client.get("/api/v1/projects/news/stats")
    assert response.status_code == 200, response.text
    model = response.json()["model"]
    assert model["score_metric"] == "entity_f1"
    assert model["accuracy"] == pytest.approx(model["cv_score"])
    assert set(model["per_class"]) <= {"PER", "LOC", "ORG", "MISC"}
    result = CliRunner().invoke(
        app, ["stats", "news", "--db", db_url], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.stderr
    assert "(CV entity F1 " in " ".join(result.stdout.split())
