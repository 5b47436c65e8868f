"""Imported predictions read as probabilities, and how uncertain each is."""

from __future__ import annotations

import numpy as np
import pytest

from activelabel.loop.imported_predictions import probability_rows, uncertainty_of_rows
from activelabel.store.predictions import ImportedPrediction

LABELS = ("ham", "spam", "promo")


def prediction(
    value: object, score: float | None, scores: dict[str, float] | None = None
) -> ImportedPrediction:
    return ImportedPrediction("m", value, score, scores)


def test_one_label_gets_its_score_and_the_others_share_the_rest() -> None:
    kept, proba = probability_rows("single_label", LABELS, [prediction("spam", 0.8)])
    assert kept == [0]
    np.testing.assert_allclose(proba, [[0.1, 0.8, 0.1]])


def test_per_label_scores_are_taken_and_the_labels_they_leave_out_share_the_rest() -> (
    None
):
    _, proba = probability_rows(
        "single_label", LABELS, [prediction("spam", None, {"spam": 0.6, "ham": 0.3})]
    )
    np.testing.assert_allclose(proba, [[0.3, 0.6, 0.1]])


def test_per_label_scores_over_one_are_normalized() -> None:
    _, proba = probability_rows(
        "single_label", LABELS, [prediction("spam", None, {"spam": 0.9, "ham": 0.9})]
    )
    np.testing.assert_allclose(proba, [[0.5, 0.5, 0.0]])


def test_a_label_set_gets_the_score_for_its_labels_and_the_complement_elsewhere() -> (
    None
):
    _, proba = probability_rows(
        "one_vs_rest",
        LABELS,
        [prediction(["spam", "promo"], 0.7), prediction(["ham"], None, {"spam": 0.4})],
    )
    np.testing.assert_allclose(proba, [[0.3, 0.7, 0.7], [1.0, 0.4, 0.0]])


def test_a_prediction_without_any_score_gives_no_row() -> None:
    kept, proba = probability_rows(
        "single_label", LABELS, [prediction("ham", None), prediction("spam", 0.9)]
    )
    assert kept == [1]
    assert proba.shape == (1, 3)


def test_a_family_without_whole_item_predictions_gives_no_rows() -> None:
    kept, proba = probability_rows("sequence", LABELS, [prediction("ham", 0.9)])
    assert kept == []
    assert proba.shape == (0, 3)


@pytest.mark.parametrize("method", ["least_confidence", "margin", "entropy"])
def test_the_less_sure_prediction_is_the_more_uncertain(method: str) -> None:
    _, proba = probability_rows(
        "single_label", LABELS, [prediction("spam", 0.99), prediction("spam", 0.5)]
    )
    sure, unsure = uncertainty_of_rows("single_label", proba, method)
    assert 0.0 <= sure < unsure <= 1.0


def test_a_label_set_is_as_uncertain_as_its_least_sure_label() -> None:
    proba = np.array([[0.95, 0.05, 0.9], [0.95, 0.5, 0.99]])
    scores = uncertainty_of_rows("one_vs_rest", proba, "margin")
    np.testing.assert_allclose(scores, [0.2, 1.0])
