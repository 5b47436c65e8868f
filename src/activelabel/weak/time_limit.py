"""A time limit on each call of a Python labeling function.

A watchdog thread looks at the running call every tenth of the limit; once a
call is past its limit, it raises :class:`FunctionTimedOut` inside the thread
that runs it (``PyThreadState_SetAsyncExc``), so a loop in Python stops
within a tick. Chosen over the alternatives because:

* ``SIGALRM`` works only in the main thread, and the signal is the process's
  (a test runner's or a notebook's own alarm would be replaced);
* a process per call (or per function) costs a start and the item's fields
  sent over a pipe for each of a million items; the functions already run in
  the trainer's worker process or the CLI, never in the server.

What it cannot stop: one call into C that never returns (a catastrophic
regex inside ``re``, a blocking socket). A call into C that returns late
(``time.sleep``) is still refused when it returns, as is one that caught
the exception: a call is timed on its way out too.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["CallTimer", "FunctionTimedOut"]

T = TypeVar("T")


class FunctionTimedOut(BaseException):
    """Raised in a call that ran past its limit.

    A ``BaseException``, so a function's own ``except Exception`` does not
    swallow it.
    """


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    """Set (or, with ``None``, cancel) the exception pending in a thread."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id),
        None if exception is None else ctypes.py_object(exception),
    )


class CallTimer:
    """Times calls made from the thread that entered it; use as a context manager.

    :meth:`call` raises :class:`FunctionTimedOut` when the call ran past
    ``seconds``, whether it was interrupted or came back late.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._tick = max(0.005, seconds / 10)
        self._lock = threading.Lock()
        self._started: float | None = None
        self._fired = False
        self._thread = 0
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None

    def __enter__(self) -> CallTimer:
        self._thread = threading.get_ident()
        self._stop.clear()
        self._watchdog = threading.Thread(
            target=self._watch, name="activelabel-lf-time-limit", daemon=True
        )
        self._watchdog.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._watchdog is not None:
            self._watchdog.join()
        self._end()

    def call(self, function: Callable[[Any], T], argument: Any) -> T:
        """``function(argument)``, or :class:`FunctionTimedOut` past the limit."""
        with self._lock:
            self._fired = False
            self._started = time.monotonic()
        try:
            result = function(argument)
        finally:
            started, fired = self._end()
        if fired or (started is not None and time.monotonic() - started > self.seconds):
            raise FunctionTimedOut
        return result

    def _end(self) -> tuple[float | None, bool]:
        # Under the lock the watchdog cannot fire; an exception it set that
        # has not been raised yet is cancelled here, so it can never land
        # outside the call it was meant for.
        with self._lock:
            started, fired = self._started, self._fired
            self._started, self._fired = None, False
            if fired:
                _raise_in(self._thread, None)
        return started, fired

    def _watch(self) -> None:
        while not self._stop.wait(self._tick):
            with self._lock:
                started = self._started
                if (
                    started is not None
                    and not self._fired
                    and time.monotonic() - started > self.seconds
                ):
                    self._fired = True
                    _raise_in(self._thread, FunctionTimedOut)
