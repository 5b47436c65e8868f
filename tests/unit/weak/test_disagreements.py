"""Items where the label model and a person disagree."""

from __future__ import annotations

import numpy as np

from activelabel.weak.disagreements import find_disagreements, same_value
from activelabel.weak.label_matrix import LabelMatrix


def test_disagreements_list_items_the_model_contradicts_most_confident_first_with_their_votes() -> (
    None
):
    matrix = LabelMatrix.from_votes(
        np.array([10, 10, 11, 12, 13]), np.array([0, 1, 0, 1, 0]), np.array([1, 1, 1, 0, 1]),
        functions=("prize", "money"), labels=("ham", "spam"),
    )  # fmt: skip
    weak = ["spam", "spam", "ham", "spam"]  # items 10, 11, 12, 13
    confidence = [0.99, 0.7, 0.8, 0.95]
    human = {10: "ham", 11: "spam", 12: "spam", 13: "ham", 99: "ham"}
    found = find_disagreements(matrix, weak, confidence, human)
    assert [d.item_id for d in found] == [10, 13, 12]
    assert found[0].human == "ham" and found[0].weak == "spam"
    assert found[0].votes == {"prize": ["spam"], "money": ["spam"]}
    assert found[2].votes == {"money": ["ham"]}
    assert [
        d.item_id for d in find_disagreements(matrix, weak, confidence, human, limit=1)
    ] == [10]


def test_label_sets_are_the_same_value_whatever_their_order() -> None:
    assert same_value(["b", "a"], ["a", "b"])
    assert not same_value(["a"], ["a", "b"])
    assert same_value("spam", "spam") and not same_value("spam", "ham")
