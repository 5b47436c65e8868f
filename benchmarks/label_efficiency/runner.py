"""Learning curves, one cached file per (set, run, seed), so a run resumes.

A *run* is a strategy of :mod:`activelabel.al` by name (``default``,
``random``, ``margin``...) or a variant: the default strategy with another
model, featurizer or training set (see :mod:`.variants`). Each seed's curve
is computed by :func:`activelabel.al.simulate` (initial random labels, then
batches, a stratified test split per seed, the same start for every run of a
seed) and written to ``<cache>/<set>/<run>/seed<N>.json``; a later call
reads the files it finds and computes only the missing seeds. Everything is
single-threaded (``OMP_NUM_THREADS=1`` is set by the command): with several
BLAS threads the order of floating-point sums changes and the loop amplifies
it, so reruns would not reproduce.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from label_efficiency.datasets import CACHE, Dataset

RUNS = CACHE / "runs"

#: Called as ``progress(done_rounds, total_rounds)``.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Schedule:
    """Labels to start with, batch size, budget and test share of every run."""

    initial_labels: int = 10
    batch_size: int = 10
    budget: int = 300
    test_size: float = 0.25

    @property
    def rounds(self) -> int:
        """Rounds of one run (the first fit, then one per batch)."""
        return 1 + -(-(self.budget - self.initial_labels) // self.batch_size)

    def tag(self) -> str:
        """A folder name that keeps curves of other schedules apart."""
        return (
            f"i{self.initial_labels}-b{self.batch_size}-n{self.budget}"
            f"-t{int(self.test_size * 100)}"
        )


def _path(dataset: str, run: str, seed: int, schedule: Schedule) -> Path:
    return RUNS / schedule.tag() / dataset / run / f"seed{seed}.json"


def cached_curve(
    dataset: str, run: str, seed: int, schedule: Schedule
) -> dict[str, Any] | None:
    """The stored curve of one seed, or None if it was never computed."""
    path = _path(dataset, run, seed, schedule)
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def _store(
    dataset: str, run: str, seed: int, schedule: Schedule, payload: dict[str, Any]
) -> None:
    path = _path(dataset, run, seed, schedule)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload))
    tmp.replace(path)  # never a half-written curve


def _choices(model: Any) -> list[dict[str, Any]]:
    """The choices a variant's model recorded in its memo (and its inner model's)."""
    found: list[dict[str, Any]] = []
    for m in (model, getattr(model, "model", None)):
        memo = getattr(m, "memo", None)
        if memo is not None:
            found += [dict(h, by=type(m).__name__) for h in memo.history]
    return found


def simulate_runs(
    data: Dataset,
    strategies: Sequence[str],
    seeds: Sequence[int],
    schedule: Schedule,
    *,
    run_names: Sequence[str] | None = None,
    estimator: Callable[[], Any] | None = None,
    X: Any = None,
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    compute: bool = True,
) -> dict[str, list[dict[str, Any]]]:
    """Curves of ``strategies`` on ``data`` for ``seeds``: cached or computed.

    ``run_names`` names each strategy's run in the cache (default: the
    strategy's name); variants give their own. ``estimator`` (a function
    returning a fresh unfitted model, called once per seed, so a model that
    remembers a search starts each seed anew) and ``X`` replace simulate's
    model and the set's features; ``options`` go to simulate as they are
    (``augmented=``). Returns, per run name,
    one payload per cached or computed seed (with ``compute=False`` only the
    cached ones; a run with none is left out): ``curve`` (rounds with ``n_labels``, ``accuracy``,
    ``macro_f1``, ``seconds``) and ``full_accuracy`` (all pool labels).
    """
    from activelabel.al import simulate

    names = list(run_names or strategies)
    by_name = dict(zip(names, strategies, strict=True))
    out: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    todo = [
        (
            seed,
            [
                n
                for n in names
                if compute and cached_curve(data.name, n, seed, schedule) is None
            ],
        )
        for seed in seeds
    ]
    total = sum(len(m) for _, m in todo) * schedule.rounds
    done = 0
    for seed, missing in todo:
        # Another process may have computed some meanwhile (a split run).
        missing = [
            n for n in missing if cached_curve(data.name, n, seed, schedule) is None
        ]
        if missing:
            t0 = time.perf_counter()
            model = None if estimator is None else estimator()
            result = simulate(
                data.X if X is None else X,
                data.y,
                strategies=[by_name[n] for n in missing],
                estimator=model,
                initial_labels=schedule.initial_labels,
                batch_size=schedule.batch_size,
                budget=schedule.budget,
                seeds=[seed],
                test_size=schedule.test_size,
                **(options or {}),
                progress=None
                if progress is None
                else lambda d, _t, _w, base=done: progress(base + d, total),
            )
            done += len(missing) * schedule.rounds
            seconds = time.perf_counter() - t0
            curves = result.curves
            for name in missing:
                rows = curves[curves["strategy"] == by_name[name]]
                _store(
                    data.name,
                    name,
                    seed,
                    schedule,
                    {
                        "curve": rows[
                            ["n_labels", "accuracy", "macro_f1", "seconds"]
                        ].to_dict(orient="records"),
                        "full_accuracy": result.full_accuracy[seed],
                        "seconds": seconds / len(missing),
                        # What a variant's model chose (AutoML winners,
                        # featurizers), round by round.
                        "choices": _choices(model),
                    },
                )
        for name in names:
            payload = cached_curve(data.name, name, seed, schedule)
            if payload is not None:
                out[name].append(payload)
    return {n: p for n, p in out.items() if p}
