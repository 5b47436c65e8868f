"""A CRF's marginals for many sentences at once, in numpy.

python-crfsuite gives one marginal per call (``Tagger.marginal(label, t)``)
after converting every feature of the sentence into crfsuite's own items; for
a pool of 100,000 sentences that is a round's longest step. A linear-chain CRF
is small, though: a weight per (attribute, tag) and per (tag, tag). This
module reads those weights out of the crfsuite model file once and computes
the same marginals by forward-backward over a whole chunk of sentences with
array operations:

* a token's score for each tag is the sum of the weights of its attributes
  (a sparse token x attribute matrix times the attribute x tag weights);
* forward and backward run over the padded chunk one position at a time,
  each step rescaled so nothing under- or overflows; a token's marginals are
  ``alpha * beta`` normalised (any per-position scale cancels there).

Where the weights come from: the feature records of the model file (chunk
``FEAT``: type, source, destination as little-endian uint32 and the weight as
float64, 20 bytes each), read exactly with numpy. Attribute and tag names sit
in crfsuite's own hash databases; their ids are read from the model's text
dump (``Tagger.dump``), whose weights, printed to six decimals, are not used.
The unit tests check the result against ``Tagger.marginal``.
"""

from __future__ import annotations

import os
import struct
import tempfile
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pycrfsuite
from scipy import sparse

from activelabel.exceptions import ConfigError
from activelabel.ml.token_features import (
    CONTEXT_WINDOW,
    context_features,
    word_features,
)

__all__ = ["CrfWeights"]

FloatArray = npt.NDArray[np.float64]

_HEADER: Final = struct.Struct("<4sI4sIIIIIIIII")
_FEATURE: Final = np.dtype(
    [("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("w", "<f8")]
)
_STATE, _TRANSITION = 0, 1
#: Distinct words whose score vectors are kept (about 5 x tags x 8 bytes each).
_MAX_WORDS: Final = 500_000
#: Sentences run through forward-backward together.
_GROUP: Final = 256


def _names_by_id(tagger: pycrfsuite.Tagger) -> tuple[list[str], list[str]]:
    """The model's tag names and attribute names, each list indexed by crfsuite id."""
    fd, path = tempfile.mkstemp(suffix=".txt")
    os.close(fd)
    try:
        tagger.dump(path)
        sections: dict[str, dict[int, str]] = {"LABELS": {}, "ATTRIBUTES": {}}
        current: dict[int, str] | None = None
        with open(path, encoding="utf-8", newline="\n") as f:
            for raw in f:
                line = raw.rstrip("\n")
                # Section lines start the line; entries are indented.
                if line.endswith(" = {") and not line.startswith(" "):
                    current = sections.get(line[:-4])
                elif line == "}":
                    current = None
                elif current is not None:
                    number, _, name = line.lstrip(" ").partition(": ")
                    current[int(number)] = name
    finally:
        os.unlink(path)
    labels, attributes = sections["LABELS"], sections["ATTRIBUTES"]
    return [labels[i] for i in range(len(labels))], [
        attributes[i] for i in range(len(attributes))
    ]


class CrfWeights:
    """A crfsuite model's weights as arrays, and marginals computed from them.

    ``labels`` are the tags in crfsuite's order: column ``j`` of every
    marginal array is ``labels[j]``.
    """

    def __init__(
        self,
        labels: list[str],
        attribute_rows: dict[str, int],
        state: FloatArray,
        transition: FloatArray,
    ) -> None:
        self.labels = labels
        self.attribute_rows = attribute_rows
        self.state = state
        self.transition = transition
        # Word score vectors are kept from call to call (a pool is scored in
        # chunks, and most words come back); the lock lets threads share them.
        self._tables = _WordTables(self)
        self._tables_lock = threading.Lock()

    @classmethod
    def from_model_file(cls, model_file: bytes) -> CrfWeights:
        """Read the weights of a crfsuite model file (see the module docstring)."""
        if len(model_file) < _HEADER.size or model_file[:4] != b"lCRF":
            raise ConfigError("The CRF weights cannot be read: not a crfsuite model.")
        header = _HEADER.unpack_from(model_file)
        off_features = header[7]
        chunk, _size, count = struct.unpack_from("<4sII", model_file, off_features)
        if chunk != b"FEAT":
            raise ConfigError(
                f"The CRF weights cannot be read: expected the FEAT chunk at byte "
                f"{off_features}, found {chunk!r}."
            )
        features = np.frombuffer(
            model_file, dtype=_FEATURE, count=count, offset=off_features + 12
        )
        tagger = pycrfsuite.Tagger()
        tagger.open_inmemory(model_file)
        labels, attributes = _names_by_id(tagger)
        n_labels = len(labels)
        transition = np.zeros((n_labels, n_labels))
        trans = features[features["type"] == _TRANSITION]
        transition[trans["src"], trans["dst"]] = trans["w"]
        states = features[features["type"] == _STATE]
        # Only attributes with a weight get a row: L1 leaves most at zero.
        used, rows = np.unique(states["src"], return_inverse=True)
        state = np.zeros((used.size, n_labels))
        state[rows, states["dst"]] = states["w"]
        attribute_rows = {attributes[a]: r for r, a in enumerate(used.tolist())}
        return cls(labels, attribute_rows, state, transition)

    def iter_marginals(
        self, sentences: Sequence[Sequence[str]], *, chunk_size: int
    ) -> Iterator[list[FloatArray]]:
        """For each chunk of sentences (lists of words), one ``(tokens, tags)``
        array of marginals per sentence, each row summing to 1."""
        for at in range(0, len(sentences), chunk_size):
            chunk = sentences[at : at + chunk_size]
            lengths = [len(words) for words in chunk]
            if not any(lengths):
                yield [np.zeros((0, len(self.labels))) for _ in chunk]
                continue
            with self._tables_lock:
                if len(self._tables.ids) > _MAX_WORDS:
                    self._tables = _WordTables(self)
                scores = self._tables.token_scores(chunk, lengths)
            yield self._marginals(scores, lengths)

    def marginals(self, sentences: Sequence[Sequence[str]]) -> list[FloatArray]:
        """:meth:`iter_marginals` in one list."""
        out: list[FloatArray] = []
        for chunk in self.iter_marginals(sentences, chunk_size=max(1, len(sentences))):
            out.extend(chunk)
        return out

    def _marginals(self, scores: FloatArray, lengths: list[int]) -> list[FloatArray]:
        n_tags = len(self.labels)
        out: list[FloatArray] = [np.zeros((0, n_tags)) for _ in lengths]
        # A constant per token cancels in the normalised marginals: taking
        # each token's highest score off keeps exp() in range.
        scores -= scores.max(axis=1, keepdims=True)
        emissions = np.exp(scores)
        starts = np.concatenate(([0], np.cumsum(lengths)))
        # Sentences of similar length run together, so little is padding.
        order = sorted((i for i, n in enumerate(lengths) if n), key=lengths.__getitem__)
        for at in range(0, len(order), _GROUP):
            group = order[at : at + _GROUP]
            group_lengths = np.array([lengths[i] for i in group], dtype=np.intp)
            padded = np.ones((len(group), int(group_lengths.max()), n_tags))
            for row, i in enumerate(group):
                padded[row, : lengths[i]] = emissions[starts[i] : starts[i + 1]]
            joint = self._forward_backward(padded, group_lengths)
            for row, i in enumerate(group):
                out[i] = joint[row, : lengths[i]].copy()
        return out

    def _forward_backward(
        self, emission: FloatArray, lengths: npt.NDArray[np.intp]
    ) -> FloatArray:
        """Marginals of padded sentences ``(sentences, width, tags)``."""
        width = emission.shape[1]
        step = np.exp(self.transition - self.transition.max())
        alpha = np.empty_like(emission)
        beta = np.empty_like(emission)
        alpha[:, 0] = emission[:, 0] / emission[:, 0].sum(axis=1, keepdims=True)
        for t in range(1, width):
            a = (alpha[:, t - 1] @ step) * emission[:, t]
            alpha[:, t] = a / a.sum(axis=1, keepdims=True)
        beta[:, width - 1] = 1.0
        for t in range(width - 2, -1, -1):
            b = (emission[:, t + 1] * beta[:, t + 1]) @ step.T
            b /= b.sum(axis=1, keepdims=True)
            # The last token of a sentence has nothing after it: beta is 1.
            beta[:, t] = np.where((lengths > t + 1)[:, None], b, 1.0)
        joint = alpha * beta
        joint /= joint.sum(axis=2, keepdims=True)
        return joint

    def describe(self) -> dict[str, Any]:
        """Sizes, for logs and benchmarks."""
        return {
            "tags": len(self.labels),
            "attributes_with_weights": len(self.attribute_rows),
            "state_weights": int(np.count_nonzero(self.state)),
        }


class _WordTables:
    """Each distinct word's contribution to token scores, computed once per pool.

    A token's score for a tag is the sum of its features' weights, and every
    feature depends on one word: the token's own (``w``, affixes, shape,
    case), or a neighbour's (``-1:w``...), or the position (``BOS``/``EOS``).
    So each word gets a score vector for itself and one per place in the
    context window (:data:`~activelabel.ml.token_features.CONTEXT_WINDOW`),
    and a token's score is a sum of five looked-up vectors.
    """

    def __init__(self, weights: CrfWeights) -> None:
        self.weights = weights
        self.ids: dict[str, int] = {}
        n_tags = len(weights.labels)
        self.own = np.zeros((0, n_tags))
        self.around = [np.zeros((0, n_tags)) for _ in CONTEXT_WINDOW]
        rows = weights.attribute_rows
        self.bos = weights.state[rows["BOS"]] if "BOS" in rows else np.zeros(n_tags)
        self.eos = weights.state[rows["EOS"]] if "EOS" in rows else np.zeros(n_tags)

    def _add(self, words: list[str]) -> None:
        """Score vectors of words not seen before."""
        row_of = self.weights.attribute_rows.get
        n_attributes = self.weights.state.shape[0]
        own: tuple[list[int], list[int], list[float]] = ([], [], [])
        around: list[tuple[list[int], list[int], list[float]]] = [
            ([], [], []) for _ in CONTEXT_WINDOW
        ]
        for w, word in enumerate(words):
            for key, value in word_features(word).items():
                # pycrfsuite's names: "key:value" for a string, else "key".
                if value.__class__ is str:
                    row, weight = row_of(f"{key}:{value}"), 1.0
                else:
                    row, weight = row_of(key), float(value)
                if row is not None:
                    own[0].append(w)
                    own[1].append(row)
                    own[2].append(weight)
            context = context_features(word)
            for k, (offset, names) in enumerate(CONTEXT_WINDOW):
                for name in names:
                    row = row_of(f"{offset:+d}:{name}:{context[name]}")
                    if row is not None:
                        around[k][0].append(w)
                        around[k][1].append(row)
                        around[k][2].append(1.0)

        def vectors(triples: tuple[list[int], list[int], list[float]]) -> FloatArray:
            words_x_attributes = sparse.csr_matrix(
                (triples[2], (triples[0], triples[1])),
                shape=(len(words), n_attributes),
            )
            return np.asarray(words_x_attributes @ self.weights.state)

        self.own = np.concatenate([self.own, vectors(own)])
        self.around = [
            np.concatenate([table, vectors(triples)])
            for table, triples in zip(self.around, around, strict=True)
        ]

    def token_scores(
        self, sentences: Sequence[Sequence[str]], lengths: list[int]
    ) -> FloatArray:
        """Each token's score per tag, the sentences' tokens stacked in order."""
        ids = self.ids
        new = [w for words in sentences for w in words if w not in ids]
        if new:
            fresh = list(dict.fromkeys(new))
            for word in fresh:
                ids[word] = len(ids)
            self._add(fresh)
        token_ids = np.fromiter(
            (ids[w] for words in sentences for w in words),
            dtype=np.intp,
            count=sum(lengths),
        )
        sizes = np.array(lengths, dtype=np.intp)
        starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
        position = np.arange(token_ids.size) - starts
        length = np.repeat(sizes, sizes)
        scores = self.own[token_ids]
        for (offset, _), table in zip(CONTEXT_WINDOW, self.around, strict=True):
            has = np.flatnonzero(
                (position + offset >= 0) & (position + offset < length)
            )
            scores[has] += table[token_ids[has + offset]]
        scores[position == 0] += self.bos
        scores[position == length - 1] += self.eos
        return scores
