"""A large pool's rounds before its first model read a sample of it, not all of it.

A round featurizes every item of the pool before it trains, so that it can
score them all. On 100,000 texts that took minutes (TF-IDF with character
n-grams), and while it ran nobody saw a suggestion: the first model waited
on features of items it did not need yet. Until the project has a model,
the round of a pool over :data:`SAMPLED_POOL` items therefore works on the
labeled items and a random :data:`FIRST_MODEL_SAMPLE` of the others: it
featurizes, trains and scores those, and queues the best of them. Once a
model exists, rounds go back to the whole pool (in the background, while
people label the sample's picks and the queue's top-up).

The sample is drawn afresh each round (seeded by the project, so a round
run again on the same labels draws the same items): items labeled since
leave it, others take their place.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from activelabel.loop.pool_memo import PoolRow
from activelabel.store.engine import Store
from activelabel.store.model_versions import has_model_version

__all__ = ["FIRST_MODEL_SAMPLE", "SAMPLED_POOL", "rows_before_first_model"]

#: Pools larger than this are sampled until the project has a model.
SAMPLED_POOL: Final = 50_000

#: Unlabeled items a sampled round featurizes and scores (besides the labeled).
FIRST_MODEL_SAMPLE: Final = 10_000


def rows_before_first_model(
    store: Store, project_id: int, rows: list[PoolRow], labeled: set[int]
) -> tuple[list[PoolRow], str | None]:
    """The rows a round works on, and a note when they are a sample.

    ``rows`` is the whole pool in id order and ``labeled`` the ids of the
    items with a training label. A pool of at most :data:`SAMPLED_POOL`
    items, or a project that has a model, keeps every row. Otherwise the
    labeled rows and :data:`FIRST_MODEL_SAMPLE` others drawn at random, in
    id order.
    """
    if len(rows) <= SAMPLED_POOL:
        return rows, None
    with store.session() as session:
        if has_model_version(session, project_id=project_id):
            return rows, None
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    is_labeled = np.isin(ids, np.fromiter(labeled, dtype=np.int64, count=len(labeled)))
    others = np.flatnonzero(~is_labeled)
    if others.size <= FIRST_MODEL_SAMPLE:
        return rows, None
    rng = np.random.default_rng(project_id)
    drawn = rng.choice(others, size=FIRST_MODEL_SAMPLE, replace=False)
    keep = np.sort(np.concatenate([np.flatnonzero(is_labeled), drawn]))
    note = (
        f"Until the first model, rounds over this pool of {len(rows):,} items "
        f"score the labeled ones and {FIRST_MODEL_SAMPLE:,} others drawn at "
        "random, so that a model comes in seconds; later rounds score them all."
    )
    return [rows[int(i)] for i in keep], note
