"""The model families the loop trains, by name, and what each learns from.

A task adapter names its family (``model_family``); the round asks the family
what input it needs (:func:`family_input`) and never asks which task it is.
Two contracts:

``feature_rows``
    One feature row per item (the project's featurizer), trained with
    :func:`train_family`; the model predicts with ``predict_proba``, which the
    strategies and the adapter's ``suggest`` read. ``single_label`` and
    ``one_vs_rest``.
``token_sequences``
    One sequence of tokens per item and one tag per token (IOB2), trained with
    :func:`train_sequence_family`; the model gives each token's tag marginals
    (``predict_marginals``), which the sequence scores and the prelabels read,
    and stores itself as bytes (``to_bytes`` / ``from_bytes``, never pickle).
    ``crf_sequence``: a linear-chain CRF over token features.
``images``
    One image file per item and its labeled boxes, fitted with
    :func:`fit_image_family` by the detector plug-in the project names
    (:mod:`activelabel.ml.detectors`); the fitted detector predicts boxes with
    scores and stores itself as bytes. ``box_detector``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from activelabel.exceptions import ConfigError

if TYPE_CHECKING:
    from activelabel.ml.training import TrainedModel

__all__ = [
    "MODEL_FAMILIES",
    "ModelFamilySpec",
    "ModelInput",
    "family_input",
    "family_is_multilabel",
    "fit_image_family",
    "load_image_model",
    "load_sequence_model",
    "train_family",
    "train_sequence_family",
]

#: What a family learns from: one feature row per item, or one token sequence.
ModelInput = Literal["feature_rows", "token_sequences", "images"]


def _single_label(X: Any, y: Sequence[Any], **options: Any) -> TrainedModel:
    from activelabel.ml.training import train_model

    return train_model(X, y, multilabel=False, **options)


def _one_vs_rest(X: Any, y: Sequence[Any], **options: Any) -> TrainedModel:
    from activelabel.ml.training import train_model

    return train_model(X, y, multilabel=True, **options)


def _crf_sequence(
    sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], **options: Any
) -> Any:
    # Imported on use: python-crfsuite is only needed by span projects.
    from activelabel.ml.sequence_model import train_sequence_model

    return train_sequence_model(sentences, tags, **options)


def _crf_from_bytes(data: bytes) -> Any:
    from activelabel.ml.sequence_model import SequenceModel

    return SequenceModel.from_bytes(data)


def _box_detector(
    images: Sequence[Any],
    boxes: Sequence[Sequence[Any]],
    *,
    labels: Sequence[str],
    detector: str,
    weights: str | None = None,
    **options: Any,
) -> Any:
    from activelabel.ml.detectors import load_detector

    plugin = load_detector(detector, weights=weights, options=options)
    return plugin.fit(images, boxes, labels=labels)


@dataclass(frozen=True)
class ModelFamilySpec:
    """A family: what it learns from, how it trains, and how a stored one loads."""

    learns_from: ModelInput
    #: ``train(X, y)`` for feature rows; ``train(sentences, tags)`` for sequences.
    train: Callable[..., Any]
    #: How a model of this family is read back from its stored bytes (``None``:
    #: the skops artifact of :mod:`activelabel.ml.training`).
    from_bytes: Callable[[bytes], Any] | None = None
    #: Whether an item holds a set of labels (one yes/no model per label).
    multilabel: bool = False


#: Family name -> its contract.
MODEL_FAMILIES: dict[str, ModelFamilySpec] = {
    # One label per item: a classifier over the labels in use.
    "single_label": ModelFamilySpec("feature_rows", _single_label),
    # A set of labels per item: one yes/no classifier per label.
    "one_vs_rest": ModelFamilySpec("feature_rows", _one_vs_rest, multilabel=True),
    # Labeled spans of tokens: a linear-chain CRF tagging each token in IOB2.
    "crf_sequence": ModelFamilySpec("token_sequences", _crf_sequence, _crf_from_bytes),
    # Boxes on images: the detector plug-in the project's settings name.
    "box_detector": ModelFamilySpec("images", _box_detector),
}


def _spec(family: str) -> ModelFamilySpec:
    try:
        return MODEL_FAMILIES[family]
    except KeyError:
        raise ConfigError(
            f"Unknown model family {family!r}; the families are: "
            f"{', '.join(MODEL_FAMILIES)}."
        ) from None


def family_input(family: str) -> ModelInput:
    """What the family ``family`` learns from: ``feature_rows``,
    ``token_sequences`` or ``images``."""
    return _spec(family).learns_from


def family_is_multilabel(family: str) -> bool:
    """Whether the family ``family`` learns a set of labels per item."""
    return _spec(family).multilabel


def _checked(family: str, wanted: ModelInput) -> ModelFamilySpec:
    spec = _spec(family)
    if spec.learns_from != wanted:
        raise ConfigError(
            f"The model family {family!r} learns from {spec.learns_from.replace('_', ' ')}, "
            f"not {wanted.replace('_', ' ')}."
        )
    return spec


def train_family(family: str, X: Any, y: Sequence[Any], **options: Any) -> TrainedModel:
    """Train the feature-row family ``family`` on ``X`` and ``y`` (options go to
    :func:`activelabel.ml.training.train_model`)."""
    trained: TrainedModel = _checked(family, "feature_rows").train(X, y, **options)
    return trained


def train_sequence_family(
    family: str,
    sentences: Sequence[Sequence[str]],
    tags: Sequence[Sequence[str]],
    **options: Any,
) -> Any:
    """Train the sequence family ``family`` on token sequences and their IOB2 tags."""
    return _checked(family, "token_sequences").train(sentences, tags, **options)


def load_sequence_model(family: str, data: bytes) -> Any:
    """A stored model of the sequence family ``family``, from its bytes."""
    spec = _checked(family, "token_sequences")
    assert spec.from_bytes is not None  # every sequence family reads its bytes
    return spec.from_bytes(data)


def fit_image_family(
    family: str,
    images: Sequence[Any],
    boxes: Sequence[Sequence[Any]],
    *,
    labels: Sequence[str],
    detector: str,
    weights: str | None = None,
    **options: Any,
) -> Any:
    """Fit the image family ``family`` with the installed detector ``detector``
    on ``images`` (:class:`activelabel.ml.detectors.DetectorImage`) and their boxes."""
    spec = _checked(family, "images")
    return spec.train(
        images, boxes, labels=labels, detector=detector, weights=weights, **options
    )


def load_image_model(
    family: str, data: bytes, *, detector: str, weights: str | None = None
) -> Any:
    """A stored model of the image family ``family``, read back by its detector."""
    _checked(family, "images")
    from activelabel.ml.detectors import load_detector

    return load_detector(detector, weights=weights).load(data)
