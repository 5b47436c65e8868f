"""Image scores from box predictions, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from activelabel.al.box_scores import (
    BOX_STRATEGIES,
    ImageBoxes,
    box_entropies,
    least_confident_box,
    mean_box_entropy,
    uncertain_box_count,
    uncertain_box_share,
)


def _h(p: float) -> float:
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


# Three images: two boxes, none, three boxes.
BOXES = [
    [{"score": 0.9, "label": "cat"}, {"score": 0.4, "label": "dog"}],
    [],
    [{"score": 0.5}, {"score": 0.3}, {"score": 0.75}],
]


def test_least_confident_box_is_one_minus_the_best_score() -> None:
    got = least_confident_box(ImageBoxes.from_lists(BOXES))
    np.testing.assert_allclose(got, [0.1, 0.0, 0.25])


def test_an_image_without_boxes_takes_the_empty_score() -> None:
    got = least_confident_box(ImageBoxes.from_lists(BOXES), empty=1.0)
    assert got[1] == 1.0


def test_mean_box_entropy_of_scores_is_binary_entropy_averaged() -> None:
    got = mean_box_entropy(ImageBoxes.from_lists(BOXES))
    # H(0.5) = 1 bit exactly; H(0.9) = 0.4689955935892812.
    assert _h(0.5) == pytest.approx(1.0)
    expected = [
        (_h(0.9) + _h(0.4)) / 2,
        0.0,
        (1.0 + _h(0.3) + _h(0.75)) / 3,
    ]
    np.testing.assert_allclose(got, expected)
    assert got[0] == pytest.approx((0.4689955935892812 + 0.9709505944546686) / 2)


def test_class_probabilities_give_the_normalised_class_entropy() -> None:
    boxes = [
        [
            {"score": 0.9, "probabilities": [0.5, 0.5, 0.0, 0.0]},  # 1 bit / 2 bits
            {"score": 0.9, "probabilities": [0.25, 0.25, 0.25, 0.25]},  # 2 / 2
        ],
        [{"score": 0.2, "probabilities": [1.0, 0.0, 0.0, 0.0]}],  # 0
    ]
    batch = ImageBoxes.from_lists(boxes)
    assert batch.class_probabilities is not None
    np.testing.assert_allclose(box_entropies(batch), [0.5, 1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(mean_box_entropy(batch), [0.75, 0.0], atol=1e-9)


def test_uncertain_band_counts_both_ends_and_maps_to_n_over_n_plus_one() -> None:
    batch = ImageBoxes.from_lists(BOXES)
    np.testing.assert_array_equal(uncertain_box_count(batch), [1, 0, 2])
    np.testing.assert_allclose(uncertain_box_share(batch), [0.5, 0.0, 2 / 3])
    np.testing.assert_array_equal(uncertain_box_count(batch, (0.8, 1.0)), [1, 0, 0])


def test_a_box_without_score_takes_the_images_default_else_nan() -> None:
    boxes = [[{"label": "cat"}], [{"label": "cat"}, {"score": 0.6}]]
    batch = ImageBoxes.from_lists(boxes, default_scores=[0.7, None])
    assert batch.scores[0] == 0.7
    assert math.isnan(batch.scores[1])
    got = least_confident_box(batch)
    assert got[0] == pytest.approx(0.3)
    assert math.isnan(got[1])


def test_empty_images_between_others_keep_each_images_own_boxes() -> None:
    # reduceat segments must not leak across an image without boxes.
    batch = ImageBoxes.from_counts([0.2, 0.9, 0.6, 0.1], [1, 0, 0, 2, 0, 1])
    np.testing.assert_allclose(least_confident_box(batch), [0.8, 0, 0, 0.1, 0, 0.9])
    np.testing.assert_array_equal(uncertain_box_count(batch), [0, 0, 0, 1, 0, 0])


def test_no_boxes_at_all() -> None:
    batch = ImageBoxes.from_lists([[], []])
    for score in BOX_STRATEGIES.values():
        np.testing.assert_array_equal(score(batch), [0.0, 0.0])


def test_every_strategy_stays_in_zero_one() -> None:
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 6, size=500)
    batch = ImageBoxes.from_counts(rng.random(int(counts.sum())), counts)
    for score in BOX_STRATEGIES.values():
        values = score(batch)
        assert values.shape == (500,)
        assert ((values >= 0) & (values <= 1)).all()


def test_offsets_that_do_not_match_the_scores_are_refused() -> None:
    with pytest.raises(ValueError, match="offsets end at 3"):
        ImageBoxes(np.zeros(2), np.array([0, 1, 3]))


def test_a_none_score_takes_the_default_and_without_one_is_nan() -> None:
    boxes = [[{"score": None}], [{"score": 0.2}]]
    assert math.isnan(ImageBoxes.from_lists(boxes).scores[0])
    with_default = ImageBoxes.from_lists(boxes, default_scores=[0.4, None])
    np.testing.assert_allclose(with_default.scores, [0.4, 0.2])
