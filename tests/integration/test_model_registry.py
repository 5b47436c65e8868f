"""Model versions round-trip through the database on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from activelabel.exceptions import ConfigError, NotFoundError
from activelabel.loop.model_files import load_model_version, save_model_version
from activelabel.ml import TextFeaturizer, train_model
from activelabel.store.engine import Store
from activelabel.store.model_versions import latest_model_version, list_model_versions
from activelabel.store.models import Item, ModelVersion

TEXTS = {
    "spam": [
        "win cash now",
        "free prize call",
        "claim your free reward",
        "win win win",
    ],
    "ham": [
        "see you at lunch",
        "running late sorry",
        "call mum tonight",
        "lunch at noon",
    ],
}


def test_trained_model_is_saved_as_a_version_and_loads_back(
    store: Store, project_factory: Any
) -> None:
    items = [{"text": t, "label": label} for label, ts in TEXTS.items() for t in ts]
    project = project_factory(items=items)
    with store.session() as session:
        rows = session.scalars(select(Item).where(Item.project_id == project.id)).all()
        texts = [r.data["text"] for r in rows]
        y = np.array([r.data["label"] for r in rows])
    featurizer = TextFeaturizer()
    X = featurizer.fit_transform(texts)
    trained = train_model(X, y)
    with store.session() as session:
        version = save_model_version(
            session,
            project_id=project.id,
            trained=trained,
            featurizer_id=featurizer.featurizer_id,
        )
        version_id = version.id
    with store.session() as session:
        loaded = load_model_version(session, model_version_id=version_id)
        stored = loaded.version
        assert stored.name == trained.name
        assert stored.n_labels == 8
        assert stored.featurizer == featurizer.featurizer_id
        assert stored.cv_score == pytest.approx(trained.cv_score)
        assert stored.metrics["classes"] == ["ham", "spam"]
        assert "macro_f1" in stored.metrics and "per_class" in stored.metrics
        assert stored.artifact is not None and stored.artifact[:2] == b"PK"  # skops zip
        np.testing.assert_array_equal(
            loaded.estimator.predict(X), trained.estimator.predict(X)
        )
        assert loaded.classes == ["ham", "spam"]


def test_latest_and_listed_versions_follow_training_order(
    store: Store, project_factory: Any
) -> None:
    project = project_factory()
    X = np.random.default_rng(0).normal(size=(10, 2))
    y = np.array(["ham", "spam"] * 5)
    with store.session() as session:
        assert latest_model_version(session, project_id=project.id) is None
        ids = [
            save_model_version(
                session,
                project_id=project.id,
                trained=train_model(X, y),
                featurizer_id="f",
            ).id
            for _ in range(3)
        ]
    with store.session() as session:
        assert [
            v.id for v in list_model_versions(session, project_id=project.id)
        ] == ids
        latest = latest_model_version(session, project_id=project.id)
        assert latest is not None and latest.id == ids[-1]


def test_loading_missing_or_empty_version_fails_clearly(
    store: Store, project_factory: Any
) -> None:
    project = project_factory()
    with store.session() as session:
        with pytest.raises(NotFoundError, match="no model version with id 999"):
            load_model_version(session, model_version_id=999)
        empty = ModelVersion(
            project_id=project.id, name="x", n_labels=0, featurizer="f", artifact=None
        )
        session.add(empty)
        session.flush()
        with pytest.raises(ConfigError, match="no stored model"):
            load_model_version(session, model_version_id=empty.id)
