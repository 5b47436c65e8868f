"""skops, the safe model-file format: the types it may load, and its import.

What a model file may contain
-----------------------------
skops loads without asking only the types it trusts by default (scikit-learn's
estimators, NumPy arrays and scalars, Python's plain containers). Anything else
must be named by the caller. activelabel names exactly :data:`SAVED_TYPES`: the
types outside those defaults that the estimators and featurizers it trains
contain, listed here in code. The list is never read from the artifact (a list
stored beside a file an attacker wrote proves nothing), and a file holding any
other type (``builtins.eval``, ``posix.system``, a class from elsewhere) is
refused before anything in it is built. Saving checks the same list, so a new
model family or featurizer whose artifact holds a new type fails when it is
first saved (and in the tests), not when a server loads it later.

Importing skops.io without torch
--------------------------------

skops builds its list of trusted types when ``skops.io`` is first imported, with
scikit-learn's ``all_estimators()``. That walks every scikit-learn package with
``pkgutil.walk_packages``, which imports each package it finds, and one of them,
``sklearn.externals.array_api_compat.torch``, imports torch whenever it is
installed (as the ``embeddings`` extra installs it). No estimator lives there,
yet it cost every process that saves or loads a model about 200 MiB of memory
and 2 s: the round worker, ``activelabel train`` and ``simulate``.

While ``skops.io`` is imported here, torch is made unimportable (unless something
imported it already, e.g. the sentence-embedding featurizer): that package's
import then fails, which ``walk_packages`` skips, and the list of trusted types
is the same. torch imports normally afterwards.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Final

from activelabel.refused_imports import RefusedImport

__all__ = ["SAVED_TYPES", "import_skops_io"]

#: The types beyond skops' defaults in the files activelabel saves, by the name
#: :func:`skops.io.get_untrusted_types` gives them. Every model family of
#: :func:`activelabel.ml.training.make_estimator` and every featurizer that can
#: be saved round-trips with exactly these (``tests/unit/ml/test_model_types.py``).
SAVED_TYPES: Final = frozenset(
    {
        # The featurizers (their fitted state is scikit-learn parts and arrays).
        "activelabel.ml.audio_features.AudioFeaturizer",
        "activelabel.ml.image_features.ImageFeaturizer",
        "activelabel.ml.tabular_features.TabularFeaturizer",
        "activelabel.ml.text_features.TextFeaturizer",
        "activelabel.ml.hashed_ngrams.HashedNgrams",
        # The tabular featurizer keeps each column's dtype.
        "numpy.dtype",
        # The trees of the "gradient_boosting" model.
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        # AutoML winners (activelabel.ml.automl_learners): the trees of a random
        # forest or extra trees, the sparse rows k nearest neighbours keep, and
        # the scoring function of chi-squared feature selection.
        "sklearn.tree._tree.Tree",
        "scipy.sparse._csr.csr_matrix",
        "sklearn.feature_selection._univariate_selection.chi2",
        # LightGBM's trees as its text model (ml/boosted_trees.py).
        "activelabel.ml.boosted_trees.BoostedTrees",
    }
)


def import_skops_io() -> ModuleType:
    """``skops.io``, imported (the first time) without importing torch."""
    if "skops.io" in sys.modules or "torch" in sys.modules:
        return importlib.import_module("skops.io")
    hook = RefusedImport("torch", "is not imported while skops.io loads")
    sys.meta_path.insert(0, hook)
    try:
        return importlib.import_module("skops.io")
    finally:
        # A module whose import failed on torch is not left in sys.modules: a
        # later import of it (sklearn's array API support for torch) starts afresh.
        sys.meta_path.remove(hook)
