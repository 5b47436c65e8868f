"""What every featurizer shares: a stable id, content hashes, and fit/transform.

A featurizer is a scikit-learn transformer from raw items (texts, table rows,
image or audio files) to a feature matrix. Its :attr:`Featurizer.featurizer_id`
names the kind, the version of the feature code and a hash of the parameters,
so a cached matrix is reused only by the featurizer that made it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from sklearn.base import BaseEstimator, TransformerMixin

__all__ = ["Featurizer", "content_hash"]


def content_hash(value: Any) -> str:
    """SHA-256 hex digest of a text, bytes, or JSON-able value."""
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode("utf-8")
    else:
        data = json.dumps(value, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _param_repr(value: Any) -> Any:
    if callable(value):
        # A user function is named by where it lives; that is all that is stable.
        return (
            f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', '?')}"
        )
    return value


class Featurizer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Base of activelabel's featurizers (sklearn transformer contract)."""

    #: Short family name, e.g. ``"tabular"``; subclasses set it.
    family: ClassVar[str] = "featurizer"
    #: Bumped whenever the feature code changes, so old caches are not reused.
    version: ClassVar[int] = 1

    @property
    def persistable(self) -> bool:
        """Whether a fitted instance can be saved with skops (no user callables)."""
        return True

    @property
    def featurizer_id(self) -> str:
        """``family-vN-<hash of params>``: names the matrix this featurizer makes."""
        params = {k: _param_repr(v) for k, v in sorted(self.get_params().items())}
        digest = content_hash(params)[:12]
        return f"{self._id_prefix()}-v{self.version}-{digest}"

    def _id_prefix(self) -> str:
        return self.family
