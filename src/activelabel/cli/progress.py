"""Rich progress bars for long commands, fed by the library's progress callbacks."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from activelabel.cli.app import err_console

__all__ = ["progress_bar"]


@contextlib.contextmanager
def progress_bar(
    description: str, *, unit: str = ""
) -> Iterator[Callable[[int, int], None]]:
    """A bar on stderr; yields ``update(done, total)`` for the library to call."""
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn() if unit != "bytes" else TextColumn(""),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total or None)

        yield update
