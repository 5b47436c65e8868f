"""The Project facade on SQLite and PostgreSQL: what a notebook does, end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import activelabel
from activelabel import Project
from activelabel.store.model_versions import latest_model_version

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture
def project(db_url: str) -> Iterator[Project]:
    """The 200 SMS of the fixture in a new project, no labels imported."""
    with Project.create(db_url, "sms", labels=["ham", "spam"]) as created:
        report = created.import_file(
            FIXTURES / "sms_sample.tsv", columns=["label", "text"], text_column="text"
        )
        assert report.rows_read == 200
        yield created


def test_project_facade_create_then_open(db_url: str) -> None:
    with Project.create(
        db_url, "sms", task="classification", labels="ham,spam", retrain_every=20
    ) as created:
        assert created.task == "classification"
        assert created.modality == "text"
        assert created.label_names == ["ham", "spam"]
        assert created.settings.retrain_every == 20
    with Project.open(db_url, "sms") as opened:
        assert opened.id == created.id
        assert opened.settings.retrain_every == 20
        assert "sms" in repr(opened)


def test_project_facade_create_refuses_a_taken_name(db_url: str) -> None:
    Project.create(db_url, "sms", labels=["ham", "spam"]).close()
    with pytest.raises(activelabel.ProjectExistsError, match="'sms' exists already"):
        Project.create(db_url, "sms", labels=["ham", "spam"])


def test_project_facade_exist_ok_opens_the_same_project(db_url: str) -> None:
    first = Project.create(db_url, "sms", labels=["ham", "spam"])
    with Project.create(
        db_url, "sms", labels=["ham", "spam"], exist_ok=True, overlap=2
    ) as again:
        assert again.id == first.id
        assert again.settings.overlap == 2
    first.close()
    with pytest.raises(activelabel.ProjectExistsError, match="labels"):
        Project.create(db_url, "sms", labels=["ham", "eggs"], exist_ok=True)


def test_project_facade_bad_setting_is_a_config_error(db_url: str) -> None:
    with pytest.raises(activelabel.ConfigError, match="retrain_evry"):
        Project.create(db_url, "sms", labels=["ham", "spam"], retrain_evry=5)


def test_project_facade_accepts_a_sqlite_path(tmp_path: Path) -> None:
    path = tmp_path / "labels.db"
    Project.create(path, "sms", labels=["ham", "spam"]).close()
    assert path.exists()
    with Project.open(str(path), "sms") as opened:
        assert opened.label_names == ["ham", "spam"]


def test_project_facade_open_missing_names_close_matches(db_url: str) -> None:
    Project.create(db_url, "sms", labels=["ham", "spam"]).close()
    with pytest.raises(activelabel.ProjectNotFoundError, match="Did you mean 'sms'"):
        Project.open(db_url, "smss")


def test_project_facade_leases_are_per_annotator(project: Project) -> None:
    alice = project.next_items(5, annotator="alice")
    bob = project.next_items(5, annotator="bob")
    assert len(alice) == len(bob) == 5
    assert not {i.id for i in alice} & {i.id for i in bob}
    # Asking again returns alice's own items first, not new ones.
    assert [i.id for i in project.next_items(5, annotator="alice")] == [
        i.id for i in alice
    ]
    assert isinstance(alice[0], activelabel.LeasedItem)
    assert alice[0].data["text"]
    with pytest.raises(activelabel.ConfigError, match="'n' parameter"):
        project.next_items(0, annotator="alice")


def test_project_facade_label_by_item_id_or_external_id(project: Project) -> None:
    [item] = project.next_items(1, annotator="alice")
    annotation = project.label(item, "spam", annotator="alice")
    assert annotation.value == "spam"
    assert annotation.session_id == item.session_id
    project.label(item.id, "ham", annotator="alice")  # supersedes the first
    [other] = project.next_items(1, annotator="alice")
    project.label(other.external_id, "ham", annotator="alice")
    labels = project.labels()
    assert sorted(labels["external_id"]) == sorted(
        [item.external_id, other.external_id]
    )
    assert set(labels["label"]) == {"ham"}


def test_project_facade_label_refuses_an_item_held_by_another(
    project: Project,
) -> None:
    [item] = project.next_items(1, annotator="alice")
    with pytest.raises(activelabel.ItemLeasedError):
        project.label(item.id, "ham", annotator="bob")


def test_project_facade_bad_value_names_the_item(project: Project) -> None:
    [item] = project.next_items(1, annotator="alice")
    with pytest.raises(activelabel.InvalidLabelError, match=item.external_id):
        project.label(item, "eggs", annotator="alice")
    with pytest.raises(activelabel.InvalidLabelError, match=f"item {item.id}\\b"):
        project.label(item.id, ["ham"], annotator="alice")
    with pytest.raises(activelabel.ItemNotFoundError, match="no-such-id"):
        project.label("no-such-id", "ham", annotator="alice")
    assert project.stats()["annotations"].iloc[0] == 0


def test_project_facade_round_trains_after_enough_labels(project: Project) -> None:
    assert project.run_round().model_version is None
    truth = pd.read_csv(
        FIXTURES / "sms_sample.tsv", sep="\t", names=["label", "text"], quoting=3
    )
    by_text = dict(zip(truth["text"], truth["label"], strict=False))
    for item in project.next_items(40, annotator="alice"):
        project.label(item, by_text[item.data["text"]], annotator="alice")
    assert project.learning_curve().empty
    report = project.run_round(queue_size=50)
    assert report.model_version is not None
    assert report.n_labels == 40
    curve = project.learning_curve()
    assert curve["model"].tolist() == [report.model_version]
    assert curve["n_labels"].tolist() == [40]
    assert curve["cv_score"].iloc[0] == pytest.approx(report.cv_score)
    stats = project.stats()
    assert stats.index.tolist() == ["sms"]
    assert stats["labeled_items"].iloc[0] == 40
    assert stats["model_versions"].iloc[0] == 1
    assert stats["annotator:alice"].iloc[0] == 40
    assert stats["label:ham"].iloc[0] + stats["label:spam"].iloc[0] == 40
    # Items served after a round carry the model's suggestion, unless the
    # model has not learned a class: one that learned ham alone (TF-IDF on 40
    # SMS often does) would answer ham for every item, so it suggests nothing.
    [item] = project.next_items(1, annotator="bob")
    with project.store.session() as session:
        version = latest_model_version(session, project_id=project.id)
        assert version is not None
        unlearned = version.metrics["unlearned"]
    if unlearned:
        assert item.suggestion is None and item.confidence is None
    else:
        assert item.suggestion in ("ham", "spam")
        assert item.confidence is not None


def test_project_facade_export_round_trip(project: Project, tmp_path: Path) -> None:
    for item in project.next_items(3, annotator="alice"):
        project.label(item, "spam", annotator="alice")
    path = tmp_path / "labels.csv"
    report = project.export(path, metadata=tmp_path / "meta.jsonl")
    assert report.rows == project.stats()["items"].iloc[0]
    assert (tmp_path / "meta.jsonl").exists()
    assert len(project.annotations()) == 3
    with Project.create(project.store, "again", labels=project.label_names) as again:
        back = again.import_file(
            path, id_column="external_id", label_column="label", text_column="text"
        )
        assert back.labels_added == 3
        assert again.labels()["label"].tolist() == ["spam"] * 3
    # A store passed in stays open after the project closes.
    assert project.stats()["items"].iloc[0] == report.rows


def test_project_facade_labels_frame_is_empty_before_labels(project: Project) -> None:
    assert project.labels().empty
    everything = project.labels(include_unlabeled=True)
    assert len(everything) == project.stats()["items"].iloc[0]
    assert set(everything["status"]) == {"unlabeled"}


def _write_promo_rows(path: Path) -> Path:
    """Three labeled texts, the second with a label the projects lack."""
    pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "text": ["See you at lunch", "50% off today only", "WIN a prize now"],
            "label": ["ham", "promo", "spam"],
        }
    ).to_csv(path, index=False)
    return path


def test_project_facade_import_refuses_an_unknown_label_by_default(
    db_url: str, tmp_path: Path
) -> None:
    rows = _write_promo_rows(tmp_path / "promo.csv")
    with Project.create(db_url, "refuse", labels=["ham", "spam"]) as project:
        with pytest.raises(activelabel.InvalidLabelError) as refused:
            project.import_file(rows, id_column="id", label_column="label")
        assert "promo.csv" in refused.value.message
        assert "'promo' is not a label of this project" in refused.value.message
        assert project.stats()["items"].iloc[0] == 0


def test_project_facade_import_drops_or_adds_unknown_labels_as_asked(
    db_url: str, tmp_path: Path
) -> None:
    rows = _write_promo_rows(tmp_path / "promo.csv")
    with Project.create(db_url, "drop", labels=["ham", "spam"]) as dropping:
        report = dropping.import_file(
            rows, id_column="id", label_column="label", unknown_labels="drop"
        )
        assert report.items_added == 3
        assert report.labels_added == 2
        assert dropping.label_names == ["ham", "spam"]
        labeled = dropping.labels().set_index("external_id")["label"].to_dict()
        assert labeled == {"a": "ham", "c": "spam"}
    with Project.create(db_url, "add", labels=["ham", "spam"]) as adding:
        report = adding.import_file(
            rows, id_column="id", label_column="label", unknown_labels="add"
        )
        assert report.labels_added == 3
        assert adding.label_names == ["ham", "spam", "promo"]
        labeled = adding.labels().set_index("external_id")["label"].to_dict()
        assert labeled == {"a": "ham", "b": "promo", "c": "spam"}
