"""What every reader yields: batches of row dicts numbered from row 1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Batch", "batched"]


@dataclass
class Batch:
    """Rows read from a source, with the 1-based number of the first one."""

    first_row: int
    rows: list[dict[str, Any]]
    #: Bytes of the file consumed so far (for progress bars).
    position: int = 0


def batched(
    rows: Iterator[tuple[dict[str, Any], int]], batch_size: int
) -> Iterator[Batch]:
    """Group (row, bytes read so far) pairs into batches numbered from row 1."""
    batch: list[dict[str, Any]] = []
    first = 1
    position = 0
    for row, position in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            yield Batch(first_row=first, rows=batch, position=position)
            first += len(batch)
            batch = []
    if batch:
        yield Batch(first_row=first, rows=batch, position=position)
