"""Agreement measures against hand-computed values, textbook examples and the
krippendorff package."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest

from activelabel.quality.agreement import (
    MEASURES,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    label_set_agreement,
    single_label_agreement,
)
from activelabel.quality.object_agreement import match_boxes, object_agreement
from activelabel.tasks import ADAPTERS

#: Fleiss' κ example from Wikipedia (10 subjects, 14 raters, 5 categories).
FLEISS_EXAMPLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

#: Krippendorff's nominal example (3 coders, 15 units, missing values as None):
#: α = 0.691.
RELIABILITY = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]


def _ratings(table: list[list[int | None]]) -> tuple[list[int], list[int], list[str]]:
    items, raters, values = [], [], []
    for rater, row in enumerate(table):
        for item, value in enumerate(row):
            if value is not None:
                items.append(item)
                raters.append(rater)
                values.append(str(value))
    return items, raters, values


def test_fleiss_kappa_of_the_wikipedia_example_is_0_210() -> None:
    assert fleiss_kappa(FLEISS_EXAMPLE) == pytest.approx(0.20993, abs=1e-5)


def test_krippendorff_alpha_equals_the_krippendorff_package_on_the_same_counts() -> (
    None
):
    ours = krippendorff_alpha(FLEISS_EXAMPLE)
    theirs = krippendorff.alpha(
        value_counts=np.array(FLEISS_EXAMPLE), level_of_measurement="nominal"
    )
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_krippendorffs_own_nominal_example_gives_0_691_skipping_lone_ratings() -> None:
    items, raters, values = _ratings(RELIABILITY)
    figures = single_label_agreement(items, raters, values, ["1", "2", "3", "4"])
    assert figures.krippendorff_alpha == pytest.approx(0.691, abs=5e-4)
    # Units 0 (one rating), 1 and 13 (none) do not count.
    assert figures.items == 12


def test_cohen_kappa_of_two_annotators_matches_the_hand_computed_value() -> None:
    # Observed 4/5; chance (2·1 + 2·3 + 1·1) / 25 = 0.36; κ = 0.44 / 0.64.
    assert cohen_kappa(list("aabbc"), list("abbbc")) == pytest.approx(0.6875)


def test_pair_kappas_per_annotator_pair_are_cohens_kappa_over_their_shared_items() -> (
    None
):
    items, raters, values = _ratings(RELIABILITY)
    figures = single_label_agreement(items, raters, values, ["1", "2", "3", "4"])
    by_pair = {(p.a, p.b): p for p in figures.pairs}
    a, c = RELIABILITY[0], RELIABILITY[2]
    shared = [
        (x, y) for x, y in zip(a, c, strict=True) if x is not None and y is not None
    ]
    assert by_pair[(0, 2)].items == len(shared) == 8
    expected = cohen_kappa([x for x, _ in shared], [y for _, y in shared])
    assert by_pair[(0, 2)].kappa == pytest.approx(expected)
    assert by_pair[(0, 2)].observed == pytest.approx(6 / 8)


def test_each_labels_figures_are_one_vs_rest_as_the_package_computes_them() -> None:
    rng = np.random.default_rng(7)
    n = 300
    truth = rng.integers(0, 3, size=n)
    table = np.where(rng.random((3, n)) < 0.7, truth, rng.integers(0, 3, size=(3, n)))
    labels = ["x", "y", "z"]
    items = np.tile(np.arange(n), 3)
    raters = np.repeat(np.arange(3), n)
    values = [labels[v] for v in table.ravel()]
    figures = single_label_agreement(items, raters, values, labels)
    for k, label in enumerate(labels):
        binary = (table == k).astype(float)
        theirs = krippendorff.alpha(
            reliability_data=binary, level_of_measurement="nominal"
        )
        counts = np.stack([(binary == 0).sum(0), (binary == 1).sum(0)], axis=1)
        row = figures.labels[k]
        assert row.label == label
        assert row.krippendorff_alpha == pytest.approx(theirs, abs=1e-9)
        assert row.fleiss_kappa == pytest.approx(fleiss_kappa(counts), abs=1e-9)
        assert row.support == int((table == k).sum())
    theirs = krippendorff.alpha(reliability_data=table, level_of_measurement="nominal")
    assert figures.krippendorff_alpha == pytest.approx(theirs, abs=1e-9)


def test_annotators_who_always_agree_have_kappa_1_and_one_shared_label_is_undefined() -> (
    None
):
    agreeing = single_label_agreement(
        [1, 1, 2, 2], [0, 1, 0, 1], ["a", "a", "b", "b"], ["a", "b"]
    )
    assert agreeing.fleiss_kappa == pytest.approx(1.0)
    assert agreeing.pairs[0].kappa == pytest.approx(1.0)
    same = single_label_agreement([1, 1, 2, 2], [0, 1, 0, 1], ["a"] * 4, ["a", "b"])
    assert same.fleiss_kappa is None
    assert same.krippendorff_alpha is None
    assert same.observed == 1.0


def test_items_labeled_once_count_for_nothing() -> None:
    figures = single_label_agreement([1, 2, 3], [0, 1, 0], ["a", "b", "a"], ["a", "b"])
    assert figures.items == 0
    assert figures.fleiss_kappa is None
    assert figures.pairs == []


def test_each_annotators_kappa_against_the_others_weights_pairs_by_shared_items() -> (
    None
):
    items, raters, values = _ratings(RELIABILITY)
    figures = single_label_agreement(items, raters, values, ["1", "2", "3", "4"])
    pairs = {(p.a, p.b): p for p in figures.pairs}
    first = next(r for r in figures.raters if r.rater == 0)
    mine = [pairs[(0, 1)], pairs[(0, 2)]]
    assert first.items == sum(p.items for p in mine)
    expected = sum(p.kappa * p.items for p in mine) / first.items  # type: ignore[operator]
    assert first.kappa == pytest.approx(expected)


def test_label_sets_are_a_yes_no_decision_per_label() -> None:
    labels = ["sports", "politics", "tech"]
    items = [1, 1, 2, 2, 3, 3]
    raters = [0, 1, 0, 1, 0, 1]
    values = [
        ["sports"],
        ["sports", "tech"],
        ["politics"],
        ["politics"],
        [],
        ["tech"],
    ]
    figures = label_set_agreement(items, raters, values, labels)
    assert figures.items == 3
    # Nine decisions each; they differ on tech for items 1 and 3.
    assert figures.pairs[0].observed == pytest.approx(7 / 9)
    tech = next(label for label in figures.labels if label.label == "tech")
    theirs = krippendorff.alpha(
        reliability_data=[[0, 0, 0], [1, 0, 1]], level_of_measurement="nominal"
    )
    assert tech.krippendorff_alpha == pytest.approx(theirs)
    politics = next(label for label in figures.labels if label.label == "politics")
    assert politics.krippendorff_alpha == pytest.approx(1.0)


def test_span_f1_counts_exact_matches_of_start_end_and_label() -> None:
    a = [
        {"start": 0, "end": 5, "label": "PER"},
        {"start": 10, "end": 15, "label": "LOC"},
    ]
    b = [
        {"start": 0, "end": 5, "label": "PER"},
        {"start": 10, "end": 14, "label": "LOC"},
    ]
    c = [{"start": 0, "end": 5, "label": "ORG"}]
    figures = object_agreement(
        "exact_spans", [1, 1, 1], [0, 1, 2], [a, b, c], ["PER", "LOC", "ORG"]
    )
    pairs = {(p.a, p.b): p.f1 for p in figures.pairs}
    assert pairs[(0, 1)] == pytest.approx(2 * 1 / 4)
    assert pairs[(0, 2)] == 0.0
    assert pairs[(1, 2)] == 0.0
    per = {label.label: label.f1 for label in figures.labels}
    # PER: matched once over 4 PER spans among the three pairs (2·1 / 4).
    assert per["PER"] == pytest.approx(0.5)
    assert per["LOC"] == 0.0
    assert figures.mean_pair_f1 == pytest.approx(0.5 / 3)


def test_boxes_match_one_to_one_at_iou_half_with_the_same_label() -> None:
    box = {"x": 0.1, "y": 0.1, "w": 0.4, "h": 0.4, "label": "cat"}
    shifted = {**box, "x": 0.2}  # IoU 0.3/0.5 = 0.6
    far = {**box, "x": 0.35}  # IoU 0.15/0.65 ≈ 0.23
    dog = {**box, "label": "dog"}
    assert match_boxes([box], [shifted]) == ["cat"]
    assert match_boxes([box], [far]) == []
    assert match_boxes([box], [dog]) == []
    # Two boxes of one annotator cannot both take the other's single box.
    assert match_boxes([box, shifted], [box]) == ["cat"]
    figures = object_agreement(
        "matched_boxes", [7, 7], [0, 1], [[box, dog], [shifted]], ["cat", "dog"]
    )
    assert figures.pairs[0].f1 == pytest.approx(2 * 1 / 3)


def test_every_task_kind_names_an_agreement_measure_that_exists() -> None:
    assert {a.agreement for a in ADAPTERS.values()} == set(MEASURES)


def test_fifty_thousand_items_by_three_of_nine_raters_match_the_package() -> None:
    # Raters r, r+3, r+6 (mod 9) label each item: 9 pairs ever meet.
    rng = np.random.default_rng(3)
    n = 50_000
    items = np.repeat(np.arange(n), 3)
    raters = (np.repeat(rng.integers(0, 9, size=n), 3) + np.tile([0, 3, 6], n)) % 9
    truth = rng.integers(0, 4, size=n)
    codes = np.where(
        rng.random(3 * n) < 0.8, np.repeat(truth, 3), rng.integers(0, 4, 3 * n)
    )
    labels = ["a", "b", "c", "d"]
    figures = single_label_agreement(items, raters, [labels[c] for c in codes], labels)
    counts = np.zeros((n, 4), dtype=int)
    np.add.at(counts, (items, codes), 1)
    theirs = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    assert figures.krippendorff_alpha == pytest.approx(theirs, abs=1e-9)
    assert figures.items == n
    assert len(figures.pairs) == 9
    assert all(not math.isnan(p.kappa or 0.0) for p in figures.pairs)
