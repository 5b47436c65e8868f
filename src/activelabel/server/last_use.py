"""Each user's last use, written at most once a minute and never by a request.

``activelabel user list`` shows when each token was last used. Writing that
on every request would add a write, and on SQLite a wait for the writer
lock, to every label; so a request only notes the user in memory (a dict
lookup), and a thread writes what was noted every few seconds, each user at
most once per :attr:`LastUse.interval`.
"""

from __future__ import annotations

import logging
import threading
import time

from activelabel.store.engine import Store
from activelabel.store.users import record_last_use

__all__ = ["LastUse"]

log = logging.getLogger(__name__)


class LastUse:
    """Users seen by this server, written to ``users.last_used_at`` from a thread."""

    def __init__(
        self, store: Store, *, interval: float = 60.0, flush_seconds: float = 5.0
    ) -> None:
        self.store = store
        #: A user's last use is written at most once per this many seconds.
        self.interval = interval
        self.flush_seconds = flush_seconds
        self._noted: dict[int, float] = {}
        self._due: set[int] = set()
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def seen(self, user_id: int) -> None:
        """A request came with this user's token (cheap: no I/O)."""
        now = time.monotonic()
        if self._noted.get(user_id, -self.interval) + self.interval <= now:
            self._noted[user_id] = now
            with self._guard:
                self._due.add(user_id)

    def flush(self) -> None:
        """Write the uses noted since the last flush (one statement)."""
        with self._guard:
            due, self._due = self._due, set()
        if due:
            with self.store.session(write=True) as session:
                record_last_use(session, due)

    def start(self) -> None:
        """Flush every :attr:`flush_seconds` from a thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="activelabel-last-use", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and write what is left."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            try:
                self.flush()
            except Exception:  # a last use is a courtesy; the next flush tries again
                log.exception("Writing users' last use failed")
