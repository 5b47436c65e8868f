"""A project's settings: every one, its type and its one default.

Settings are stored as JSON in ``projects.config``; :class:`ProjectConfig` is the
only reader of that JSON. A setting left at its default is not written, so the
stored JSON holds what someone chose and a new default reaches every project
that did not choose.

=================  =========================================================
setting            what
=================  =========================================================
text_column        the field of an item that holds its text (text projects)
feature_columns    the fields a table project's model reads (all, if unset)
media_column       the field that holds a media file's path (file imports)
retrain_every      labels between two training rounds
overlap            annotators who label each item
overlap_share      the share of items (chosen at random) labeled by ``overlap``
gold_rate          the share of served tasks that are gold items (honeypots)
aliases            alias -> label: an imported alias is stored as its label
parents            label -> its parent labels, added when the label is given
train_on_weak      the model also learns the label model's labels (weighted)
lf_time_limit      seconds a Python labeling function may take on one item
keys               label -> key an admin chose (the others are automatic)
strategy           the query strategy (the default strategy if unset)
featurizer         how items become features (the modality's default if unset)
model              the classifier: logistic, gradient_boosting, or auto (AutoML search)
automl_budget      seconds an AutoML search may take (``model=auto``, ``train --automl``)
auto_accept        confidence at which the model labels an item itself (off if unset)
auto_accept_max    items the model may label itself in one round
auto_accept_audit  the share of the model's own labels sent to review
augment            train on augmented copies of labeled media (the modality's default if unset)
stop_set           items successive models are compared on (chosen once)
columns            the source's field order, first in exports (JSONB keeps none)
language           the items' language, ISO 639-1 (span projects: direction, tokens)
language_column    the field holding each item's language (wins over language)
direction          ltr or rtl, over what the language says
tokenization       whitespace or char, over what the language says
prelabel           show dictionary and model spans as prelabels (span projects)
detector           the detector plug-in a box project trains (entry point name)
detector_weights   the weights file the detector fine-tunes from (never downloaded)
=================  =========================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from activelabel import extras
from activelabel.exceptions import ConfigError
from activelabel.tasks.spans.languages import (
    Direction,
    Tokenization,
    check_language,
    resolve_layout,
)

__all__ = [
    "AUGMENTABLE",
    "AUGMENT_DEFAULT",
    "DEFAULT_FEATURIZER",
    "FEATURIZERS",
    "ProjectConfig",
    "augment_default",
    "augmentable",
    "check_augmentable",
    "check_time_budget",
]

#: The featurizers a project of each modality may choose, by name.
FEATURIZERS: dict[str, tuple[str, ...]] = {
    "text": ("tfidf", "hashing", "embeddings", "both", "auto"),
    "tabular": ("tabular",),
    "image": ("image",),
    "audio": ("audio",),
}

#: What a project of each modality uses when it chose no featurizer. Text is
#: ``auto``: TF-IDF until 30 labels, then whichever of tfidf, embeddings and
#: both cross-validates best (without the embeddings extra, or on pools over
#: ``loop.featurizer_choice.AUTO_EMBEDDING_POOL`` texts, always TF-IDF). On
#: Made With ML and AG News it reached random sampling's 300-label accuracy
#: with 30-50 labels, against 190-210 for TF-IDF alone (docs/benchmarks.md).
DEFAULT_FEATURIZER: dict[str, str] = {
    "text": "auto",
    "tabular": "tabular",
    "image": "image",
    "audio": "audio",
}

#: The modalities whose items have augmentation transforms
#: (:mod:`activelabel.ml.augmentation` holds them).
AUGMENTABLE: tuple[str, ...] = ("image", "audio")

#: Whether a project of each modality augments when it did not choose
#: (``augment`` unset). Set from the learning curves in ``docs/benchmarks.md``
#: (``benchmarks/bench_augment.py``): on only where they showed a gain. Images
#: did (CIFAR-10: AUC +0.018, the plain run's final accuracy with 220 labels
#: of 300); text did not; audio helped below 140 labels and cost accuracy
#: from 160 on (spoken digits), so audio stays off.
AUGMENT_DEFAULT: dict[str, bool] = {
    "image": True,
    "audio": False,
    "text": False,
    "tabular": False,
}


def augmentable(modality: str) -> bool:
    """Whether items of ``modality`` have transforms (images and audio)."""
    return modality in AUGMENTABLE


def check_augmentable(modality: str) -> None:
    """Refuse augmentation for a modality without transforms, saying which have."""
    if not augmentable(modality):
        raise ConfigError(
            f"A {modality} project has no augmentation: only image and audio "
            "items have transforms (on text, word dropout did not help the "
            "learning curve)."
        )


def augment_default(modality: str) -> bool:
    """Whether a project of ``modality`` augments when its setting is unset."""
    return AUGMENT_DEFAULT.get(modality, False)


class ProjectConfig(BaseModel):
    """Every setting of a project with its default; immutable, validated."""

    # Unknown keys in stored JSON (a setting an older version kept) are ignored
    # rather than refused, so opening a database never fails on them; the next
    # change of settings drops them.
    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)

    text_column: str | None = None
    feature_columns: list[str] | None = None
    media_column: str | None = None
    retrain_every: int = Field(default=10, ge=1)
    overlap: int = Field(default=1, ge=1)
    overlap_share: float = Field(default=1.0, gt=0.0, le=1.0)
    gold_rate: float = Field(default=0.0, ge=0.0, le=0.5)
    aliases: dict[str, str] = Field(default_factory=dict)
    parents: dict[str, list[str]] = Field(default_factory=dict)
    train_on_weak: bool = False
    lf_time_limit: float = Field(default=1.0, gt=0.0, le=600.0)
    keys: dict[str, str] = Field(default_factory=dict)
    strategy: str | None = None
    featurizer: str | None = None
    model: Literal["logistic", "gradient_boosting", "auto"] | None = None
    automl_budget: float = Field(default=60.0, gt=0.0, le=3600.0)
    auto_accept: float | None = Field(default=None, gt=0.5, le=1.0)
    auto_accept_max: int = Field(default=100, ge=1)
    auto_accept_audit: float = Field(default=0.1, ge=0.0, le=1.0)
    augment: bool | None = None
    stop_set: list[int] | None = None
    columns: list[str] | None = None
    language: str | None = None
    language_column: str | None = None
    direction: Literal["ltr", "rtl"] | None = None
    tokenization: Literal["whitespace", "char"] | None = None
    prelabel: bool = True
    detector: str | None = None
    detector_weights: str | None = None

    @field_validator("language")
    @classmethod
    def _known_shape(cls, language: str | None) -> str | None:
        return None if language is None else check_language(language)

    @classmethod
    def from_json(cls, stored: Mapping[str, Any] | None) -> ProjectConfig:
        """Read the JSON stored in ``projects.config`` (``None`` reads as defaults)."""
        try:
            return cls.model_validate(dict(stored or {}))
        except ValidationError as exc:
            raise ConfigError(_sentence(exc, "The project's stored settings")) from None

    def replace(self, **changes: Any) -> ProjectConfig:
        """A validated copy with ``changes``; :class:`ConfigError` names a bad one."""
        unknown = sorted(set(changes) - set(type(self).model_fields))
        if unknown:
            known = ", ".join(sorted(type(self).model_fields))
            raise ConfigError(
                f"Unknown project setting {unknown[0]!r}; the settings are: {known}."
            )
        try:
            return type(self).model_validate({**self.to_json(), **changes})
        except ValidationError as exc:
            raise ConfigError(_sentence(exc, "The new settings")) from None

    def to_json(self) -> dict[str, Any]:
        """What is stored in ``projects.config``: the settings someone chose."""
        return self.model_dump(exclude_defaults=True)

    def text_layout(
        self, data: Mapping[str, Any] | None = None
    ) -> tuple[Direction, Tokenization]:
        """The direction and tokenization of an item's text (the project's when
        ``data`` is ``None``): its language column's language wins over the
        project's, and ``direction`` / ``tokenization`` override both."""
        language = self.language
        if data is not None and self.language_column:
            own = data.get(self.language_column)
            if isinstance(own, str) and own.strip():
                language = own
        return resolve_layout(language, self.direction, self.tokenization)

    def featurizer_for(self, modality: str) -> str:
        """The featurizer this project uses: its choice, else the modality's default."""
        return self.featurizer or DEFAULT_FEATURIZER[modality]

    def check_featurizer(self, modality: str) -> None:
        """Refuse a featurizer the modality cannot use, naming the ones it can,
        and one whose extra is not installed, naming the command that adds it."""
        if self.featurizer is None:
            return
        allowed = FEATURIZERS[modality]
        if self.featurizer not in allowed:
            raise ConfigError(
                f"A {modality} project cannot use the featurizer {self.featurizer!r}; "
                f"choose one of: {', '.join(allowed)}."
            )
        if (
            self.featurizer in extras.EMBEDDING_FEATURIZERS
            and not extras.embeddings_installed()
        ):
            raise ConfigError(extras.missing_embeddings_sentence(self.featurizer))


def check_time_budget(seconds: float) -> float:
    """``seconds`` as a float, or :class:`ConfigError` saying why it is no budget."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ConfigError(
            f"The AutoML time budget must be a number of seconds; got {seconds!r}."
        )
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(
            f"The AutoML time budget must be more than 0 seconds; got {seconds:g}."
        )
    return float(seconds)


def _sentence(exc: ValidationError, what: str) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "settings"
    return (
        f"{what} are not valid: {where}: {first['msg']} (got {first.get('input')!r})."
    )
