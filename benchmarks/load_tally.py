"""What simulated annotators saw, and what a tool's processes hold in memory.

Shared by both sides of ``bench_vs_labelstudio.py``: the tally of one level
(latencies, empty answers, items labeled twice, server errors), the loop over
the 1, 8 and 16 annotator levels, and the resident memory of a process tree.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_server import summary

#: Annotators of each level, in turn.
LEVELS = (1, 8, 16)


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that are alive."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        if not Path(f"/proc/{current}").exists():
            continue
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return sorted(set(found))


def tree_rss_mib(pids: list[int], field: str = "VmRSS") -> dict[str, float]:
    """VmRSS of every process under ``pids``, by ``name:pid``, and their total.

    ``field="VmHWM"`` gives each process's peak resident set instead.
    """
    out: dict[str, float] = {}
    for root in pids:
        for pid in process_tree(root):
            try:
                name = Path(f"/proc/{pid}/comm").read_text().strip()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            # "python" says little: name the worker and the server by their module.
            if b"activelabel.loop.worker" in cmdline:
                name = "round worker"
            elif b"serve" in cmdline and b"activelabel" in cmdline:
                name = "server"
            elif any(b"label-studio" in part for part in cmdline):
                name = "label-studio"
            rss = _status_mib(pid, field)
            if rss:
                out[f"{name}:{pid}"] = round(rss, 1)
    out["total"] = round(sum(out.values()), 1)
    return out


def _status_mib(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --------------------------------------------------------------------------- levels


class LevelTally:
    """What one level's annotators saw: latencies, empty answers, items labeled."""

    def __init__(self) -> None:
        self.next_ms: list[float] = []
        self.submit_ms: list[float] = []
        self.empty = [0]
        self.labeled: Counter[Any] = Counter()
        # Answers that were server errors (e.g. a locked database), and the first.
        self.errors: Counter[str] = Counter()
        self.first_error = ""

    def error(self, call: str, status: int, text: str) -> None:
        """Count a server error on ``call``; the level goes on, as a page would retry."""
        self.errors[f"{call} {status}"] += 1
        self.first_error = self.first_error or f"{call} {status}: {text[:300]}"

    def result(self, annotators: int, seconds: float) -> dict[str, Any]:
        """The level's figures, as the table and the JSON show them."""
        labels = len(self.submit_ms)
        return {
            "annotators": annotators,
            "seconds": round(seconds, 2),
            "labels": labels,
            "labels_per_s": round(labels / seconds, 2) if seconds else None,
            "next_task": summary(self.next_ms),
            "submit_label": summary(self.submit_ms),
            "next_task_empty": self.empty[0],
            "next_task_empty_share": (
                round(self.empty[0] / len(self.next_ms), 4) if self.next_ms else None
            ),
            # Items labeled by more than one annotator within the level.
            "double_assignments": sum(1 for n in self.labeled.values() if n > 1),
            "errors": dict(self.errors),
            "first_error": self.first_error or None,
            "load_average_1m": round(os.getloadavg()[0], 2),
        }


def run_levels(
    level: Callable[[int, float], dict[str, Any]], seconds: float, tool: str
) -> list[dict[str, Any]]:
    """1, 8 and 16 annotators in turn, ``seconds`` each."""
    out = []
    for n in LEVELS:
        result = level(n, seconds)
        out.append(result)
        print(
            f"[{tool}] {n:>2} annotators: {result['labels_per_s']} labels/s, next p50/p99 "
            f"{result['next_task']['p50_ms']}/{result['next_task']['p99_ms']} ms, submit "
            f"p50/p99 {result['submit_label']['p50_ms']}/{result['submit_label']['p99_ms']} "
            f"ms, empty {result['next_task_empty']}/{result['next_task']['n']}, double "
            f"assignments {result['double_assignments']}, errors {result['errors'] or 0}, "
            f"load {result['load_average_1m']}",
            flush=True,
        )
    return out
