"""LightGBM's gradient-boosted trees as a classifier a skops file can hold.

LightGBM (the ``automl`` extra) is AutoML's ``lgbm`` learner when installed.
Its own scikit-learn class keeps the trees in a C++ booster, which skops
cannot save; :class:`BoostedTrees` keeps them as LightGBM's text model
(``model_string_``, plain data) and rebuilds the booster from it on first use
after loading. A model file therefore holds a string, arrays and builtins,
never code; loading one without LightGBM installed fails with a sentence
naming the extra.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin

from activelabel.exceptions import ConfigError

__all__ = ["BoostedTrees", "lightgbm_installed"]


def lightgbm_installed() -> bool:
    """Whether LightGBM can be imported (the ``automl`` extra)."""
    try:
        import lightgbm  # noqa: F401
    except (ImportError, OSError):
        # OSError: the wheel is there but libgomp is not.
        return False
    return True


def _lightgbm() -> Any:
    try:
        import lightgbm
    except (ImportError, OSError) as exc:
        raise ConfigError(
            "This model is LightGBM's boosted trees, and LightGBM is not installed: "
            "pip install 'activelabel[automl]'."
        ) from exc
    return lightgbm


class BoostedTrees(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Gradient-boosted trees (LightGBM) with FLAML's ``lgbm`` hyperparameters."""

    def __init__(
        self,
        n_estimators: int = 100,
        num_leaves: int = 31,
        min_child_samples: int = 20,
        learning_rate: float = 0.1,
        log_max_bin: int = 8,
        colsample_bytree: float = 1.0,
        reg_alpha: float = 1 / 1024,
        reg_lambda: float = 1.0,
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.learning_rate = learning_rate
        self.log_max_bin = log_max_bin
        self.colsample_bytree = colsample_bytree
        self.reg_alpha = reg_alpha
        self.reg_lambda = reg_lambda
        self.random_state = random_state

    def fit(
        self, X: Any, y: Any, sample_weight: npt.NDArray[Any] | None = None
    ) -> BoostedTrees:
        """Fit the trees on ``X`` and the labels ``y``."""
        lightgbm = _lightgbm()
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        model = lightgbm.LGBMClassifier(
            n_estimators=int(self.n_estimators),
            num_leaves=int(self.num_leaves),
            min_child_samples=int(self.min_child_samples),
            learning_rate=float(self.learning_rate),
            max_bin=(1 << int(self.log_max_bin)) - 1,
            colsample_bytree=float(self.colsample_bytree),
            reg_alpha=float(self.reg_alpha),
            reg_lambda=float(self.reg_lambda),
            random_state=self.random_state,
            # One thread: the round's worker is single-threaded by design.
            n_jobs=1,
            verbose=-1,
        )
        model.fit(X, codes, sample_weight=sample_weight)
        self.n_features_in_ = int(X.shape[1])
        self.model_string_: str = model.booster_.model_to_string()
        self._booster = model.booster_
        return self

    def _trees(self) -> Any:
        booster = getattr(self, "_booster", None)
        if booster is None:
            booster = _lightgbm().Booster(model_str=self.model_string_)
            self._booster = booster
        return booster

    def predict_proba(self, X: Any) -> npt.NDArray[np.float64]:
        """One column per class of :attr:`classes_`."""
        raw = np.asarray(self._trees().predict(X), dtype=np.float64)
        if raw.ndim == 1:
            return np.column_stack([1.0 - raw, raw])
        return raw

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """The most probable class of each row."""
        return np.asarray(self.classes_[np.argmax(self.predict_proba(X), axis=1)])

    def __getstate__(self) -> dict[str, Any]:
        # The booster is rebuilt from model_string_: a file holds data only.
        state: dict[str, Any] = dict(super().__getstate__())
        state.pop("_booster", None)
        return state
