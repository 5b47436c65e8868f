"""A CRF sequence model for named entities: train, score, predict, save.

:func:`train_sequence_model` fits a linear-chain CRF (sklearn-crfsuite, L-BFGS
with L1 + L2 regularisation) on the features of
:mod:`activelabel.ml.token_features` and IOB2 tags, after scoring the same
settings by k-fold cross-validation over sentences with entity-level F1
(:mod:`activelabel.ml.sequence_training` says how, and what happens with
few sentences).

Saving
------
crfsuite keeps a model as its own binary file. :meth:`SequenceModel.to_bytes`
stores those bytes after a JSON header (labels, scores, options), so a model
version never holds a pickle; :meth:`SequenceModel.from_bytes` checks both
parts before any of it is used. Tags (Viterbi) come from crfsuite's tagger
opened on the bytes in memory (no temporary file; a fresh tagger per call, so
two threads may predict with one model); marginals from the same weights in
numpy (:mod:`activelabel.ml.crf_marginals`), several times faster than one
crfsuite call per tag and token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pycrfsuite

from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.ml.crf_marginals import CrfWeights
from activelabel.ml.sequence_training import (
    checked_iob2_tags,
    cross_validate_sequences,
    fit_crf_file,
)
from activelabel.ml.token_features import sentence_features
from activelabel.ml.training import model_version_name

__all__ = [
    "DEFAULT_CRF_OPTIONS",
    "SequenceModel",
    "train_sequence_model",
]

#: sklearn-crfsuite's CRF options used unless the caller passes others: the
#: settings of its CoNLL tutorial, with the iterations capped so a round's
#: training time is bounded.
DEFAULT_CRF_OPTIONS: Final[dict[str, Any]] = {
    "algorithm": "lbfgs",
    "c1": 0.1,
    "c2": 0.1,
    "max_iterations": 100,
    "all_possible_transitions": True,
}

#: Sentences predicted at a time: bounds the memory of the marginals while a
#: round scores a pool of 100,000 sentences.
DEFAULT_CHUNK_SIZE: Final = 2000

_MAGIC: Final = b"activelabel-crf\n"
_FORMAT_VERSION: Final = 1


@dataclass
class SequenceModel:
    """A trained CRF and what is known about its quality.

    ``labels`` are the tags it predicts (``"O"``, ``"B-PER"``, ...),
    ``n_labels`` the number of labeled sentences it learned from, ``cv_score``
    the cross-validated entity-level micro-F1 (or None, see ``cv_note``) and
    ``metrics`` the per-entity-type precision, recall, F1 and support.
    """

    model_file: bytes
    labels: list[str]
    n_labels: int
    cv_score: float | None
    cv_folds: int
    cv_note: str
    metrics: dict[str, Any] = field(default_factory=dict)
    crf_options: dict[str, Any] = field(default_factory=dict)
    trained_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    _crf_weights: CrfWeights | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def name(self) -> str:
        """UTC timestamp plus CV score, as for the other model families."""
        return model_version_name(self.trained_at, self.cv_score)

    @property
    def entity_types(self) -> list[str]:
        """The entity types among the tags, sorted (``["LOC", "PER"]``)."""
        return sorted({t[2:] for t in self.labels if t[:2] in ("B-", "I-")})

    def _tagger(self) -> pycrfsuite.Tagger:
        tagger = pycrfsuite.Tagger()
        # crfsuite reads the buffer in place, so the bytes must outlive the
        # tagger: they do, held by this model.
        tagger.open_inmemory(self.model_file)
        return tagger

    def _weights(self) -> CrfWeights:
        # Read once per model; two threads racing here both build the same.
        if self._crf_weights is None:
            self._crf_weights = CrfWeights.from_model_file(self.model_file)
        return self._crf_weights

    def iter_marginal_arrays(
        self,
        sentences: Sequence[Sequence[str]],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> Iterator[list[npt.NDArray[np.float64]]]:
        """Marginals as one ``(tokens, tags)`` array per sentence, chunk by chunk.

        Column ``j`` is the tag ``labels[j]``. This is the fast way to score a
        pool: :mod:`activelabel.al.sequence_scores` reads arrays as they are.
        """
        weights = self._weights()
        columns = [weights.labels.index(tag) for tag in self.labels]
        for chunk in weights.iter_marginals(sentences, chunk_size=chunk_size):
            yield [m[:, columns] for m in chunk]

    def iter_marginals(
        self,
        sentences: Sequence[Sequence[str]],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> Iterator[list[list[dict[str, float]]]]:
        """Marginals of :meth:`predict_marginals`, one chunk of sentences at a time.

        A caller scoring a large pool reduces each chunk (to scores, spans)
        before the next: the dicts of 100,000 sentences would take a gigabyte.
        """
        labels = self.labels
        for chunk in self.iter_marginal_arrays(sentences, chunk_size=chunk_size):
            yield [
                [dict(zip(labels, row, strict=True)) for row in m.tolist()]
                for m in chunk
            ]

    def predict_marginals(
        self,
        sentences: Sequence[Sequence[str]],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> list[list[dict[str, float]]]:
        """For each sentence (a list of words), for each token, ``{tag: probability}``.

        The probabilities of a token sum to 1: the CRF's marginals, computed by
        forward-backward in numpy from the model's weights
        (:mod:`activelabel.ml.crf_marginals`; equal to crfsuite's own to
        1e-12). An empty sentence gives an empty list.
        """
        out: list[list[dict[str, float]]] = []
        for chunk in self.iter_marginals(sentences, chunk_size=chunk_size):
            out.extend(chunk)
        return out

    def predict_tags(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """The most likely tag sequence (Viterbi) of each sentence."""
        tagger = self._tagger()
        return [
            list(tagger.tag(sentence_features(words))) if words else []
            for words in sentences
        ]

    def to_bytes(self) -> bytes:
        """The model version's artifact: a JSON header, then the crfsuite model file."""
        header = json.dumps(
            {
                "format": _FORMAT_VERSION,
                "labels": self.labels,
                "n_labels": self.n_labels,
                "cv_score": self.cv_score,
                "cv_folds": self.cv_folds,
                "cv_note": self.cv_note,
                "metrics": self.metrics,
                "crf_options": self.crf_options,
                "trained_at": self.trained_at.isoformat(),
                "model_size": len(self.model_file),
                "model_sha256": hashlib.sha256(self.model_file).hexdigest(),
            },
            sort_keys=True,
        ).encode("utf-8")
        return _MAGIC + struct.pack(">I", len(header)) + header + self.model_file

    @classmethod
    def from_bytes(cls, data: bytes) -> SequenceModel:
        """Load what :meth:`to_bytes` wrote; a :class:`ConfigError` says what is wrong."""
        if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + 4:
            raise ConfigError(
                "The sequence model file does not start with activelabel's CRF "
                "header; it was not loaded."
            )
        at = len(_MAGIC)
        (size,) = struct.unpack(">I", data[at : at + 4])
        try:
            header = json.loads(data[at + 4 : at + 4 + size].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(
                f"The sequence model file's header is not valid JSON: {exc}."
            ) from exc
        if header.get("format") != _FORMAT_VERSION:
            raise ConfigError(
                f"The sequence model file has format {header.get('format')!r}; "
                f"this version of activelabel reads format {_FORMAT_VERSION}."
            )
        model_file = data[at + 4 + size :]
        if len(model_file) != header.get("model_size"):
            raise ConfigError(
                f"The sequence model file is truncated: its CRF holds "
                f"{len(model_file)} bytes, the header says {header.get('model_size')}."
            )
        if hashlib.sha256(model_file).hexdigest() != header.get("model_sha256"):
            # crfsuite trusts its file's offsets: a damaged one must never reach it.
            raise ConfigError(
                "The sequence model file is damaged: its CRF does not match the "
                "checksum in its header."
            )
        model = cls(
            model_file=model_file,
            labels=list(header["labels"]),
            n_labels=int(header["n_labels"]),
            cv_score=header["cv_score"],
            cv_folds=int(header["cv_folds"]),
            cv_note=str(header["cv_note"]),
            metrics=dict(header["metrics"]),
            crf_options=dict(header["crf_options"]),
            trained_at=dt.datetime.fromisoformat(header["trained_at"]),
        )
        try:
            model._tagger().close()
        except ValueError as exc:
            raise ConfigError(
                f"The sequence model file holds no valid crfsuite model ({exc})."
            ) from exc
        return model


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def train_sequence_model(
    sentences: Sequence[Sequence[str]],
    tags: Sequence[Sequence[str]],
    *,
    cv_folds: int = 3,
    random_state: int | None = 0,
    **crf_options: Any,
) -> SequenceModel:
    """Cross-validate, then fit a CRF on every labeled sentence, and describe it.

    ``sentences`` are lists of words and ``tags`` their IOB2 tags, one per
    word. ``crf_options`` override :data:`DEFAULT_CRF_OPTIONS` (any option of
    ``sklearn_crfsuite.CRF``). Raises :class:`InvalidLabelError` for no
    sentences, sentences and tags of different lengths, or a tag that is not
    IOB2; :class:`ConfigError` for a bad ``cv_folds``.
    """
    if not _is_int(cv_folds) or cv_folds == 1:
        raise ConfigError(
            f"The 'cv_folds' parameter must be 0 (no cross-validation) or an int "
            f">= 2. Got {cv_folds!r}."
        )
    if cv_folds < 0:
        raise ConfigError(f"The 'cv_folds' parameter must be >= 0. Got {cv_folds}.")
    if not sentences:
        raise InvalidLabelError(
            "Training a sequence model needs at least one sentence."
        )
    checked = checked_iob2_tags(sentences, tags)
    options = {**DEFAULT_CRF_OPTIONS, **crf_options}
    # An empty sentence teaches nothing (and crfsuite refuses one).
    kept = [i for i, words in enumerate(sentences) if words]
    if not kept:
        raise InvalidLabelError(
            f"All {len(sentences)} sentences given for training are empty."
        )
    features = [sentence_features(sentences[i]) for i in kept]
    checked = [checked[i] for i in kept]
    score, folds, note, metrics = cross_validate_sequences(
        features, checked, cv_folds, random_state, options
    )
    model_file = fit_crf_file(features, checked, options)
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model_file)
    metrics["cv_note"] = note
    return SequenceModel(
        model_file=model_file,
        labels=sorted(tagger.labels()),
        n_labels=len(sentences),
        cv_score=score,
        cv_folds=folds,
        cv_note=note,
        metrics=metrics,
        crf_options=options,
    )
