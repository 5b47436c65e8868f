"""Parquet: one Arrow type per column, zstd-compressed.

A ``STRING`` column holds strings as they are and any other value as JSON text;
timestamps are ``timestamp[us, UTC]``. pyarrow is imported when a Parquet file
is written, not with this module (the server imports the registry for CSV and
JSON Lines exports too).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from activelabel.io.writers.cells import MISSING, Column, Kind, json_text, to_utc
from activelabel.io.writers.protocol import RowFormat, TableWriter, WriteOptions

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["FORMAT", "ParquetWriter"]


def _arrow_type(kind: Kind) -> pa.DataType:
    import pyarrow as pa

    return {
        Kind.STRING: pa.string(),
        Kind.INT: pa.int64(),
        Kind.FLOAT: pa.float64(),
        Kind.BOOL: pa.bool_(),
        Kind.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    }[kind]


def _arrow_column(kind: Kind, values: list[Any]) -> pa.Array:
    import pyarrow as pa

    if kind is Kind.STRING:
        values = [
            v
            if v.__class__ is str
            else None
            if v is None or v is MISSING
            else json_text(v)
            for v in values
        ]
    elif kind is Kind.TIMESTAMP:
        values = [None if v is None else to_utc(v) for v in values]
    else:
        values = [None if v is MISSING else v for v in values]
    return pa.array(values, type=_arrow_type(kind))


class ParquetWriter:
    """Writes each chunk of rows as one row group of a Parquet file."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._columns = list(columns)
        self._schema = pa.schema(
            [pa.field(c.name, _arrow_type(c.kind)) for c in self._columns]
        )
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        self._table_type = pa.Table
        self.rows = 0

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows, one value per column in column order."""
        if not rows:
            return
        by_column = list(zip(*rows, strict=True))
        arrays = [
            _arrow_column(c.kind, list(values))
            for c, values in zip(self._columns, by_column, strict=True)
        ]
        self._writer.write_table(
            self._table_type.from_arrays(arrays, schema=self._schema)
        )
        self.rows += len(rows)

    def close(self) -> None:
        """Write the footer and close the file."""
        self._writer.close()


def _open(path: Path, columns: Sequence[Column], options: WriteOptions) -> TableWriter:
    return ParquetWriter(path, columns)


FORMAT: Final = RowFormat(
    "parquet", ".parquet", "application/vnd.apache.parquet", _open
)
