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
    # Exactly the items of ``rows``: items imported since they were read are left out.
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
    placed = [
        (root_id, path)
        for chunk in _read_chunks(
            store, project_id, rows, Item.media_root_id, Item.media_path
        )
        for root_id, path in chunk
    ]
    _check_aligned(len(placed), len(rows))
    with store.session() as session:
        roots = root_paths(session, (root_id for root_id, _ in placed))
    return [
        str(media_file(roots[root_id], path)) if root_id in roots and path else ""
        for root_id, path in placed
    ]


#: Items read per transaction.
_CHUNK = 5_000


def _item_data(
    store: Store, project_id: int, rows: list[PoolRow]
) -> Iterator[dict[str, Any]]:
    """The ``data`` of the items of ``rows`` in row (id) order, a chunk at a time."""
    for chunk in _read_chunks(store, project_id, rows, Item.data):
        for (data,) in chunk:
            yield data


def _read_chunks(
    store: Store, project_id: int, rows: list[PoolRow], *columns: Any
) -> Iterator[list[tuple[Any, ...]]]:
    """``columns`` of the items of ``rows``, in row order, in lists of at most
    ``_CHUNK``.

    Each chunk is read in a transaction of its own, closed before the chunk is
    handed on. The round worker runs on CPU time nobody else wants, so what it
    does between two reads may take minutes on a busy machine; one transaction
    around the whole pool then stayed open all that time, and on PostgreSQL an
    old snapshot keeps every row the annotators' leases replace from being
    cleaned up. Items are only ever added, so chunks read apart still make the
    pool the rows name: a chunk is bounded by its first and last ids and keeps
    exactly the rows' ids (an item committed meanwhile, or left out of a
    sample, is dropped).
    """
    for start in range(0, len(rows), _CHUNK):
        ids = [row[0] for row in rows[start : start + _CHUNK]]
        wanted = set(ids)
        query = select(Item.id, *columns).where(Item.project_id == project_id)
        if ids[-1] - ids[0] < 2 * len(ids):
            # Nearly every id in the range: a range scan, then the few others dropped.
            query = query.where(Item.id >= ids[0], Item.id <= ids[-1])
        else:
            # A sample (a large pool's rounds before its first model): by id.
            query = query.where(Item.id.in_(ids))
        with store.session() as session:
            found = session.execute(query.order_by(Item.id)).all()
        yield [tuple(row[1:]) for row in found if row[0] in wanted]


def _check_aligned(got: int, expected: int) -> None:
    if got != expected:
        raise InvalidLabelError(
            f"The project's items changed while a round read them ({got} rows of "
            f"data for {expected} items); the next round will use the new pool."
        )
