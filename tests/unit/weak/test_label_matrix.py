"""The label matrix: votes as a sparse matrix, read dense or one label at a time."""

from __future__ import annotations

import numpy as np
import pytest

from activelabel.exceptions import ConfigError
from activelabel.weak.label_matrix import ABSTAIN, LabelMatrix


def _matrix(votes: list[tuple[int, int, int]]) -> LabelMatrix:
    array = np.asarray(votes, dtype=np.int64).reshape(-1, 3)
    return LabelMatrix.from_votes(
        array[:, 0],
        array[:, 1],
        array[:, 2],
        functions=("prize", "money", "greeting"),
        labels=("ham", "spam"),
    )


def test_label_matrix_keeps_only_items_with_a_vote_in_id_order() -> None:
    matrix = _matrix([(30, 0, 1), (10, 2, 0), (30, 1, 1)])
    assert matrix.item_ids.tolist() == [10, 30]
    assert matrix.n_items == 2 and matrix.n_votes == 3


def test_label_matrix_dense_has_the_label_index_and_minus_one_for_abstain() -> None:
    dense = _matrix([(30, 0, 1), (10, 2, 0), (30, 1, 1)]).dense()
    assert dense.tolist() == [[ABSTAIN, ABSTAIN, 0], [1, 1, ABSTAIN]]


def test_label_matrix_repeated_votes_count_once() -> None:
    matrix = _matrix([(5, 0, 1), (5, 0, 1)])
    assert matrix.n_votes == 1 and not matrix.multi_valued


def test_label_matrix_dense_refuses_a_function_with_two_labels_for_one_item() -> None:
    matrix = _matrix([(5, 2, 0), (5, 2, 1)])
    assert matrix.multi_valued
    with pytest.raises(ConfigError, match="'greeting' voted several labels for item 5"):
        matrix.dense()


def test_label_matrix_label_votes_tell_for_other_labels_and_abstain_apart() -> None:
    matrix = _matrix([(5, 2, 0), (5, 2, 1), (7, 0, 1)])
    spam = matrix.label_votes("spam")
    ham = matrix.label_votes(0)
    assert spam.tolist() == [[-1, -1, 1], [1, -1, -1]]
    assert ham.tolist() == [[-1, -1, 1], [0, -1, -1]]


def test_label_matrix_of_no_votes_is_empty() -> None:
    matrix = _matrix([])
    assert matrix.n_items == 0 and matrix.dense().shape == (0, 3)
