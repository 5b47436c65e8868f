"""What a featurizer reads from the store: texts, a table frame, or media files.

Called only when the feature cache misses: on a warm round the items' data is
never read (a million parsed JSON objects are ~0.5 GiB and seconds).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activelabel.exceptions import InvalidLabelError
from activelabel.io.media_roots import media_file, root_paths
from activelabel.loop.pool_memo import PoolRow
from activelabel.store.engine import Store
from activelabel.store.models import Item, Project

__all__ = ["featurizer_inputs"]


def featurizer_inputs(store: Store, project: Project, rows: list[PoolRow]) -> Any:
    """What the project's featurizer reads for each of ``rows``, in row order.

    Texts for a text project (its ``text_column``), a data frame for a table
    (its ``feature_columns``, else every field), file paths for media.
    """
    settings = project.settings
    if project.modality not in ("text", "tabular"):
        return _media_files(store, project.id, rows)
    # The same items as ``rows``: ids are only ever added, so bounding by the
    # last id read keeps items imported since then out.
    datas = _item_data(store, project.id, rows)
    if project.modality == "text":
        column = str(settings.text_column)
        texts = [
            "" if data.get(column) is None else str(data.get(column)) for data in datas
        ]
        _check_aligned(len(texts), len(rows))
        return texts
    records = list(datas)
    _check_aligned(len(records), len(rows))
    columns = settings.feature_columns or sorted({k for r in records[:100] for k in r})
    frame = pd.DataFrame(
        [{c: r.get(c) for c in columns} for r in records], columns=columns
    )
    # CSV values arrive as text: numbers become numbers, the rest stays categorical.
    for column in columns:
        converted = pd.to_numeric(frame[column], errors="coerce")
        if converted.notna().sum() >= 0.9 * frame[column].notna().sum():
            frame[column] = converted
    return frame


def _media_files(store: Store, project_id: int, rows: list[PoolRow]) -> list[str]:
    """Each row's media file, found through the item's own media root."""
    with store.session() as session:
        query = select(Item.media_root_id, Item.media_path)
        sample = _sampled_ids(session, project_id, rows)
        if sample is None:
            placed = session.execute(
                query.where(
                    Item.project_id == project_id, Item.id <= rows[-1][0]
                ).order_by(Item.id)
            ).all()
        else:
            placed = [
                row
                for chunk in _chunks(sample)
                for row in session.execute(
                    query.where(Item.id.in_(chunk)).order_by(Item.id)
                ).all()
            ]
        roots = root_paths(session, (root_id for root_id, _ in placed))
    _check_aligned(len(placed), len(rows))
    return [
        str(media_file(roots[root_id], path)) if root_id in roots and path else ""
        for root_id, path in placed
    ]


#: Ids per query when a round reads a sample of the pool.
_CHUNK = 5_000


def _sampled_ids(
    session: Session, project_id: int, rows: list[PoolRow]
) -> list[int] | None:
    """The ids of ``rows`` when they are a sample of the pool (a large pool's
    rounds before its first model, :mod:`activelabel.loop.first_model_sample`),
    None when they are every item up to the last one."""
    up_to_last = session.scalar(
        select(func.count()).where(
            Item.project_id == project_id, Item.id <= rows[-1][0]
        )
    )
    if up_to_last == len(rows):
        return None
    return [row[0] for row in rows]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _item_data(
    store: Store, project_id: int, rows: list[PoolRow]
) -> Iterator[dict[str, Any]]:
    """The ``data`` of the items of ``rows`` in id order, streamed (each object
    is dropped once read)."""
    with store.session() as session:
        sample = _sampled_ids(session, project_id, rows)
        if sample is not None:
            # Ids in order, a chunk at a time: the rows are in id order too.
            for chunk in _chunks(sample):
                for (data,) in session.execute(
                    select(Item.data).where(Item.id.in_(chunk)).order_by(Item.id)
                ):
                    yield data
            return
        result = session.execute(
            select(Item.data)
            .where(Item.project_id == project_id, Item.id <= rows[-1][0])
            .order_by(Item.id)
            .execution_options(yield_per=10_000)
        )
        for (data,) in result:
            yield data


def _check_aligned(got: int, expected: int) -> None:
    if got != expected:
        raise InvalidLabelError(
            f"The project's items changed while a round read them ({got} rows of "
            f"data for {expected} items); the next round will use the new pool."
        )
