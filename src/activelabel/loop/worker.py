"""The trainer's worker process: it computes rounds sent to it over a pipe.

A round imports the model stack (scikit-learn, SciPy, pandas; torch with the
embeddings extra) and holds the pool's features: hundreds of MiB that the
server process must not keep, and CPU work that must not hold its GIL. So
rounds run in a child process, ``python -m activelabel.loop.worker``,
which reads requests on its stdin and writes results on its stdout.

A plain child process rather than a :mod:`multiprocessing` pool: a pool needs
semaphores, and with them multiprocessing's resource-tracker process, 12 MiB
that stayed beside the server for its whole life. The worker only reads the
database; the server writes what it computed
(:func:`activelabel.loop.write.write_round`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from activelabel.loop.write import ComputedRound
from activelabel.refused_imports import RefusedImport

if TYPE_CHECKING:  # the model stack is imported in the worker only
    from activelabel.loop.pool_memo import PoolMemo

__all__ = ["RoundFailed", "RoundWorker", "main"]

#: Seconds a closed worker gets to exit on its own before it is killed.
EXIT_WAIT = 5.0


class RoundFailed(Exception):
    """A round raised an error in the worker, or the worker stopped during it."""


class RoundWorker:
    """The server's side of one worker process, started when a round needs it.

    Rounds are sent one at a time (the trainer runs one job at a time).
    :meth:`close` lets an idle worker exit, giving its memory back; the next
    :meth:`compute` starts a new one.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        """Whether a worker process is up."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The worker's process id, while it runs."""
        return self._process.pid if self.running and self._process else None

    def compute(
        self,
        url: str,
        project_id: int,
        queue_size: int,
        cache_dir: str | None,
        *,
        while_waiting: Callable[[], object] | None = None,
        every: float = 1.0,
    ) -> ComputedRound:
        """Compute one round of ``project_id`` in the worker; raise :class:`RoundFailed`.

        A round can take minutes on a large pool: ``while_waiting`` is called
        every ``every`` seconds until the answer comes (the trainer keeps the
        queues from running dry meanwhile).
        """
        process = self._started()
        assert process.stdin is not None and process.stdout is not None
        try:
            pickle.dump((url, project_id, queue_size, cache_dir), process.stdin)
            process.stdin.flush()
            if while_waiting is not None:
                while not select.select([process.stdout], [], [], every)[0]:
                    while_waiting()
            ok, payload = pickle.load(process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            code = self._reap()
            raise RoundFailed(
                f"The training worker process stopped ({_exit_reason(code)}) "
                "before it finished the round."
            ) from None
        if not ok:
            raise RoundFailed(str(payload))
        if not isinstance(payload, ComputedRound):
            raise RoundFailed(f"The training worker sent {type(payload).__name__}.")
        return payload

    def close(self, *, kill: bool = False) -> None:
        """Stop the worker: at once (``kill``), or once it finished its round."""
        process = self._process
        self._process = None
        if process is None:
            return
        if kill:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        elif process.stdin is not None:
            # End of input: the worker's loop returns and the process exits.
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(EXIT_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is not None:
            self._reap()
        if self._process is None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # numpy asks for transparent huge pages on arrays of 4 MiB and
                # more: 2 MiB pages partly used, 480 of the worker's 775 MiB
                # on a 100,000-text pool, and kept once freed into the heap.
                env={**os.environ, "NUMPY_MADVISE_HUGEPAGE": "0"},
            )
        return self._process

    def _reap(self) -> int | None:
        """Forget a worker that stopped; its exit code (None if it had to be killed)."""
        process = self._process
        if process is None:
            return None
        # Its output ended: it is exiting, if not already gone.
        code: int | None
        try:
            code = process.wait(EXIT_WAIT)
        except subprocess.TimeoutExpired:
            code = None
        self.close(kill=code is None)
        return code


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit code {code}"


# --------------------------------------------------------------------------- worker


def _lower_priority_and_follow(parent_pid: int) -> None:
    """Yield the CPU to the server, and die with it.

    Training shares the machine with the requests of annotators, who must never
    wait: the worker runs at a lower priority (nice 10, and on Linux the idle
    scheduling class for every round but a project's first model, see
    :func:`_scheduling_for`) with one BLAS thread. A server killed with SIGKILL
    cannot stop its worker; without the watch below, a worker in the middle of
    a round would live on as an orphan holding the feature matrices in memory
    (an idle one sees its input close and exits).
    """
    with contextlib.suppress(OSError):
        os.nice(10)
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="activelabel-parent-watch", daemon=True).start()


def _scheduling_for(first_model: bool) -> None:
    """The scheduling class of the next round (Linux; elsewhere nice 10 only).

    A round runs in the idle class: only on CPU time nobody else wants, so a
    request thread waking up preempts it at once instead of sharing a time
    slice. A project's first model is the exception: until it exists nobody
    sees a suggestion, and under annotators labeling back to back on two cores
    an idle-class round got 0.14-0.27 of a core and the first model came
    minutes late. That round runs in the normal class at nice 10, which still
    gives the server's requests ten times its share of a contended core.
    Leaving the idle class needs a nice limit (RLIMIT_NICE) most accounts do
    not have: there the worker stays idle, as before.
    """
    policy = os.SCHED_OTHER if first_model else os.SCHED_IDLE
    with contextlib.suppress(OSError, AttributeError):
        if os.sched_getscheduler(0) != policy:
            os.sched_setscheduler(0, policy, os.sched_param(0))


#: scikit-learn imports pandas, and pandas imports pyarrow when it is
#: installed: 64 MiB resident, of the worker's 280 after its imports, for Arrow
#: arrays no round reads or writes. Refused, pandas keeps its strings as Python
#: objects. (Setting ``sys.modules["pyarrow"] = None`` instead broke
#: scikit-learn, which looks there for ``pyarrow.Table``.)
_WITHOUT_ARROW = RefusedImport("pyarrow", "is not used by the round worker")


def _compute(request: Any, memo: PoolMemo) -> ComputedRound:
    # Imported here, in the worker: the server process never trains.
    from activelabel.loop.round import compute_round
    from activelabel.store.engine import open_store

    url, project_id, queue_size, cache_dir = request
    store = open_store(url, migrate=False)
    try:
        _scheduling_for(first_model=not _has_model(store, project_id))
        return compute_round(
            store,
            project_id,
            queue_size=queue_size,
            cache_dir=Path(cache_dir) if cache_dir else None,
            memo=memo,
        )
    finally:
        store.close()


def _has_model(store: Any, project_id: int) -> bool:
    from sqlalchemy import select

    from activelabel.store.models import ModelVersion

    with store.session() as session:
        found = session.scalar(
            select(ModelVersion.id)
            .where(ModelVersion.project_id == project_id)
            .limit(1)
        )
    return found is not None


def serve_requests(requests: IO[bytes], results: IO[bytes]) -> None:
    """Answer rounds until ``requests`` ends: ``(True, round)`` or ``(False, error)``."""
    from activelabel.loop.pool_memo import PoolMemo
    from activelabel.loop.process_memory import release_free_memory

    # Kept between rounds: the pool's features, for the next round of the
    # same project (see PoolMemo).
    memo = PoolMemo()
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        try:
            answer: tuple[bool, Any] = (True, _compute(request, memo))
        except Exception as exc:
            answer = (False, f"{type(exc).__name__}: {exc}")
        pickle.dump(answer, results)
        results.flush()
        # What the round freed goes back to the system, not kept for the next.
        release_free_memory()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the worker process: ``python -m activelabel.loop.worker PID``."""
    args = sys.argv[1:] if argv is None else argv
    # Ctrl+C in the terminal reaches the whole process group: the server
    # stops its worker itself, without a traceback from here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.meta_path.insert(0, _WITHOUT_ARROW)
    _lower_priority_and_follow(int(args[0]))
    # The results own the real stdout; whatever a library prints goes to stderr.
    results = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    serve_requests(sys.stdin.buffer, results)


if __name__ == "__main__":
    main()
