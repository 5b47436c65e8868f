"""The trainer's worker process: rounds over a pipe, failures as sentences."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from activelabel.loop.worker import RoundFailed, RoundWorker
from activelabel.loop.write import ComputedRound
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Project

TEXTS = [f"cheap pills offer {i}" for i in range(20)] + [
    f"see you at lunch {i}" for i in range(20)
]


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _labeled_project(store: Store, project_factory) -> int:  # type: ignore[no-untyped-def]
    """Forty texts, ten of them labeled: a round trains a model."""
    project = project_factory(
        items=[{"text": t} for t in TEXTS], config={"text_column": "text"}
    )
    with store.session() as session:
        owned = session.get(Project, project.id)
        assert owned is not None
        for item in sorted(owned.items, key=lambda i: i.id)[::4]:
            spam = item.data["text"].startswith("cheap")
            add_annotation(
                session, project=owned, item_id=item.id, value="spam" if spam else "ham"
            )
    return int(project.id)


@pytest.fixture
def worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    # A PostgreSQL project caches its features under the working directory.
    monkeypatch.chdir(tmp_path)
    started = RoundWorker()
    yield started
    started.close(kill=True)


def test_a_round_comes_back_from_the_worker_and_the_worker_stays_for_the_next(
    worker, store, db_url, project_factory
) -> None:  # type: ignore[no-untyped-def]
    project_id = _labeled_project(store, project_factory)
    first = worker.compute(db_url, project_id, 10, None)
    pid = worker.pid
    second = worker.compute(db_url, project_id, 10, None)
    assert isinstance(first, ComputedRound) and isinstance(second, ComputedRound)
    assert first.model is not None and first.model.n_labels == 10
    assert len(first.candidates) == 10
    assert worker.pid == pid


def test_an_error_in_a_round_is_reported_with_its_message_and_the_worker_stays_usable(
    worker, store, db_url, project_factory
) -> None:  # type: ignore[no-untyped-def]
    project_id = _labeled_project(store, project_factory)
    with pytest.raises(RoundFailed, match="No project with id 987654"):
        worker.compute(db_url, 987654, 10, None)
    pid = worker.pid
    assert worker.compute(db_url, project_id, 10, None).candidates
    assert worker.pid == pid


def test_a_worker_killed_during_a_round_fails_that_round_and_the_next_starts_anew(
    worker, store, db_url, project_factory
) -> None:  # type: ignore[no-untyped-def]
    project_id = _labeled_project(store, project_factory)
    errors: list[Exception] = []

    def run() -> None:
        try:
            worker.compute(db_url, project_id, 10, None)
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 30
    while worker.pid is None and time.monotonic() < deadline:
        time.sleep(0.01)
    killed = worker.pid
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    thread.join(60)
    assert len(errors) == 1 and isinstance(errors[0], RoundFailed)
    assert "killed by SIGKILL" in str(errors[0])
    assert worker.compute(db_url, project_id, 10, None).candidates
    assert worker.pid not in (None, killed)


def test_closing_an_idle_worker_ends_its_process(
    worker, store, db_url, project_factory
) -> None:  # type: ignore[no-untyped-def]
    project_id = _labeled_project(store, project_factory)
    worker.compute(db_url, project_id, 10, None)
    pid = worker.pid
    assert pid is not None and _alive(pid)
    worker.close()
    assert not worker.running
    assert not _alive(pid)


def test_the_caller_is_called_back_while_the_worker_computes(
    worker, store, db_url, project_factory
) -> None:  # type: ignore[no-untyped-def]
    project_id = _labeled_project(store, project_factory)
    calls: list[float] = []
    worker.compute(
        db_url,
        project_id,
        10,
        None,
        while_waiting=lambda: calls.append(time.monotonic()),
        every=0.01,
    )
    # Starting the worker alone (Python and the model stack) takes longer.
    assert len(calls) >= 2


def _mapped_files(pid: int) -> set[str]:
    """The files mapped into a process's memory (Linux)."""
    lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return {line.split(maxsplit=5)[5] for line in lines if len(line.split()) > 5}


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="Linux /proc")
def test_an_idle_worker_maps_no_feature_file_between_rounds(
    worker, store, db_url, project_factory, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    project_id = _labeled_project(store, project_factory)
    cache = tmp_path / "features"

    first = worker.compute(db_url, project_id, 10, str(cache))
    assert worker.pid is not None
    assert list(cache.glob("*.csr"))
    assert not {f for f in _mapped_files(worker.pid) if f.startswith(str(cache))}

    # The next round opens the kept matrix again and queues as before.
    second = worker.compute(db_url, project_id, 10, str(cache))
    assert [c.item_id for c in second.candidates] == [
        c.item_id for c in first.candidates
    ]
    assert not {f for f in _mapped_files(worker.pid) if f.startswith(str(cache))}


def _may_leave_the_idle_class() -> bool:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NICE)
    # The worker runs at nice 10: leaving the idle class needs 20 - 10 <= limit.
    return os.geteuid() == 0 or soft >= 10


@pytest.mark.skipif(
    not hasattr(os, "SCHED_IDLE"), reason="the idle scheduling class is Linux's"
)
def test_a_projects_first_model_is_computed_in_the_normal_class_and_later_rounds_in_the_idle_one(
    worker, store, db_url, project_factory
) -> None:  # type: ignore[no-untyped-def]
    from activelabel.loop.write import write_round

    project_id = _labeled_project(store, project_factory)

    first = worker.compute(db_url, project_id, 10, None)
    assert first.model is not None
    if _may_leave_the_idle_class():
        assert os.sched_getscheduler(worker.pid) == os.SCHED_OTHER
    write_round(store, first)

    worker.compute(db_url, project_id, 10, None)
    assert os.sched_getscheduler(worker.pid) == os.SCHED_IDLE
    assert os.getpriority(os.PRIO_PROCESS, worker.pid) >= 10
