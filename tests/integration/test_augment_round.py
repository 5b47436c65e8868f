"""Rounds with augmentation: copies of labeled media train the model, and
nothing about them is stored; the settings command switches it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.io.importer import import_path
from activelabel.loop import run_round
from activelabel.ml.augmentation import AUGMENTED_COPIES
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item, ModelVersion, Project, QueueEntry

FIXTURES = Path(__file__).parent.parent / "fixtures"

runner = CliRunner()


def _counts(store: Store, project_id: int) -> tuple[int, int, int]:
    """Items, annotations and queue entries of a project."""
    with store.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.project_id == project_id)
            )
            for model in (Item, Annotation, QueueEntry)
        )


def _metrics(store: Store, project_id: int) -> list[dict[str, Any]]:
    with store.session() as session:
        return [
            dict(m)
            for m in session.scalars(
                select(ModelVersion.metrics)
                .where(ModelVersion.project_id == project_id)
                .order_by(ModelVersion.id)
            )
        ]


def _pets(store: Store, project_factory: Any, config: dict[str, Any]) -> int:
    project = project_factory(
        "pets", labels=("cat", "dog"), modality="image", config=config
    )
    import_path(store, "pets", FIXTURES / "images" / "cat")
    import_path(store, "pets", FIXTURES / "images" / "dog")
    with store.session() as session:
        row = session.get_one(Project, project.id)
        items = sorted(row.items, key=lambda i: i.id)
        # The cats were imported first. Four cats and four dogs labeled, four
        # photos left unlabeled.
        for item in items[:4]:
            add_annotation(session, project=row, item_id=item.id, value="cat")
        for item in items[6:10]:
            add_annotation(session, project=row, item_id=item.id, value="dog")
    return project.id


def test_an_image_round_with_augment_learns_copies_and_stores_none_of_them(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project_id = _pets(store, project_factory, {"augment": True})
    before = _counts(store, project_id)
    report = run_round(store, project_id, queue_size=20, cache_dir=tmp_path / "c")
    assert report.model_version is not None
    metrics = _metrics(store, project_id)[-1]
    assert metrics["augmented_copies"] == 8 * AUGMENTED_COPIES
    # Cross-validation scored the eight labeled photos only.
    assert metrics["n_scored"] == 8
    items, annotations, queued = _counts(store, project_id)
    assert (items, annotations) == before[:2]
    with store.session() as session:
        queued_ids = set(
            session.scalars(
                select(QueueEntry.item_id).where(QueueEntry.project_id == project_id)
            )
        )
        stored_ids = set(
            session.scalars(select(Item.id).where(Item.project_id == project_id))
        )
    assert queued == 4 and queued_ids <= stored_ids
    # One cached block per labeled photo; the next round decodes nothing new
    # and learns the same rows.
    cached = sorted((tmp_path / "c" / "augmented").glob("*.npy"))
    assert len(cached) == 8
    stamps = [p.stat().st_mtime_ns for p in cached]
    run_round(store, project_id, queue_size=20, cache_dir=tmp_path / "c")
    again = _metrics(store, project_id)[-1]
    assert [p.stat().st_mtime_ns for p in cached] == stamps
    assert again["augmented_copies"] == metrics["augmented_copies"]
    assert again["accuracy"] == metrics["accuracy"]


def test_an_image_round_with_augment_off_learns_the_labels_alone(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project_id = _pets(store, project_factory, {"augment": False})
    run_round(store, project_id, queue_size=20, cache_dir=tmp_path / "c")
    assert "augmented_copies" not in _metrics(store, project_id)[-1]
    assert not (tmp_path / "c" / "augmented").exists()


def test_an_audio_round_with_augment_learns_copies_of_the_labeled_clips(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = project_factory(
        "digits", labels=("0", "1"), modality="audio", config={"augment": True}
    )
    import_path(store, "digits", FIXTURES / "audio")
    with store.session() as session:
        row = session.get_one(Project, project.id)
        items = sorted(row.items, key=lambda i: i.id)
        for item in items[:2] + items[3:5]:
            digit = Path(str(item.media_path)).name[0]
            add_annotation(session, project=row, item_id=item.id, value=digit)
    before = _counts(store, project.id)
    report = run_round(store, project.id, queue_size=10, cache_dir=tmp_path / "c")
    assert report.model_version is not None
    assert _metrics(store, project.id)[-1]["augmented_copies"] == 4 * AUGMENTED_COPIES
    assert _counts(store, project.id)[:2] == before[:2]


def _settings(*args: str, db_url: str) -> tuple[int, str]:
    result = runner.invoke(app, ["settings", *args, "--db", db_url])
    return result.exit_code, result.stdout + result.stderr


def test_settings_switch_augment_on_and_off_and_refuse_it_for_text(
    store: Store, project_factory: Any, db_url: str
) -> None:
    project_factory("pets", labels=("cat", "dog"), modality="image")
    project_factory("sms", modality="text", config={"text_column": "text"})
    code, out = _settings("pets", db_url=db_url)
    assert code == 0 and "augment" in out and "None" in out
    code, out = _settings("pets", "--no-augment", db_url=db_url)
    assert code == 0, out
    with store.session() as session:
        pets = session.scalars(select(Project).where(Project.name == "pets")).one()
        assert pets.settings.augment is False
    code, out = _settings("pets", "--augment", db_url=db_url)
    assert code == 0, out
    with store.session() as session:
        pets = session.scalars(select(Project).where(Project.name == "pets")).one()
        assert pets.settings.augment is True
    code, out = _settings("sms", "--augment", db_url=db_url)
    assert code != 0
    assert "text project has no augmentation" in " ".join(out.split())
    with store.session() as session:
        sms = session.scalars(select(Project).where(Project.name == "sms")).one()
        assert sms.settings.augment is None
