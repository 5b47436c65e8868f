"""What every reader yields: batches of row dicts numbered from row 1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_BATCH_CELLS", "Batch", "batched"]

#: A batch also ends at this many fields, so memory stays flat for wide files:
#: 5,000 rows of 10,000 columns would be 50 million strings in one batch.
MAX_BATCH_CELLS = 500_000


@dataclass
class Batch:
    """Rows read from a source, with the 1-based number of the first one."""

    first_row: int
    rows: list[dict[str, Any]]
    #: Bytes of the file consumed so far (for progress bars).
    position: int = 0
    #: Where each row is in the file, when that is not "row N" (a CoNLL
    #: sentence's first line, a Label Studio task): ``"line 12"``.
    places: list[str] | None = None

    def place(self, offset: int) -> str:
        """Where the row at ``offset`` in this batch is: its place, or ``row N``."""
        if self.places is not None:
            return self.places[offset]
        return f"row {self.first_row + offset}"


def batched(
    rows: Iterator[dict[str, Any]],
    batch_size: int,
    position: Callable[[], int],
    place: Callable[[], str] | None = None,
) -> Iterator[Batch]:
    """Group rows into batches numbered from row 1.

    A batch holds ``batch_size`` rows, or fewer when they reach
    :data:`MAX_BATCH_CELLS` fields. ``position()`` (bytes read so far) is asked
    once a batch: asking a file for it costs a system call. ``place()``, when
    given, is asked as each row arrives: where that row is in the file.
    """
    batch: list[dict[str, Any]] = []
    places: list[str] | None = [] if place is not None else None
    first = 1
    cells = 0
    for row in rows:
        batch.append(row)
        if places is not None and place is not None:
            places.append(place())
        cells += len(row)
        if len(batch) >= batch_size or cells >= MAX_BATCH_CELLS:
            yield Batch(first, batch, position(), places)
            first += len(batch)
            batch = []
            places = [] if place is not None else None
            cells = 0
    if batch:
        yield Batch(first, batch, position(), places)
