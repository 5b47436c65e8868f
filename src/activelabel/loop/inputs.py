"""What a featurizer reads from the store: texts, a table frame, or media files.

Called only when the feature cache misses: on a warm round the items' data is
never read (a million parsed JSON objects are ~0.5 GiB and seconds).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from sqlalchemy import select

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
    datas = _item_data(store, project.id, last_id=rows[-1][0])
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
        placed = session.execute(
            select(Item.media_root_id, Item.media_path)
            .where(Item.project_id == project_id, Item.id <= rows[-1][0])
            .order_by(Item.id)
        ).all()
        roots = root_paths(session, (root_id for root_id, _ in placed))
    _check_aligned(len(placed), len(rows))
    return [
        str(media_file(roots[root_id], path)) if root_id in roots and path else ""
        for root_id, path in placed
    ]


def _item_data(
    store: Store, project_id: int, *, last_id: int
) -> Iterator[dict[str, Any]]:
    """The items' ``data`` in id order, streamed (each object is dropped once read)."""
    with store.session() as session:
        result = session.execute(
            select(Item.data)
            .where(Item.project_id == project_id, Item.id <= last_id)
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
