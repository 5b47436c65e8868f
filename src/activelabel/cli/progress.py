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
    # The bar appears with the first report of progress, so a command that
    # fails at once (a missing file, an unknown format) prints its error alone.
    progress = Progress(*columns, console=err_console, transient=False)
    task = progress.add_task(description, total=None)
    started = False

    def update(done: int, total: int) -> None:
        nonlocal started
        if not started:
            progress.start()
            started = True
        progress.update(task, completed=done, total=total or None)

    try:
        yield update
    finally:
        if started:
            progress.stop()
