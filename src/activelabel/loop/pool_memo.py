"""What a long-lived process keeps between rounds over the same pool.

Every round starts from the project's items: their ids and content hashes
(the feature cache's key), then their feature matrix. Over a million items
reading the rows took 6-8 s and loading the cached matrix 1.5-2 s, the same
work each round although the pool had not changed: items are only ever
added, never changed or deleted. A :class:`PoolMemo` held by the server's
worker process keeps both, so a later round reads only the items added since
the last one and reuses the matrix while the pool is the same.

A matrix the feature cache holds is kept by its key only, not its pages: each
round opens the file again (memory-mapped: microseconds, the pages being in
the system's file cache) and lets it go at the end, so an idle worker does
not hold a large pool's features (585 MiB of TF-IDF at 100,000 texts). Only
the key is worth keeping: it hashes every item's content hash. A matrix that
is not in the cache stays in the memo itself.

A memo is opt-in (``compute_round(..., memo=...)``): a notebook that runs one
round should not keep a large matrix alive behind its back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from activelabel.ml.featurizer import Featurizer
from activelabel.store.models import Item

if TYPE_CHECKING:  # SciPy is imported by the rounds only, never the server
    from activelabel.ml.feature_cache import FeatureCache

__all__ = ["PoolMemo", "PoolRow", "read_pool_rows"]

#: One item of the pool: (id, content hash, media path).
PoolRow = tuple[int, str, str | None]

_ROWS_AFTER = (
    select(Item.id, Item.content_hash, Item.media_path)
    .where(Item.project_id == bindparam("project"), Item.id > bindparam("after"))
    .order_by(Item.id)
)
_COUNT = select(func.count()).where(Item.project_id == bindparam("project"))


def read_pool_rows(
    session: Session, project_id: int, *, after: int = 0
) -> list[PoolRow]:
    """The project's items with an id above ``after``, in id order."""
    result = session.execute(_ROWS_AFTER, {"project": project_id, "after": after})
    return [(r[0], r[1], r[2]) for r in result]


@dataclass
class PoolMemo:
    """The rows and feature matrix of the last pool a process scored.

    One pool at a time: a round over another project (or database) starts
    the memo afresh, as if there were none.
    """

    source: tuple[str, int] | None = None
    rows: list[PoolRow] = field(default_factory=list)
    #: Featurizer id and number of rows the kept matrix was computed for.
    matrix_for: tuple[str, int] | None = None
    #: The kept matrix, when it is not a file of the feature cache...
    matrix: Any = None
    #: ...else the cache and key it is opened from each round.
    matrix_file: tuple[FeatureCache, str] | None = None
    featurizer: Featurizer | None = None
    #: Rows read by the last call of :meth:`pool_rows` (what the memo saved).
    rows_read: int = 0

    def pool_rows(self, session: Session, url: str, project_id: int) -> list[PoolRow]:
        """All the project's items in id order, reading only those added since last time.

        The memo's list is returned (and extended by later calls): callers
        read it, never change it.
        """
        source = (url, project_id)
        if self.source != source:
            self.clear()
            self.source = source
        last = self.rows[-1][0] if self.rows else 0
        new = read_pool_rows(session, project_id, after=last)
        total = session.scalar(_COUNT, {"project": project_id}) or 0
        if len(self.rows) + len(new) == total:
            self.rows.extend(new)
            self.rows_read = len(new)
            return self.rows
        # An item committed after a later id was read (PostgreSQL hands out
        # ids before commit), so the rows kept are not a prefix: read all.
        self.clear()
        self.source = source
        self.rows = read_pool_rows(session, project_id)
        self.rows_read = len(self.rows)
        return self.rows

    def kept_matrix(
        self, featurizer_id: str, n_rows: int
    ) -> tuple[Any, Featurizer] | None:
        """The matrix and fitted featurizer kept for this featurizer and pool, if
        any; a cached matrix opened again from its file (None if it is gone)."""
        featurizer = self.kept_featurizer(featurizer_id, n_rows)
        if featurizer is None:
            return None
        if self.matrix_file is None:
            return self.matrix, featurizer
        cache, key = self.matrix_file
        matrix = cache.load(key)
        if matrix is None:
            self.matrix_for = self.matrix_file = self.featurizer = None
            return None
        return matrix, featurizer

    def kept_featurizer(self, featurizer_id: str, n_rows: int) -> Featurizer | None:
        """The fitted featurizer kept for this featurizer and pool, if any
        (without opening the matrix)."""
        if self.matrix_for != (featurizer_id, n_rows):
            return None
        return self.featurizer

    def kept_key(self, featurizer_id: str, n_rows: int) -> str | None:
        """The feature cache's key of the matrix kept for this featurizer and
        pool, if it is a cached file."""
        if self.matrix_for != (featurizer_id, n_rows) or self.matrix_file is None:
            return None
        return self.matrix_file[1]

    def keep_matrix(
        self,
        featurizer_id: str,
        n_rows: int,
        matrix: Any,
        featurizer: Featurizer,
        *,
        cache: FeatureCache | None = None,
        key: str | None = None,
    ) -> None:
        """Keep the matrix of the first ``n_rows`` rows for the next round.

        A matrix memory-mapped from ``cache``'s file ``key`` is kept by its
        key (the round's own reference is the last to its pages); any other
        matrix itself.
        """
        from activelabel.ml.feature_cache import is_memory_mapped

        self.matrix_for = (featurizer_id, n_rows)
        self.featurizer = featurizer
        if cache is not None and key is not None and is_memory_mapped(matrix):
            self.matrix, self.matrix_file = None, (cache, key)
        else:
            self.matrix, self.matrix_file = matrix, None

    def clear(self) -> None:
        """Forget everything (the next round reads the whole pool)."""
        self.source = None
        self.rows = []
        self.matrix_for = self.matrix = self.matrix_file = self.featurizer = None
        self.rows_read = 0
