"""A class the model has not learned is never suggested (task adapters)."""

from __future__ import annotations

import numpy as np
import pytest

from activelabel.tasks import adapter_for


def test_a_single_label_suggestion_of_an_unlearned_class_is_withheld() -> None:
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    values, sure = adapter_for("classification").suggest_learned(
        proba, ["a", "b", "c"], ["c"]
    )
    assert values == ["a", None]
    assert sure[0] == pytest.approx(0.7) and sure[1] is None


def test_a_model_that_learned_one_class_of_two_suggests_nothing() -> None:
    # The first SMS model: it answers "ham" to everything, spam included.
    proba = np.array([[0.9, 0.1], [0.8, 0.2]])
    values, sure = adapter_for("classification").suggest_learned(
        proba, ["ham", "spam"], ["spam"]
    )
    assert values == [None, None] and sure == [None, None]


def test_with_every_class_learned_the_suggestions_are_the_models() -> None:
    proba = np.array([[0.2, 0.8]])
    adapter = adapter_for("classification")
    assert adapter.suggest_learned(proba, ["ham", "spam"], []) == adapter.suggest(
        proba, ["ham", "spam"]
    )


def test_a_multilabel_suggestion_leaves_out_the_unlearned_labels() -> None:
    proba = np.array([[0.9, 0.8, 0.1], [0.2, 0.7, 0.4]])
    values, sure = adapter_for("multilabel").suggest_learned(
        proba, ["a", "b", "c"], ["b"]
    )
    assert values == [["a"], []]
    # The confidence is the least sure decision among the learned labels.
    assert sure == pytest.approx([0.9, 0.6])
    none, unsure = adapter_for("multilabel").suggest_learned(
        proba, ["a", "b", "c"], ["a", "b", "c"]
    )
    assert none == [None, None] and unsure == [None, None]
