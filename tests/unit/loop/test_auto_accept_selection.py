"""Which items the model labels itself, and which of its labels are audited."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from activelabel.loop.auto_accept import pick_confident
from activelabel.store.auto_labels import in_audit_share
from activelabel.tasks import adapter_for

CLASSIFICATION = adapter_for("classification")
CLASSES = ["ham", "spam"]


def _pick(
    proba: np.ndarray,
    *,
    threshold: float,
    limit: int,
    positions: list[int] | None = None,
    chunk_rows: int = 1000,
) -> list[tuple[int, str, float]]:
    item_ids = np.arange(100, 100 + len(proba))
    picked = pick_confident(
        CLASSIFICATION,
        CLASSES,
        lambda rows: proba[rows],
        positions=np.arange(len(proba)) if positions is None else np.array(positions),
        item_ids=item_ids,
        threshold=threshold,
        limit=limit,
        chunk_rows=chunk_rows,
    )
    return [(p.item_id, p.value, round(p.confidence, 3)) for p in picked]


SPAM = np.array([0.01, 0.99])
PROBA = np.array(
    [[0.5, 0.5], [0.97, 0.03], [0.02, 0.98], [0.6, 0.4], [0.001, 0.999], [0.98, 0.02]]
)


def test_only_rows_at_or_above_the_threshold_are_picked_surest_first() -> None:
    assert _pick(PROBA, threshold=0.98, limit=100) == [
        (104, "spam", 0.999),
        (102, "spam", 0.98),
        (105, "ham", 0.98),
    ]


def test_at_most_the_cap_is_picked_and_the_cap_keeps_the_surest() -> None:
    assert _pick(PROBA, threshold=0.9, limit=2) == [
        (104, "spam", 0.999),
        (102, "spam", 0.98),
    ]
    # Scored a chunk at a time, the best of the whole pool still wins.
    assert _pick(PROBA, threshold=0.9, limit=2, chunk_rows=2) == [
        (104, "spam", 0.999),
        (102, "spam", 0.98),
    ]


def test_equal_confidences_go_by_item_id() -> None:
    proba = np.tile(SPAM, (5, 1))
    assert [p[0] for p in _pick(proba, threshold=0.9, limit=3)] == [100, 101, 102]


def test_rows_outside_the_open_positions_are_never_picked() -> None:
    # Positions are what the round leaves open: not labeled, not leased, not
    # reviewed, not labeled by the model before.
    picked = _pick(PROBA, threshold=0.9, limit=100, positions=[0, 1, 3, 5])
    assert [p[0] for p in picked] == [105, 101]


def test_nothing_is_picked_below_the_threshold_or_with_no_room() -> None:
    assert _pick(PROBA, threshold=0.9999, limit=100) == []
    assert _pick(PROBA, threshold=0.9, limit=0) == []
    assert _pick(PROBA, threshold=0.9, limit=5, positions=[]) == []


def test_a_real_models_probabilities_pick_the_clear_cases() -> None:
    X = np.array([[-3.0], [-2.0], [2.0], [3.0], [0.0], [-4.0], [4.0]])
    y = ["ham", "ham", "spam", "spam", "ham", "ham", "spam"]
    model = LogisticRegression().fit(X, y)
    pool = np.array([[-6.0], [0.1], [6.0], [-0.1]])
    picked = pick_confident(
        CLASSIFICATION,
        list(model.classes_),
        lambda rows: model.predict_proba(pool[rows]),
        positions=np.arange(4),
        item_ids=np.array([1, 2, 3, 4]),
        threshold=0.95,
        limit=10,
    )
    assert sorted((p.item_id, p.value) for p in picked) == [(1, "ham"), (3, "spam")]


def test_a_label_set_is_confident_when_every_yes_and_no_is() -> None:
    adapter = adapter_for("multilabel")
    proba = np.array([[0.99, 0.01, 0.995], [0.99, 0.6, 0.99], [0.01, 0.02, 0.0]])
    rows, values, sure = adapter.confident_values(proba, ["a", "b", "c"], 0.98)
    assert rows == [0, 2]
    assert values == [["a", "c"], []]
    assert sure == pytest.approx([0.99, 0.98])


def test_spans_and_boxes_are_never_labeled_by_the_model_alone() -> None:
    for kind in ("ner", "detection"):
        assert adapter_for(kind).confident_values(PROBA, CLASSES, 0.6) == ([], [], [])


def test_the_audit_share_is_stable_and_about_the_share_of_any_run_of_ids() -> None:
    ids = range(1, 20_001)
    audited = [i for i in ids if in_audit_share(i, 0.1)]
    assert audited == [i for i in ids if in_audit_share(i, 0.1)]
    assert len(audited) / 20_000 == pytest.approx(0.1, abs=0.005)
    first = [i for i in range(1, 201) if in_audit_share(i, 0.1)]
    assert 14 <= len(first) <= 26
    assert not any(in_audit_share(i, 0.0) for i in ids)
    assert all(in_audit_share(i, 1.0) for i in ids)
    # A larger share keeps every item of a smaller one.
    assert set(audited) <= {i for i in ids if in_audit_share(i, 0.3)}
