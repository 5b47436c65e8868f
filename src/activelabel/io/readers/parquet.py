"""Parquet, read one record batch at a time with pyarrow."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from activelabel.exceptions import ImportFormatError
from activelabel.io.readers.batches import Batch
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions

__all__ = ["FORMAT", "jsonable", "read_parquet"]


def jsonable(value: Any) -> Any:
    """Turn values from Parquet into what a JSON column can store."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def read_parquet(path: Path, *, batch_size: int) -> Iterator[Batch]:
    """Batches of the rows of a Parquet file."""
    # pyarrow is imported here, not with the package: ``activelabel serve``
    # imports the readers and never reads a file.
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several unrelated types here
        raise ImportFormatError(
            f"{path} is not a readable Parquet file: {exc}."
        ) from None
    first = 1
    total_rows = max(parquet.metadata.num_rows, 1)
    size = path.stat().st_size
    for record_batch in parquet.iter_batches(batch_size=batch_size):
        rows = [
            {k: jsonable(v) for k, v in row.items()} for row in record_batch.to_pylist()
        ]
        position = int(size * min(1.0, (first + len(rows) - 1) / total_rows))
        yield Batch(first_row=first, rows=rows, position=position)
        first += len(rows)


def _read(o: ReadOptions) -> Iterator[Batch]:
    return read_parquet(o.path, batch_size=o.batch_size)


FORMAT = ReaderFormat("parquet", (".parquet", ".pq"), _read, text=False)
