"""Picking sentences to label: a diverse head, then the next best by score."""

from __future__ import annotations

from typing import Any

import numpy as np

from activelabel.al.sentence_batches import hashed_word_counts, pick_sentences


def sentences() -> list[list[str]]:
    """Ten copies of one uncertain headline, then 30 sentences of their own."""
    same = [["Harbour", "City", "beat", "Northfield"] for _ in range(10)]
    own = [[f"word{i}", f"other{i}", "said", f"name{i}"] for i in range(30)]
    return same + own


def test_a_head_of_near_duplicates_is_spread_over_the_pool() -> None:
    words = sentences()
    features = hashed_word_counts(words)
    scores = np.concatenate([np.full(10, 0.9), np.linspace(0.8, 0.5, 30)])

    def features_of(positions: Any) -> Any:
        return features[positions]

    picked = pick_sentences(
        scores,
        head_size=5,
        queue_size=5,
        features_of=features_of,
        labeled_features=None,
        random_state=0,
    )
    assert len(picked) == 5 and len(set(picked.tolist())) == 5
    # Plain top-5 would be five copies of the headline; one is enough.
    assert sum(1 for p in picked if p < 10) <= 2


def test_the_rest_of_the_queue_follows_the_score_and_skips_labeled_sentences() -> None:
    words = sentences()
    features = hashed_word_counts(words)
    scores = np.linspace(1.0, 0.0, len(words))
    scores[[0, 1]] = np.nan  # labeled

    picked = pick_sentences(
        scores,
        head_size=1,
        queue_size=8,
        features_of=lambda positions: features[positions],
        labeled_features=features[[0, 1]],
    )
    assert picked.tolist() == [2, 3, 4, 5, 6, 7, 8, 9]


def test_hashed_word_counts_are_unit_rows_that_ignore_case() -> None:
    rows = hashed_word_counts([["Paris", "is", "big"], ["paris", "IS", "big"], []])
    dense = rows.toarray()
    assert np.allclose(np.linalg.norm(dense[:2], axis=1), 1.0)
    assert np.allclose(dense[0], dense[1]) and not dense[2].any()
