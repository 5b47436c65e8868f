"""Simulating train-on-weak: the rules' labels learned beside the revealed ones."""

from __future__ import annotations

import numpy as np

from activelabel.al.simulate import simulate


def test_good_weak_labels_lift_the_first_rounds_and_a_revealed_label_wins() -> None:
    rng = np.random.default_rng(0)
    n = 600
    y = np.where(rng.random(n) < 0.5, "a", "b").astype(object)
    X = rng.normal(size=(n, 5)) + (y == "a")[:, None] * 1.5
    # Rules label half the items, right 90 % of the time.
    weak = np.array([None] * n, dtype=object)
    covered = rng.random(n) < 0.5
    right = rng.random(n) < 0.9
    weak[covered] = np.where(right, y, np.where(y == "a", "b", "a"))[covered]
    confidence = np.where(covered, 0.9, 0.0)
    options = {"strategies": ["random"], "initial_labels": 4, "batch_size": 10,
               "budget": 24, "seeds": 3}  # fmt: skip
    plain = simulate(X, y, **options)
    with_weak = simulate(X, y, weak_labels=(weak, confidence), **options)
    first = lambda r: r.curves[r.curves["round"] == 0]["accuracy"].mean()  # noqa: E731
    assert first(with_weak) > first(plain) + 0.05
    assert with_weak.config["weak_labels"] and not plain.config["weak_labels"]
