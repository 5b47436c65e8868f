"""The predictions table: written in batches, replaced per model, read newest first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select

from activelabel.io.importer import import_path
from activelabel.store.engine import Store, _alembic_config, current_revision, upgrade
from activelabel.store.models import Annotation, Item
from activelabel.store.predictions import (
    PredictionRow,
    count_predictions,
    latest_predictions,
    write_predictions,
)

SPAN = [{"start": 0, "end": 5, "label": "PER"}]
OTHER = [{"start": 6, "end": 11, "label": "LOC"}]


def _item_ids(store: Store) -> list[int]:
    with store.session() as session:
        return list(session.scalars(select(Item.id).order_by(Item.id)))


def test_a_second_write_by_the_same_model_replaces_the_first(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(
        task="ner", labels=("PER", "LOC"), items=[{"text": "Alice Paris"}]
    )
    (item,) = _item_ids(store)
    with store.engine.begin() as connection:
        write_predictions(connection, project.id, [PredictionRow(item, "m", SPAN, 0.4)])
    with store.engine.begin() as connection:
        write_predictions(connection, project.id, [PredictionRow(item, "m", OTHER)])
    with store.session() as session:
        assert count_predictions(session, project.id) == 1
        assert latest_predictions(session, project.id, [item]) == {
            item: ("m", OTHER, None)
        }


def test_the_newest_prediction_of_several_models_is_the_one_read(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(
        task="ner",
        labels=("PER", "LOC"),
        items=[{"text": "Alice Paris"}, {"text": "Bob Rome"}],
    )
    first, second = _item_ids(store)
    earlier = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with store.engine.begin() as connection:
        write_predictions(
            connection,
            project.id,
            [PredictionRow(first, "old", SPAN, 0.9)],
            now=earlier,
        )
        write_predictions(
            connection, project.id, [PredictionRow(first, "new", OTHER, 0.2)]
        )
    with store.session() as session:
        found = latest_predictions(session, project.id, [first, second])
    assert found == {first: ("new", OTHER, 0.2)}


def test_predictions_go_with_their_item_and_many_are_written_in_chunks(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(
        task="ner",
        labels=("PER",),
        items=[{"text": f"Alice {n}"} for n in range(2_500)],
    )
    ids = _item_ids(store)
    with store.engine.begin() as connection:
        written = write_predictions(
            connection, project.id, [PredictionRow(i, "m", SPAN) for i in ids]
        )
    assert written == 2_500
    with store.session(write=True) as session:
        assert len(latest_predictions(session, project.id, ids)) == 2_500
        session.delete(session.get(Item, ids[0]))
    with store.session() as session:
        assert count_predictions(session, project.id) == 2_499


def test_migration_0008_adds_the_predictions_table_and_takes_it_away_again(
    store: Store,
) -> None:
    from alembic import command

    def tables() -> set[str]:
        return set(inspect(store.engine).get_table_names())

    assert "predictions" in tables()
    config = _alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    try:
        assert "predictions" not in tables()
        assert current_revision(store.engine) == "0007"
    finally:
        upgrade(store.engine)
    assert "predictions" in tables()


def test_a_classification_files_labels_import_as_predictions_too(
    store: Store, project_factory: Any
) -> None:
    project = project_factory("sms")
    sms = Path(__file__).parent.parent / "fixtures" / "sms_sample.tsv"
    report = import_path(
        store,
        "sms",
        sms,
        columns=["label", "text"],
        label_column="label",
        as_predictions=True,
        model_name="spam-filter",
    )
    assert report.labels_added == 0
    assert report.predictions_added == report.items_added > 0
    with store.session() as session:
        assert session.query(Annotation).count() == 0
        ids = _item_ids(store)
        found = latest_predictions(session, project.id, ids)
    assert {p.model_name for p in found.values()} == {"spam-filter"}
    assert {p.value for p in found.values()} == {"ham", "spam"}
