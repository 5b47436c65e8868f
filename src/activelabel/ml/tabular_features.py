"""Tabular features: numeric columns imputed and scaled, categorical one-hot.

Missing numbers are replaced by the column median and flagged in an extra
indicator column (missingness is often informative); missing categories
become their own category. Categories unseen in ``fit`` encode as all zeros
instead of failing, because new rows arrive while labeling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from activelabel.exceptions import ColumnNotFoundError, ConfigError
from activelabel.ml.featurizer import Featurizer

__all__ = ["TabularFeaturizer"]


def _frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, Sequence) and all(isinstance(r, dict) for r in X):
        return pd.DataFrame(list(X))
    raise ConfigError(
        "TabularFeaturizer expects a pandas DataFrame or a list of dicts; "
        f"got {type(X).__name__}."
    )


class TabularFeaturizer(Featurizer):
    """Dense float32 features from table rows.

    Parameters
    ----------
    numeric_columns, categorical_columns : list of str or None
        Columns to use. ``None`` detects them: numbers (and booleans) are
        numeric, everything else categorical.
    max_categories : int, default=50
        Keep at most this many categories per column (the rest share one
        "infrequent" column), so an id-like column cannot blow up the width.
    """

    family: ClassVar[str] = "tabular"

    def __init__(
        self,
        numeric_columns: list[str] | None = None,
        categorical_columns: list[str] | None = None,
        *,
        max_categories: int = 50,
    ) -> None:
        self.numeric_columns = numeric_columns
        self.categorical_columns = categorical_columns
        self.max_categories = max_categories

    def fit(self, X: Any, y: Any = None) -> TabularFeaturizer:
        """Learn medians, scales and categories from the rows."""
        df = _frame(X)
        for col in (self.numeric_columns or []) + (self.categorical_columns or []):
            if col not in df.columns:
                raise ColumnNotFoundError(
                    f"Column {col!r} is not in the table; columns are: "
                    f"{', '.join(map(str, df.columns))}."
                )
        numeric = self.numeric_columns
        categorical = self.categorical_columns
        if numeric is None:
            numeric = [
                str(c)
                for c in df.columns
                if pd.api.types.is_numeric_dtype(df[c])
                and (categorical is None or c not in categorical)
            ]
        if categorical is None:
            categorical = [str(c) for c in df.columns if c not in numeric]
        if not numeric and not categorical:
            raise ConfigError("TabularFeaturizer found no columns to use.")
        parts: list[tuple[str, Any, list[str]]] = []
        if numeric:
            parts.append(
                (
                    "numeric",
                    make_pipeline(
                        SimpleImputer(strategy="median", add_indicator=True),
                        StandardScaler(),
                    ),
                    numeric,
                )
            )
        if categorical:
            parts.append(
                (
                    "categorical",
                    make_pipeline(
                        SimpleImputer(strategy="constant", fill_value="(missing)"),
                        OneHotEncoder(
                            handle_unknown="infrequent_if_exist",
                            max_categories=self.max_categories,
                            sparse_output=False,
                        ),
                    ),
                    categorical,
                )
            )
        self.numeric_columns_ = numeric
        self.categorical_columns_ = categorical
        self.transformer_ = ColumnTransformer(parts, sparse_threshold=0.0)
        frame = df[numeric + categorical].copy()
        for col in categorical:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
            frame[col] = frame[col].map(lambda v: v if v is None else str(v))
        self.transformer_.fit(frame)
        return self

    def transform(self, X: Any) -> npt.NDArray[np.float32]:
        """One float32 row per table row."""
        if not hasattr(self, "transformer_"):
            raise ConfigError("TabularFeaturizer is not fitted yet; call fit first.")
        df = _frame(X)
        missing = [
            c
            for c in self.numeric_columns_ + self.categorical_columns_
            if c not in df.columns
        ]
        if missing:
            raise ColumnNotFoundError(
                f"Columns {', '.join(map(repr, missing))} are not in the table."
            )
        frame = df[self.numeric_columns_ + self.categorical_columns_].copy()
        for col in self.categorical_columns_:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
            frame[col] = frame[col].map(lambda v: v if v is None else str(v))
        return np.asarray(self.transformer_.transform(frame), dtype=np.float32)
