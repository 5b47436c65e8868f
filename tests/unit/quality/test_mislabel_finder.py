"""The mislabel finder and the consensus of several annotators (cleanlab), on arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from activelabel.exceptions import InvalidLabelError
from activelabel.ml.text_features import TextFeaturizer
from activelabel.ml.training import train_model
from activelabel.quality.label_issues import crowd_consensus, find_label_issues

SMS = Path(__file__).parents[2] / "fixtures" / "sms_sample.tsv"


def _sms() -> tuple[list[str], np.ndarray]:
    rows = [
        line.rstrip("\n").split("\t", 1)
        for line in SMS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [text for _, text in rows], np.array([label for label, _ in rows])


def test_the_finder_recalls_most_planted_flips_of_sms_labels_in_its_top_twice_as_many() -> (
    None
):
    texts, truth = _sms()
    rng = np.random.default_rng(1)
    flipped = rng.choice(truth.size, round(0.05 * truth.size), replace=False)
    noisy = truth.copy()
    noisy[flipped] = np.where(truth[flipped] == "ham", "spam", "ham")
    trained = train_model(TextFeaturizer().fit_transform(texts), noisy)
    assert trained.oof_proba is not None

    found = find_label_issues(list(noisy), trained.oof_proba, trained.classes)

    top = set(found.positions[: 2 * flipped.size].tolist())
    recall = len(top & set(flipped.tolist())) / flipped.size
    # 0.8 with this seed; the benchmark reports 0.78 over 5 seeds on all
    # 5,574 messages (goal 0.6). A lower bar here: 200 messages are few.
    assert recall >= 0.5
    assert list(found.quality) == sorted(found.quality)
    for position, suggested in zip(found.positions, found.suggested, strict=True):
        assert suggested != noisy[position]


def test_rows_never_held_out_are_not_judged() -> None:
    proba = np.array(
        [[0.9, 0.1]] * 10 + [[0.1, 0.9]] * 10 + [[0.95, 0.05], [np.nan, np.nan]]
    )
    given = ["a"] * 10 + ["b"] * 10 + ["b", "b"]
    found = find_label_issues(given, proba, ["a", "b"])
    assert found.n_judged == 21
    assert found.positions.tolist() == [20]
    assert found.suggested == ["a"]


def test_multilabel_sets_are_judged_label_by_label() -> None:
    rng = np.random.default_rng(0)
    truth = rng.random((300, 3)) < 0.4
    proba = np.where(truth, 0.92, 0.06)
    given = [[name for name, on in zip("xyz", row, strict=True) if on] for row in truth]
    wrong = [3, 77, 150]
    for i in wrong:
        given[i] = [n for n in "xyz" if n not in given[i]]

    found = find_label_issues(given, proba, list("xyz"), multilabel=True)

    assert set(found.positions[:3].tolist()) == set(wrong)
    suggested = dict(zip(found.positions.tolist(), found.suggested, strict=True))
    assert suggested[3] == [n for n, on in zip("xyz", truth[3], strict=True) if on]


def test_a_label_outside_the_classes_or_a_wrong_shape_is_refused_with_a_sentence() -> (
    None
):
    with pytest.raises(InvalidLabelError, match="'maybe' is not one of"):
        find_label_issues(["a", "maybe"], np.full((2, 2), 0.5), ["a", "b"])
    with pytest.raises(InvalidLabelError, match="expected 3 rows"):
        find_label_issues(["a", "b", "a"], np.full((2, 2), 0.5), ["a", "b"])


def test_crowdlab_gives_the_careless_annotator_the_lowest_quality() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 400)
    classes = ["ham", "spam"]
    proba = np.where(truth[:, None] == np.arange(2), 0.8, 0.2)
    labels: list[list[str | None]] = []
    for i, t in enumerate(truth):
        careless = classes[1 - t] if i % 3 == 0 else classes[t]
        labels.append([classes[t], careless, classes[t] if i % 2 else None])

    consensus = crowd_consensus(labels, proba, classes, ["ann", "bob", "cy"])

    quality = consensus.annotator_quality
    assert min(quality, key=quality.__getitem__) == "bob"
    assert consensus.labels == [classes[t] for t in truth]
    assert consensus.annotator_labels == {"ann": 400, "bob": 400, "cy": 200}


def test_the_consensus_needs_an_item_two_annotators_labeled() -> None:
    with pytest.raises(InvalidLabelError, match="two or more annotators"):
        crowd_consensus(
            [["ham", None], [None, "spam"]],
            np.full((2, 2), 0.5),
            ["ham", "spam"],
            ["ann", "bob"],
        )
