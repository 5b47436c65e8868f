"""TF-IDF and sentence embeddings side by side: the ``both`` text featurizer.

The two see different things: TF-IDF the exact words and spellings ("FREE",
"txt", a shortcode), embeddings what a sentence means whatever its words.
Placed side by side, a linear model weighs each column of either.

Scaling: each TF-IDF block (words, characters) is L2-normalised, so a row of
TF-IDF has norm sqrt(2); an embedding has norm 1. The embedding block is
multiplied by :data:`EMBEDDING_WEIGHT` = sqrt(2) so both halves have the same
norm: neither dominates the dot products, nor the penalty a regularised model
pays for using it. The result is sparse (the embeddings are 384 stored values
per row), so the TF-IDF half keeps its sparsity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from activelabel.ml.featurizer import Featurizer

__all__ = ["EMBEDDING_WEIGHT", "CombinedTextFeaturizer", "combine_text_features"]

#: Weight of the (unit-norm) embedding block next to the two unit-norm TF-IDF blocks.
EMBEDDING_WEIGHT = float(np.sqrt(2.0))


def combine_text_features(
    tfidf: Any, embeddings: npt.ArrayLike, *, weight: float = EMBEDDING_WEIGHT
) -> sp.csr_matrix:
    """``[tfidf | weight * embeddings]`` as one sparse float32 CSR matrix."""
    dense = np.asarray(embeddings, dtype=np.float32) * np.float32(weight)
    if tfidf.shape[0] != dense.shape[0]:
        raise ValueError(
            f"The TF-IDF matrix has {tfidf.shape[0]} rows and the embeddings "
            f"{dense.shape[0]}; they must describe the same items."
        )
    return sp.hstack(
        [sp.csr_matrix(tfidf, dtype=np.float32), sp.csr_matrix(dense)],
        format="csr",
        dtype=np.float32,
    )


class CombinedTextFeaturizer(Featurizer):
    """TF-IDF (:class:`~activelabel.ml.text_features.TextFeaturizer`) and
    sentence embeddings side by side, scaled as the module docstring says.

    Parameters
    ----------
    batch_size : int, default=64
        Texts encoded per batch by the embedding model.
    """

    family: ClassVar[str] = "text-both"

    def __init__(self, *, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    @property
    def persistable(self) -> bool:
        """The loaded embedding model is not saved; it is rebuilt from its path."""
        return False

    def fit(self, X: Sequence[str], y: Any = None) -> CombinedTextFeaturizer:
        """Fit the TF-IDF vocabulary and load the embedding model."""
        from activelabel.ml.text_features import (
            SentenceEmbeddingFeaturizer,
            TextFeaturizer,
        )

        self.tfidf_ = TextFeaturizer().fit(X)
        self.embeddings_ = SentenceEmbeddingFeaturizer(batch_size=self.batch_size)
        self.embeddings_.fit(X)
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        """One sparse float32 row per text: TF-IDF, then the weighted embedding."""
        return combine_text_features(
            self.tfidf_.transform(X), self.embeddings_.transform(X)
        )
