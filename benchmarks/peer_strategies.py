"""scikit-activeml's MaxHerding and Falcun behind activelabel's strategy API.

Only for the label-efficiency benchmark, so peers run in exactly the same
harness (same splits, initial labels, model and budget) as activelabel's own
strategies. scikit-activeml is never a dependency of activelabel: it lives in
the separate virtualenv made by ``benchmarks/setup_peers.sh``.

    benchmarks/.venv-peers/bin/python benchmarks/bench_label_efficiency.py \\
        --datasets digits --peers
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from activelabel.al import _registry
from activelabel.al._base import (
    FloatArray,
    IntArray,
    PoolContext,
    QueryStrategy,
    is_fitted,
)
from activelabel.al._validation import check_one_of, check_random_state

PEER_NAMES = {
    "maxherding": "skactiveml_maxherding",
    "falcun": "skactiveml_falcun",
}


class SkactivemlStrategy(QueryStrategy):
    """Run a scikit-activeml pool strategy on activelabel's query inputs.

    Labels are mapped to integer codes with NaN for unlabeled rows (what
    scikit-activeml expects). Falcun is given a scikit-activeml wrapper around
    a fresh copy of the round's model, which it fits on the labeled rows; with
    no fitted model yet (cold start) the batch is uniformly random, as for
    activelabel's strategies.

    scikit-activeml only accepts dense ``X``. Falcun reads the features only
    through the classifier, so on sparse features (TF-IDF) it is given row
    numbers as ``X`` and the round's fitted model behind them (the same model
    it would fit itself). MaxHerding needs the features themselves, so it is
    not run on sparse features.
    """

    def __init__(self, method: str = "maxherding", *, random_state: Any = None):
        self.method = method
        self.random_state = random_state

    def _check_params(self) -> None:
        owner = type(self).__name__
        check_one_of(self.method, name="method", owner=owner, allowed=list(PEER_NAMES))
        check_random_state(self.random_state, owner=owner)

    def _query(self, ctx: PoolContext) -> tuple[IntArray, FloatArray | None]:
        from skactiveml.classifier import SklearnClassifier
        from skactiveml.pool import Falcun, MaxHerding

        if not is_fitted(ctx.estimator):
            return ctx.select_uniform()
        y = np.asarray(ctx.y, dtype=object)
        classes = np.unique(y[ctx.labeled].astype(str))
        codes = np.full(ctx.n_samples, np.nan)
        codes[ctx.labeled] = np.searchsorted(classes, y[ctx.labeled].astype(str))
        seed = int(ctx.rng.integers(2**31 - 1))
        candidates = ctx.pool_positions()
        if sp.issparse(ctx.X):
            if self.method == "maxherding":
                raise ValueError("MaxHerding needs dense features")
            rows = np.arange(ctx.n_samples, dtype=float).reshape(-1, 1)
            picked = Falcun(random_state=seed).query(
                rows,
                codes,
                _fitted_on_rows(ctx.estimator, ctx.X, classes=np.arange(classes.size)),
                fit_clf=False,
                candidates=candidates,
                batch_size=ctx.batch_size,
            )
        elif self.method == "maxherding":
            picked = MaxHerding(random_state=seed).query(
                ctx.X, codes, candidates=candidates, batch_size=ctx.batch_size
            )
        else:
            clf = SklearnClassifier(
                clone(ctx.estimator),
                classes=np.arange(classes.size),
                random_state=seed,
            )
            picked = Falcun(random_state=seed).query(
                ctx.X, codes, clf, candidates=candidates, batch_size=ctx.batch_size
            )
        return np.asarray(picked, dtype=np.intp), None


def _fitted_on_rows_class() -> Any:
    from skactiveml.base import SkactivemlClassifier

    class FittedOnRows(SkactivemlClassifier):  # type: ignore[misc]
        """A fitted model whose input is row numbers of the feature matrix."""

        def __init__(self, estimator: Any, features: Any, classes: Any) -> None:
            super().__init__(classes=classes, missing_label=np.nan)
            self.estimator = estimator
            self.features = features

        def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
            return self

        def predict_proba(self, X: Any) -> Any:
            rows = np.asarray(X, dtype=float)[:, 0].astype(np.intp)
            return self.estimator.predict_proba(self.features[rows])

    return FittedOnRows


def _fitted_on_rows(estimator: Any, features: Any, *, classes: Any) -> Any:
    return _fitted_on_rows_class()(estimator, features, classes)


def register() -> list[str]:
    """Make the peers known to :func:`activelabel.al.simulate`; their names."""
    for method, name in PEER_NAMES.items():
        _registry._FACTORIES[name] = (
            lambda m: lambda rs: SkactivemlStrategy(m, random_state=rs)
        )(method)
    return list(PEER_NAMES.values())
