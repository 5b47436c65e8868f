"""The planner's figures of the queue, kept current on PostgreSQL.

"Next task" leases from the ``queue`` table, whose rows change all the time:
rounds replace thousands of entries, top-ups add hundreds, every lease and
label rewrites one. PostgreSQL plans each statement from the figures the last
``ANALYZE`` left; left to autovacuum, which runs them after enough rows have
changed, they lag, and where autovacuum is off they never come. Measured on
a million items with 1-16 annotators labeling back to back while the first
whole-pool round ran: "next task" took 31-41 ms at the median for one
annotator, 280-780 ms for 8-16, at 21-26 labels/s; with the queue analyzed
every few seconds, 2.3 ms and 178-303 labels/s (docs/benchmarks.md, runs
15-17). A server therefore analyzes the queue itself, from its own thread, off
the request path, when enough of it changed since the last time
(``n_mod_since_analyze``). ANALYZE of a few thousand rows takes milliseconds
and blocks no reader or writer. Does nothing on SQLite, whose planner does not
use such figures for these statements.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import text

from activelabel.store.engine import Store

__all__ = ["QueueStatistics"]

log = logging.getLogger(__name__)

_CHANGED = text(
    "SELECT n_mod_since_analyze, n_live_tup FROM pg_stat_user_tables "
    "WHERE relid = 'queue'::regclass"
)


class QueueStatistics:
    """Analyzes a PostgreSQL store's queue every ``seconds`` when it changed.

    ``changed_share``: analyze once the rows changed since the last analyze
    reach this share of the live rows (and at least ``min_changes``).
    """

    def __init__(
        self,
        store: Store,
        seconds: float = 5.0,
        *,
        changed_share: float = 0.1,
        min_changes: int = 50,
    ) -> None:
        self.store = store
        self.seconds = seconds
        self.changed_share = changed_share
        self.min_changes = min_changes
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (PostgreSQL only)."""
        if self.store.dialect != "postgresql" or self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="activelabel-queue-statistics", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None

    def refresh(self) -> bool:
        """Analyze the queue if enough of it changed; whether it did."""
        with self.store.engine.connect() as connection:
            row = connection.execute(_CHANGED).one_or_none()
            changed, live = (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)
            if changed < max(self.min_changes, self.changed_share * live):
                return False
            # A role that does not own the table gets a warning, not an error.
            connection.execute(text("ANALYZE queue"))
            connection.commit()
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                self.refresh()
            except Exception:  # retried at the next tick; the queue stays usable
                log.exception("Analyzing the queue failed")
