"""The label model: Dawid-Skene with abstains, against majority vote."""

from __future__ import annotations

import numpy as np
import pytest

from activelabel.weak.label_fit import fit_each_label, fit_one_of_labels
from activelabel.weak.label_matrix import LabelMatrix
from activelabel.weak.label_model import (
    DawidSkene,
    MajorityVote,
    VotePatterns,
    accuracy_on,
)


def synthetic_votes(
    n: int,
    *,
    prior: float,
    functions: list[tuple[int, float, float]],
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Items with a true binary label and functions that each vote one label.

    Each function is (label it votes, P(vote | the item has that label),
    P(vote | it has not)).
    """
    rng = np.random.default_rng(seed)
    truth = (rng.random(n) < prior).astype(np.int64)
    votes = np.full((n, len(functions)), -1, dtype=np.int32)
    for j, (label, hit, false_alarm) in enumerate(functions):
        fires = np.where(
            truth == label, rng.random(n) < hit, rng.random(n) < false_alarm
        )
        votes[fires, j] = label
    return votes, truth


FUNCTIONS = [
    (1, 0.40, 0.01),
    (1, 0.30, 0.02),
    (1, 0.50, 0.05),
    (0, 0.30, 0.02),
    (0, 0.40, 0.01),
    (0, 0.20, 0.03),
]


def test_dawid_skene_recovers_the_vote_rates_and_prior_of_a_synthetic_matrix() -> None:
    votes, truth = synthetic_votes(200_000, prior=0.3, functions=FUNCTIONS)
    model = DawidSkene(2).fit(votes)
    assert model.priors_[1] == pytest.approx(0.3, abs=0.01)
    for j, (label, hit, false_alarm) in enumerate(FUNCTIONS):
        assert model.errors_[j, label, label] == pytest.approx(hit, abs=0.02)
        assert model.errors_[j, label, 1 - label] == pytest.approx(
            false_alarm, abs=0.01
        )
    # Accuracy when voting: P(y = label | the function voted), from the truth.
    for j, (label, _, _) in enumerate(FUNCTIONS):
        voted = votes[:, j] >= 0
        assert model.accuracies_[j] == pytest.approx(
            (truth[voted] == label).mean(), abs=0.02
        )


def test_dawid_skene_beats_majority_vote_when_one_function_is_bad() -> None:
    # Function 0 fires on most items whatever their label: a rule with a bug.
    functions = [(1, 0.9, 0.6), *FUNCTIONS[1:]]
    votes, truth = synthetic_votes(100_000, prior=0.3, functions=functions, seed=1)
    covered = (votes >= 0).any(axis=1)
    gold = np.where(covered, truth, -1)
    ds = DawidSkene(2).fit(votes).predict_proba(votes).argmax(axis=1)
    mv = MajorityVote(2).predict(votes)
    ds_accuracy, n = accuracy_on(ds, gold)
    mv_accuracy, _ = accuracy_on(mv, gold)
    assert n == covered.sum()
    assert ds_accuracy is not None and mv_accuracy is not None
    assert ds_accuracy > mv_accuracy + 0.05
    assert DawidSkene(2).fit(votes).accuracies_[0] < 0.5


def test_majority_vote_gives_shares_breaks_ties_by_overall_frequency_and_abstains_without_votes() -> (
    None
):
    votes = np.array(
        [
            [0, 0, 1],  # two against one
            [0, 1, -1],  # a tie: label 0 is voted more often overall
            [-1, -1, -1],  # nobody voted
        ]
    )
    model = MajorityVote(2)
    assert model.predict_proba(votes)[0].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert model.predict_proba(votes)[2].tolist() == [0.0, 0.0]
    assert model.predict(votes).tolist() == [0, 0, -1]


def test_vote_patterns_count_each_distinct_row_once() -> None:
    votes = np.array([[0, -1], [1, 1], [0, -1], [-1, -1]])
    patterns = VotePatterns.of(votes, 2)
    assert len(patterns.patterns) == 3
    assert sorted(patterns.counts.tolist()) == [1.0, 1.0, 2.0]
    assert (patterns.patterns[patterns.inverse] == votes).all()


def test_fitting_on_patterns_equals_fitting_on_every_row() -> None:
    votes, _ = synthetic_votes(5_000, prior=0.4, functions=FUNCTIONS, seed=2)
    patterns = VotePatterns.of(votes, 2)
    by_pattern = DawidSkene(2).fit_patterns(patterns.patterns, patterns.counts)
    # Every row its own pattern (weight 1): the same EM, row by row.
    by_row = DawidSkene(2).fit_patterns(votes, np.ones(len(votes)))
    assert by_pattern.priors_ == pytest.approx(by_row.priors_)
    assert by_pattern.errors_ == pytest.approx(by_row.errors_)


def matrix_of(votes: np.ndarray, labels: tuple[str, ...]) -> LabelMatrix:
    rows, columns = np.nonzero(votes >= 0)
    return LabelMatrix.from_votes(
        rows + 1,
        columns,
        votes[rows, columns],
        functions=tuple(f"f{j}" for j in range(votes.shape[1])),
        labels=labels,
    )


def test_one_of_labels_fits_on_the_whole_pool_and_returns_the_items_with_votes() -> (
    None
):
    votes, truth = synthetic_votes(20_000, prior=0.3, functions=FUNCTIONS, seed=3)
    matrix = matrix_of(votes, ("ham", "spam"))
    fitted = fit_one_of_labels(matrix, pool_size=len(votes))
    assert len(fitted.item_ids) == (votes >= 0).any(axis=1).sum()
    assert fitted.proba.sum(axis=1) == pytest.approx(np.ones(len(fitted.item_ids)))
    predicted = fitted.proba.argmax(axis=1)
    assert (predicted == truth[fitted.item_ids - 1]).mean() > 0.9
    assert set(fitted.accuracies) == {f"f{j}" for j in range(len(FUNCTIONS))}


def test_each_label_is_its_own_yes_no_model_and_other_labels_votes_do_not_count_against_it() -> (
    None
):
    rng = np.random.default_rng(4)
    n = 10_000
    has_a = rng.random(n) < 0.2
    has_b = rng.random(n) < 0.3
    items, columns, values = [], [], []
    for item in range(n):
        # Two functions per label, each firing on most items of its label.
        for column, (label, present) in enumerate(
            [(0, has_a), (0, has_a), (1, has_b), (1, has_b)]
        ):
            if rng.random() < (0.6 if present[item] else 0.01):
                items.append(item + 1)
                columns.append(column)
                values.append(label)
    matrix = LabelMatrix.from_votes(
        np.array(items),
        np.array(columns),
        np.array(values),
        functions=("a1", "a2", "b1", "b2"),
        labels=("a", "b", "c"),
    )
    fitted = fit_each_label(matrix, pool_size=n)
    rows = fitted.item_ids - 1
    assert ((fitted.proba[:, 0] >= 0.5) == has_a[rows]).mean() > 0.9
    assert ((fitted.proba[:, 1] >= 0.5) == has_b[rows]).mean() > 0.9
    # No function votes "c": no evidence, probability 0.
    assert (fitted.proba[:, 2] == 0).all()
    # An item voted a and b by one function each keeps both: not exclusive.
    voted = matrix.label_votes("a").max(axis=1) + matrix.label_votes("b").max(axis=1)
    both = np.flatnonzero(voted == 2)
    assert len(both) > 100
    assert ((fitted.proba[both, 0] >= 0.5) & (fitted.proba[both, 1] >= 0.5)).all()
