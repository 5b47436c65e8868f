"""A round of a project whose featurizer is auto records what it chose and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel import extras
from activelabel.cli import app
from activelabel.exceptions import ConfigError
from activelabel.loop import featurizer_choice, first_model_sample, run_round
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store, open_store
from activelabel.store.models import ModelVersion, Project
from activelabel.store.projects import create_project, get_project

SPAM = ("win a free prize now, text WIN to claim", "urgent! your account won cash")
runner = CliRunner()
HAM = ("see you at lunch tomorrow", "can you pick up milk on the way home")


def _project(
    store: Store, project_factory: Any, *, labeled: int, featurizer: str | None = "auto"
) -> int:
    """50 texts, the first ``labeled`` of them labeled, half spam."""
    config = {"text_column": "text"}
    if featurizer is not None:
        config["featurizer"] = featurizer
    project = project_factory(
        items=[
            {"text": f"{(SPAM if i % 2 else HAM)[i % 4 // 2]} ({i})"} for i in range(50)
        ],
        config=config,
    )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        for index, item in enumerate(sorted(row.items, key=lambda i: i.id)[:labeled]):
            value = "spam" if index % 2 else "ham"
            add_annotation(session, project=row, item_id=item.id, value=value)
    return project.id


def _choices(store: Store) -> list[dict[str, Any]]:
    with store.session() as session:
        versions = session.scalars(select(ModelVersion).order_by(ModelVersion.id))
        return [v.metrics["featurizer_choice"] for v in versions]


def test_auto_compares_the_featurizers_once_the_labels_allow_and_keeps_its_choice(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    if not extras.embeddings_installed():
        pytest.skip("the embeddings extra is not installed")
    project_id = _project(store, project_factory, labeled=40)
    report = run_round(store, project_id, queue_size=10, cache_dir=tmp_path / "c")
    assert report.model_version is not None
    (choice,) = _choices(store)
    assert set(choice["scores"]) == {"tfidf", "embeddings", "both"}
    # The best macro-F1 (on a tie, the cheapest: tfidf before embeddings).
    assert choice["scores"][choice["chosen"]] == max(choice["scores"].values())
    assert choice["n_labels"] == 40 and choice["next_check"] == 80
    with store.session() as session:
        version = session.scalars(select(ModelVersion)).one()
        assert version.metrics["calibration"]["n_rows"] == 40
    # The next round (labels not doubled) keeps the choice without comparing.
    run_round(store, project_id, queue_size=10, cache_dir=tmp_path / "c")
    assert _choices(store)[1] == choice


def test_a_text_project_that_names_no_featurizer_chooses_by_evidence(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    if not extras.embeddings_installed():
        pytest.skip("the embeddings extra is not installed")
    project_id = _project(store, project_factory, labeled=40, featurizer=None)
    run_round(store, project_id, queue_size=10, cache_dir=tmp_path / "c")
    (choice,) = _choices(store)
    assert set(choice["scores"]) == {"tfidf", "embeddings", "both"}


def test_auto_embeds_no_pool_over_the_limit_even_when_a_first_model_samples_it(
    store: Store, project_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Scaled down: a 50-item pool over a limit of 45, whose first round reads
    # its 40 labeled items and 2 others, a sample under that limit.
    monkeypatch.setattr(featurizer_choice, "AUTO_EMBEDDING_POOL", 45)
    monkeypatch.setattr(first_model_sample, "SAMPLED_POOL", 45)
    monkeypatch.setattr(first_model_sample, "FIRST_MODEL_SAMPLE", 2)
    project_id = _project(store, project_factory, labeled=40)
    report = run_round(store, project_id, queue_size=10, cache_dir=tmp_path / "c")
    assert report.note is not None and "drawn at random" in report.note
    (choice,) = _choices(store)
    assert choice["chosen"] == "tfidf" and choice["scores"] == {}
    if extras.embeddings_installed():
        assert "pools over 45 items are not embedded" in choice["note"]


def test_auto_uses_tfidf_and_says_so_without_the_embeddings_extra(
    store: Store, project_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extras, "embeddings_installed", lambda: False)
    project_id = _project(store, project_factory, labeled=40)
    run_round(store, project_id, queue_size=10, cache_dir=tmp_path / "c")
    (choice,) = _choices(store)
    assert choice["chosen"] == "tfidf" and choice["scores"] == {}
    assert 'pip install "activelabel[embeddings]"' in choice["note"]
    with store.session() as session:
        version = session.scalars(select(ModelVersion)).one()
        assert version.featurizer.startswith("text-tfidf-")


def test_auto_waits_for_thirty_labels_before_comparing(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project_id = _project(store, project_factory, labeled=12)
    run_round(store, project_id, queue_size=10, cache_dir=tmp_path / "c")
    (choice,) = _choices(store)
    assert choice["chosen"] == "tfidf" and choice["n_labels"] == 12
    assert "until 30 labels" in choice["note"] or "extra" in choice["note"]


def test_a_project_cannot_choose_embeddings_without_the_extra(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extras, "embeddings_installed", lambda: False)
    for name in ("embeddings", "both"):
        with (
            store.session() as session,
            pytest.raises(
                ConfigError, match=r"pip install \"activelabel\[embeddings\]\""
            ),
        ):
            create_project(
                session,
                name=f"p-{name}",
                task="classification",
                labels=["ham", "spam"],
                modality="text",
                settings={"featurizer": name},
            )
    with store.session() as session:
        assert session.scalars(select(Project)).all() == []


def test_init_and_settings_take_auto_and_both_and_refuse_both_without_the_extra(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(*args: str) -> Any:
        return runner.invoke(app, [*args, "--db", db_url])

    assert (
        run("init", "sms", "--labels", "ham,spam", "--featurizer", "auto").exit_code
        == 0
    )
    assert run("settings", "sms", "--featurizer", "tfidf").exit_code == 0
    monkeypatch.setattr(extras, "embeddings_installed", lambda: False)
    refused = run("settings", "sms", "--featurizer", "both")
    assert refused.exit_code == 1
    said = " ".join(refused.output.split())
    assert "needs the embeddings extra" in said or "need the embeddings extra" in said
    assert 'pip install "activelabel[embeddings]"' in said
    with open_store(db_url).session() as session:
        assert get_project(session, "sms").settings.featurizer == "tfidf"
