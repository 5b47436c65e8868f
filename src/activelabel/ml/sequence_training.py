"""Training a CRF on IOB2 tags, and scoring it by cross-validation over sentences.

:func:`cross_validate_sequences` splits the labeled sentences in k folds,
trains on k - 1 and tags the held-out one, and scores every out-of-fold tag
sequence at once with entity-level F1 (seqeval, conlleval-compatible: an
entity counts only when its type and both boundaries are right).

Cross-validation with few sentences
-----------------------------------
Each fold needs at least two held-out sentences, so ``k = min(cv_folds,
n // 2)``. No score is given (``None``, the reason in the note) when
``k < 2``, when no sentence holds an entity, or when ``cv_folds=0`` (a caller
that wants the model fast, such as a benchmark).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import pycrfsuite
import sklearn_crfsuite
from seqeval.metrics import classification_report
from sklearn.model_selection import KFold

from activelabel.exceptions import InvalidLabelError
from activelabel.ml.token_features import TokenFeatures

__all__ = [
    "checked_iob2_tags",
    "cross_validate_sequences",
    "entity_metrics",
    "fit_crf_file",
]


def checked_iob2_tags(
    sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]]
) -> list[list[str]]:
    """IOB2 tags, checked; an ``I-X`` that starts an entity becomes ``B-X``.

    That repair reads the tags as IOB1 does (as the importer documents); a tag
    that is neither ``O`` nor ``B-``/``I-`` plus a type is refused.
    """
    if len(sentences) != len(tags):
        raise InvalidLabelError(
            f"There are {len(sentences)} sentences but {len(tags)} tag sequences; "
            "they must match."
        )
    out: list[list[str]] = []
    for n, (words, seq) in enumerate(zip(sentences, tags, strict=True), start=1):
        if len(words) != len(seq):
            raise InvalidLabelError(
                f"Sentence {n} has {len(words)} tokens but {len(seq)} tags."
            )
        fixed: list[str] = []
        previous = "O"
        for tag in seq:
            if tag != "O" and (tag[:2] not in ("B-", "I-") or len(tag) < 3):
                raise InvalidLabelError(
                    f"Sentence {n} has the tag {tag!r}; an IOB2 tag is 'O', "
                    "'B-<type>' or 'I-<type>'."
                )
            if tag.startswith("I-") and previous[2:] != tag[2:]:
                tag = "B-" + tag[2:]
            fixed.append(tag)
            previous = tag
        out.append(fixed)
    return out


def fit_crf_file(
    features: Sequence[list[TokenFeatures]],
    tags: Sequence[Sequence[str]],
    options: Mapping[str, Any],
) -> bytes:
    """Train one CRF and return its crfsuite model file."""
    crf = sklearn_crfsuite.CRF(**options)
    try:
        crf.fit(features, tags)
        with open(crf.modelfile.name, "rb") as f:
            return f.read()
    finally:
        crf.modelfile.cleanup()


def entity_metrics(
    truth: Sequence[Sequence[str]], guess: Sequence[Sequence[str]]
) -> dict[str, Any]:
    """Entity-level precision, recall, F1 and support per type, micro and macro."""
    with warnings.catch_warnings():
        # A type never predicted has precision 0/0: reported as 0, not warned.
        warnings.simplefilter("ignore")
        report = classification_report(
            [list(t) for t in truth],
            [list(g) for g in guess],
            output_dict=True,
            zero_division=0,
        )
    per_entity = {
        name: {
            "precision": float(row["precision"]),
            "recall": float(row["recall"]),
            "f1": float(row["f1-score"]),
            "support": int(row["support"]),
        }
        for name, row in report.items()
        if not name.endswith(" avg")
    }
    return {
        "entity_f1": float(report["micro avg"]["f1-score"]),
        "entity_precision": float(report["micro avg"]["precision"]),
        "entity_recall": float(report["micro avg"]["recall"]),
        "macro_f1": float(report["macro avg"]["f1-score"]),
        "per_entity": per_entity,
        "unlearned": sorted(n for n, m in per_entity.items() if m["recall"] == 0.0),
    }


def cross_validate_sequences(
    features: list[list[TokenFeatures]],
    tags: list[list[str]],
    cv_folds: int,
    random_state: int | None,
    options: Mapping[str, Any],
) -> tuple[float | None, int, str, dict[str, Any]]:
    """Out-of-fold entity F1, folds used, a note, and metrics (module docstring)."""
    n = len(features)
    if cv_folds == 0:
        return None, 0, "No cross-validation: it was not asked for (cv_folds=0).", {}
    if not any(t != "O" for seq in tags for t in seq):
        return None, 0, "No cross-validation: no labeled sentence holds an entity.", {}
    k = min(cv_folds, n // 2)
    if k < 2:
        return (
            None,
            0,
            (
                f"No cross-validation: {n} labeled sentence(s); it needs at least 4 "
                "(two folds of two)."
            ),
            {},
        )
    guess: list[list[str]] = [[] for _ in range(n)]
    splitter = KFold(n_splits=k, shuffle=True, random_state=random_state)
    for train, test in splitter.split(features):
        tagger = pycrfsuite.Tagger()
        model_file = fit_crf_file(
            [features[i] for i in train], [tags[i] for i in train], options
        )
        tagger.open_inmemory(model_file)
        for i in test:
            guess[i] = list(tagger.tag(features[i])) if features[i] else []
    metrics = entity_metrics(tags, guess)
    note = f"{k}-fold over sentences, entity-level F1 (seqeval, conlleval mode)"
    if k < cv_folds:
        note += f" (reduced from {cv_folds}: {n} labeled sentences)"
    metrics["n_scored"] = n
    return metrics["entity_f1"], k, note + ".", metrics
