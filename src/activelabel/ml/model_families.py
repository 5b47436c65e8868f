"""The model families the loop trains, by name.

A task adapter names its family (``model_family``); the round trains it with
:func:`train_family` and never asks which one it is. A family learns from one
feature row per item and predicts with ``predict_proba``, which the strategies
and the adapter's ``suggest`` read. A task kind whose model learns otherwise
(a sequence of tokens per item) adds its family here, with that contract.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from activelabel.exceptions import ConfigError
from activelabel.ml.training import TrainedModel, train_model

__all__ = ["MODEL_FAMILIES", "train_family"]


def _single_label(X: Any, y: Sequence[Any], **options: Any) -> TrainedModel:
    return train_model(X, y, multilabel=False, **options)


def _one_vs_rest(X: Any, y: Sequence[Any], **options: Any) -> TrainedModel:
    return train_model(X, y, multilabel=True, **options)


#: Family name -> how it trains on feature rows ``X`` and training labels ``y``.
MODEL_FAMILIES: dict[str, Callable[..., TrainedModel]] = {
    # One label per item: a classifier over the labels in use.
    "single_label": _single_label,
    # A set of labels per item: one yes/no classifier per label.
    "one_vs_rest": _one_vs_rest,
}


def train_family(family: str, X: Any, y: Sequence[Any], **options: Any) -> TrainedModel:
    """Train the model family ``family`` (options go to :func:`train_model`)."""
    try:
        train = MODEL_FAMILIES[family]
    except KeyError:
        raise ConfigError(
            f"Unknown model family {family!r}; the families are: "
            f"{', '.join(MODEL_FAMILIES)}."
        ) from None
    return train(X, y, **options)
