"""A CRF sequence model for named entities: train, score, predict, save.

:func:`train_sequence_model` fits a linear-chain CRF (sklearn-crfsuite, L-BFGS
with L1 + L2 regularisation) on the features of
:mod:`activelabel.ml.token_features` and IOB2 tags, after scoring the same
settings by k-fold cross-validation over sentences with entity-level F1
(seqeval, conlleval-compatible: an entity counts only when its type and both
boundaries are right).

Cross-validation with few sentences
-----------------------------------
Each fold needs at least two held-out sentences, so ``k = min(cv_folds,
n // 2)``. No score is given (``cv_score=None``, the reason in ``cv_note``)
when ``k < 2``, when no sentence holds an entity, or when ``cv_folds=0``
(a caller that wants the model fast, such as a benchmark).

Saving
------
crfsuite keeps a model as its own binary file. :meth:`SequenceModel.to_bytes`
stores those bytes after a JSON header (labels, scores, options), so a model
version never holds a pickle; :meth:`SequenceModel.from_bytes` checks both
parts before any of it is used. Prediction opens the bytes with crfsuite's
in-memory reader: no temporary file, and a fresh tagger per call, so two
threads may predict with one model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pycrfsuite
import sklearn_crfsuite
from seqeval.metrics import classification_report
from sklearn.model_selection import KFold

from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.ml.token_features import TokenFeatures, sentence_features
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

#: Sentences featurized and predicted at a time: bounds the memory of the
#: feature dicts while a round scores a pool of 100,000 sentences.
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
        tagger = self._tagger()
        labels = tagger.labels()
        for start in range(0, len(sentences), chunk_size):
            chunk: list[list[dict[str, float]]] = []
            for words in sentences[start : start + chunk_size]:
                if not words:
                    chunk.append([])
                    continue
                tagger.set(sentence_features(words))
                marginal = tagger.marginal
                chunk.append(
                    [
                        {label: marginal(label, i) for label in labels}
                        for i in range(len(words))
                    ]
                )
            yield chunk

    def predict_marginals(
        self,
        sentences: Sequence[Sequence[str]],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> list[list[dict[str, float]]]:
        """For each sentence (a list of words), for each token, ``{tag: probability}``.

        The probabilities of a token sum to 1 (they are the CRF's marginals,
        computed by forward-backward). An empty sentence gives an empty list.
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


def _checked_tags(
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


def _fit(
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


def _entity_metrics(
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


def _cross_validate(
    features: list[list[TokenFeatures]],
    tags: list[list[str]],
    cv_folds: int,
    random_state: int | None,
    options: Mapping[str, Any],
) -> tuple[float | None, int, str, dict[str, Any]]:
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
        fold = SequenceModel(
            model_file=_fit(
                [features[i] for i in train], [tags[i] for i in train], options
            ),
            labels=[],
            n_labels=len(train),
            cv_score=None,
            cv_folds=0,
            cv_note="",
        )
        tagger = fold._tagger()
        for i in test:
            guess[i] = list(tagger.tag(features[i])) if features[i] else []
    metrics = _entity_metrics(tags, guess)
    note = f"{k}-fold over sentences, entity-level F1 (seqeval, conlleval mode)"
    if k < cv_folds:
        note += f" (reduced from {cv_folds}: {n} labeled sentences)"
    metrics["n_scored"] = n
    return metrics["entity_f1"], k, note + ".", metrics


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
    checked = _checked_tags(sentences, tags)
    options = {**DEFAULT_CRF_OPTIONS, **crf_options}
    # An empty sentence teaches nothing (and crfsuite refuses one).
    kept = [i for i, words in enumerate(sentences) if words]
    features = [sentence_features(sentences[i]) for i in kept]
    checked = [checked[i] for i in kept]
    score, folds, note, metrics = _cross_validate(
        features, checked, cv_folds, random_state, options
    )
    model_file = _fit(features, checked, options)
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
