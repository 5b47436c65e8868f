"""Labeling function statistics, checked against counts made by hand."""

from __future__ import annotations

import numpy as np
import pytest

from activelabel.weak.label_matrix import LabelMatrix
from activelabel.weak.lf_stats import function_stats


def test_coverage_overlap_conflict_emitted_and_accuracy_match_a_hand_count() -> None:
    # A pool of 10 items (ids 1-10); three functions over labels ham/spam.
    #        item: 1     2     3     4     5
    # prize:       spam  spam  spam  -     -
    # money:       spam  -     ham   spam  -
    # hello:       -     ham   -     -     ham
    votes = [
        (1, 0, 1), (2, 0, 1), (3, 0, 1),
        (1, 1, 1), (3, 1, 0), (4, 1, 1),
        (2, 2, 0), (5, 2, 0),
    ]  # fmt: skip
    items, columns, values = (np.array(c) for c in zip(*votes, strict=True))
    matrix = LabelMatrix.from_votes(
        items,
        columns,
        values,
        functions=("prize", "money", "hello"),
        labels=("ham", "spam"),
    )
    # People labeled items 1 (spam), 2 (ham) and 3 (spam); rows are 0, 1, 2.
    stats = {
        s.name: s
        for s in function_stats(matrix, 10, np.array([0, 1, 2]), np.array([1, 0, 1]))
    }

    prize, money, hello = stats["prize"], stats["money"], stats["hello"]
    assert (prize.coverage, money.coverage, hello.coverage) == (0.3, 0.3, 0.2)
    # prize overlaps on 1 (money), 2 (hello), 3 (money); money on 1, 3; hello on 2.
    assert (prize.overlap, money.overlap, hello.overlap) == (0.3, 0.2, 0.1)
    # Conflicts: item 2 (prize spam, hello ham) and 3 (prize spam, money ham).
    assert (prize.conflict, money.conflict, hello.conflict) == (0.2, 0.1, 0.1)
    assert prize.emitted == {"spam": 3}
    assert money.emitted == {"spam": 2, "ham": 1}
    # prize: right on 1 and 3, wrong on 2; money: right on 1, wrong on 3.
    assert prize.accuracy == pytest.approx(2 / 3) and prize.n_accuracy == 3
    assert money.accuracy == 0.5 and money.n_accuracy == 2
    assert hello.accuracy == 1.0 and hello.n_accuracy == 1


def test_a_function_without_labeled_items_has_no_accuracy_and_a_set_vote_counts_each_label() -> (
    None
):
    # "tags" votes two labels on item 1 (a label set); people labeled item 1 {a}.
    matrix = LabelMatrix.from_votes(
        np.array([1, 1, 2]), np.array([0, 0, 1]), np.array([0, 1, 1]),
        functions=("tags", "other"), labels=("a", "b"),
    )  # fmt: skip
    stats = {s.name: s for s in function_stats(matrix, 4, np.array([0]), np.array([0]))}
    assert stats["tags"].accuracy == 0.5 and stats["tags"].n_accuracy == 1
    assert stats["tags"].overlap == 0.0 and stats["tags"].conflict == 0.0
    assert stats["other"].accuracy is None and stats["other"].n_accuracy == 0
