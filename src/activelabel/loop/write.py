"""Write a computed round: its query session, its queue, then its model version.

A round is computed (featurize, train, score) by :mod:`activelabel.loop.round`,
in the server's worker process, reading the store only. What it produced, a
:class:`ComputedRound`, comes back to the server, which writes it here.
Keeping the writes in the server process matters on SQLite: the server's
requests queue for the write lock inside the process and wake the moment it
is free, while a write from another process would make them sleep in
SQLite's busy handler (steps of up to 100 ms). This module imports no model
code, so the server stays light.

The queue is written in slices of :data:`SLICE` entries, each its own short
transaction: written at once, 2,000 entries held SQLite's only write lock for
45-65 ms, and every label sent meanwhile waited that long. The model version
comes last, so a page that sees the new model also finds its queue; in
between, the queue mixes entries of both sessions, each with its own source.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from activelabel.store.auto_labels import AutoLabel, write_auto_labels
from activelabel.store.engine import Store
from activelabel.store.label_issues import (
    FoundLabelIssue,
    add_label_issues,
    drop_label_issues,
)
from activelabel.store.models import ModelVersion, Project, QuerySession
from activelabel.store.queue import (
    QueueCandidate,
    drop_other_sessions,
    put_in_queue,
)

__all__ = ["SLICE", "ComputedRound", "NewModelVersion", "RoundReport", "write_round"]

#: Queue entries written (or dropped) per transaction by :func:`write_round`.
SLICE = 250
#: Seconds between two slices, so that requests waiting for the write lock get
#: it before the next slice does.
SLICE_PAUSE = 0.005


@dataclass
class RoundReport:
    """What one round did, with timings."""

    project: str
    pool_size: int = 0
    n_labels: int = 0
    strategy: str = "random"
    session_id: int | None = None
    model_version: str | None = None
    cv_score: float | None = None
    queued: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    note: str | None = None
    #: Items with a weak label (the label model over the labeling functions).
    weak_labels: int = 0
    #: Items the model labeled itself this round (``auto_accept``).
    auto_labeled: int = 0


@dataclass(frozen=True)
class NewModelVersion:
    """A trained model ready to store: the columns of its ``model_versions`` row."""

    name: str
    n_labels: int
    featurizer: str
    cv_score: float | None
    metrics: dict[str, Any]
    #: The skops bytes of the estimator (serialized before the transaction).
    artifact: bytes

    def as_row(self, project_id: int) -> ModelVersion:
        """The ``model_versions`` row of this model in ``project_id``."""
        return ModelVersion(
            project_id=project_id,
            name=self.name,
            n_labels=self.n_labels,
            featurizer=self.featurizer,
            cv_score=self.cv_score,
            metrics=self.metrics,
            artifact=self.artifact,
        )


@dataclass
class ComputedRound:
    """Everything a round computed, ready to be written by :func:`write_round`."""

    project_id: int
    report: RoundReport
    #: The strategy that ordered the queue (the query session's strategy).
    strategy: str = "random"
    pool_size: int = 0
    candidates: list[QueueCandidate] = field(default_factory=list)
    model: NewModelVersion | None = None
    #: Item ids of the stopping signal's fixed stop set, kept in the project's
    #: settings the first time a model is trained.
    stop_set: list[int] | None = None
    #: Whether there is anything to write (a project without items has not).
    empty: bool = False
    #: ``time.monotonic()`` when the round started (any process), for the total.
    started: float = 0.0
    #: The mislabel finder's list from the model's out-of-fold probabilities,
    #: replacing the stored one (None: this round judged no labels).
    label_issues: list[FoundLabelIssue] | None = None
    #: The items the model labels itself (``auto_accept``), surest first.
    auto_labels: list[AutoLabel] = field(default_factory=list)


def write_round(store: Store, computed: ComputedRound) -> RoundReport:
    """Store a round: a new query session, its queue (in slices), then its model version.

    Returns the round's report with the session id, model version and the
    number of items queued.
    """
    report = computed.report
    if computed.empty:
        return report
    t = time.perf_counter()
    with store.session(write=True) as session:
        query_session = QuerySession(
            project_id=computed.project_id,
            strategy=computed.strategy,
            pool_size=computed.pool_size,
        )
        session.add(query_session)
        session.flush()
        session_id = query_session.id
    queued = 0
    candidates = computed.candidates
    for start in range(0, len(candidates), SLICE):
        with store.session(write=True) as session:
            queued += put_in_queue(
                session,
                project_id=computed.project_id,
                session_id=session_id,
                candidates=candidates[start : start + SLICE],
            )
        time.sleep(SLICE_PAUSE)
    while True:
        with store.session(write=True) as session:
            dropped = drop_other_sessions(
                session,
                project_id=computed.project_id,
                session_id=session_id,
                limit=SLICE,
            )
        if dropped < SLICE:
            break
        time.sleep(SLICE_PAUSE)
    with store.session(write=True) as session:
        query_session = session.get_one(QuerySession, session_id)
        query_session.n_queued = queued
        if computed.model is not None:
            version = computed.model.as_row(computed.project_id)
            session.add(version)
            session.flush()
            query_session.model_version_id = version.id
            report.model_version, report.cv_score = version.name, version.cv_score
            version_id = version.id
        if computed.stop_set:
            project = session.get(Project, computed.project_id)
            if project is not None and not project.settings.stop_set:
                project.update_settings(stop_set=computed.stop_set)
        if computed.auto_labels:
            # With the model that gave them: a page that sees the new model
            # sees its labels too. At most auto_accept_max rows.
            report.auto_labeled = len(
                write_auto_labels(
                    session,
                    session.get_one(Project, computed.project_id),
                    computed.auto_labels,
                    session_id=session_id,
                    model_version_id=query_session.model_version_id,
                )
            )
    if computed.model is not None and computed.label_issues is not None:
        _write_label_issues(
            store, computed.project_id, computed.label_issues, version_id
        )
    report.queued = queued
    report.session_id = session_id
    seconds = dict(report.seconds)
    seconds["queue"] = time.perf_counter() - t
    if computed.started:
        seconds["total"] = time.monotonic() - computed.started
    report.seconds = {k: round(v, 3) for k, v in seconds.items()}
    return report


def _write_label_issues(
    store: Store, project_id: int, issues: list[FoundLabelIssue], version_id: int
) -> None:
    """Replace the mislabel list in slices, as the queue is written: 5,000 rows
    in one transaction held SQLite's write lock for 0.3-0.5 s. The old list
    goes first (an item is listed once), so for a moment the list is short."""
    while True:
        with store.session(write=True) as session:
            dropped = drop_label_issues(session, project_id, limit=SLICE)
        if dropped < SLICE:
            break
        time.sleep(SLICE_PAUSE)
    for start in range(0, len(issues), SLICE):
        with store.session(write=True) as session:
            add_label_issues(
                session,
                project_id,
                issues[start : start + SLICE],
                model_version_id=version_id,
            )
        time.sleep(SLICE_PAUSE)
