"""The widget's progress line: counts and the learning curve, refreshed off the key path.

The project's figures (:func:`~activelabel.store.stats.project_stats`) cost
about 120 ms on a small SQLite project (review and auto-label counts
included), more than the label and the next lease together. Computed after
every key press they made labeling in a notebook feel slow, so a thread
recomputes them at most once a second after something changed, and the widget
counts its own labels meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from activelabel.store.engine import Store
from activelabel.store.model_versions import model_history
from activelabel.store.projects import get_project
from activelabel.store.stats import project_stats

if TYPE_CHECKING:
    from activelabel.loop.project_trainer import ProjectTrainer

__all__ = ["ProgressWatcher", "progress_figures"]

log = logging.getLogger("activelabel.notebook")

#: Shortest time between two computations of the figures (seconds).
MIN_SECONDS = 1.0
#: Figures are recomputed this often even when nothing happened here (labels
#: from the page, a model from a server's trainer).
IDLE_SECONDS = 10.0


def progress_figures(
    store: Store,
    *,
    project: str,
    annotator: str,
    trainer: ProjectTrainer | None,
) -> dict[str, Any]:
    """The progress line's figures.

    ``items``, ``labeled_items``, ``mine`` (``annotator``'s labels),
    ``model`` (newest version's name), ``cv_score``, ``macro_f1``, ``curve``
    (``[n_labels, cv_score]`` per model, oldest first), ``labels_until_round``
    (None without background rounds), ``training`` and ``round_error`` (the
    last failed round's sentence).
    """
    with store.session() as session:
        row = get_project(session, project)
        stats = project_stats(session, row)
        history = model_history(session, project_id=row.id)
    newest = history[-1] if history else None
    return {
        "items": stats.items,
        "labeled_items": stats.labeled_items,
        "mine": stats.by_annotator.get(annotator, 0),
        "model": newest.name if newest else None,
        "cv_score": newest.cv_score if newest else None,
        "macro_f1": (newest.metrics or {}).get("macro_f1") if newest else None,
        "curve": [[p.n_labels, p.cv_score] for p in history if p.cv_score is not None],
        "labels_until_round": trainer.labels_until_round() if trainer else None,
        "training": bool(trainer and trainer.training),
        "round_error": trainer.last_error if trainer else None,
    }


class ProgressWatcher:
    """Calls ``compute`` in a daemon thread when :meth:`changed` was called (at
    most every :data:`MIN_SECONDS`) or every :data:`IDLE_SECONDS`, and hands
    the figures to ``publish``.

    Figures whose computation began before a change are thrown away: the
    widget counted that change itself, and stale figures would take it back
    until the next computation (which the change has asked for).
    """

    def __init__(
        self,
        compute: Callable[[], dict[str, Any]],
        publish: Callable[[dict[str, Any]], None],
    ) -> None:
        self._compute = compute
        self._publish = publish
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._changes = 0
        self._thread = threading.Thread(
            target=self._run, name="activelabel-widget-progress", daemon=True
        )
        self._thread.start()

    def changed(self) -> None:
        """Something the figures count changed: recompute soon."""
        self._changes += 1
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread (a computation under way finishes first)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(IDLE_SECONDS)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                began = self._changes
                figures = self._compute()
                if began == self._changes:
                    self._publish(figures)
            except Exception:  # the next change tries again
                log.exception("computing the widget's progress failed")
            self._stop.wait(MIN_SECONDS)
