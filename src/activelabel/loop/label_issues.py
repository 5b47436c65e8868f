"""Likely mislabeled items of a stored project, from out-of-fold probabilities.

Two ways in, one finder (:mod:`activelabel.quality.label_issues`):

* the round: its cross-validation already made out-of-fold probabilities
  (:attr:`~activelabel.ml.training.TrainedModel.oof_proba`), so
  :func:`round_label_issues` only ranks them (in the worker, while people
  label) and the round writes the list with its model version;
* ``activelabel label-issues`` on a project no round has judged:
  :func:`find_project_label_issues` reads the labels, featurizes (cached) and
  cross-validates itself, then stores the list the same way.

With overlap (items labeled by several people), CROWDLAB's quality score of
each annotator is recorded in the model version's metrics
(``annotators``: name -> quality, agreement with the consensus, labels),
where the export's metadata and ``label-issues --annotators`` read it.

Only models that give each item class probabilities (feature-row families:
classification and multilabel) have a finder; a span or box project gets a
sentence saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.loop.featurizers import feature_cache_dir, make_featurizer
from activelabel.loop.inputs import featurizer_inputs
from activelabel.loop.round_start import read_round_inputs
from activelabel.ml.feature_cache import FeatureCache
from activelabel.ml.model_families import family_input, train_family
from activelabel.ml.training import TrainedModel
from activelabel.quality.label_issues import crowd_consensus, find_label_issues
from activelabel.store.engine import Store
from activelabel.store.label_issues import (
    FoundLabelIssue,
    StoredLabelIssue,
    annotator_labels,
    read_label_issues,
    replace_label_issues,
)
from activelabel.store.model_versions import latest_model_version
from activelabel.store.models import LabelIssue
from activelabel.store.projects import get_project
from activelabel.tasks import TaskAdapter, adapter_for

__all__ = [
    "LabelIssuesReport",
    "find_project_label_issues",
    "no_finder_reason",
    "project_label_issues",
    "round_label_issues",
]

#: Steps :func:`find_project_label_issues` reports progress over.
_STEPS = 4


@dataclass
class LabelIssuesReport:
    """A project's likely mislabeled items and, with overlap, its annotators."""

    project: str
    issues: list[StoredLabelIssue] = field(default_factory=list)
    #: Whether this call computed the list (no round had), or read a round's.
    computed: bool = False
    model_version: str | None = None
    #: CROWDLAB per annotator: quality, agreement with the consensus, labels.
    annotators: dict[str, dict[str, float]] = field(default_factory=dict)
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "project": self.project,
            "computed": self.computed,
            "model_version": self.model_version,
            "note": self.note,
            "issues": [
                {
                    "rank": i.rank,
                    "item_id": i.item_id,
                    "external_id": i.external_id,
                    "text": i.text,
                    "given": i.given,
                    "suggested": i.suggested,
                    "quality": round(i.quality, 6),
                }
                for i in self.issues
            ],
            "annotators": self.annotators,
        }


def no_finder_reason(adapter: TaskAdapter) -> str | None:
    """Why a task kind has no mislabel finder (None: it has one)."""
    family = adapter.model_family
    if family is not None and family_input(family) == "feature_rows":
        return None
    return (
        f"A {adapter.kind.value} project has no mislabel finder: it ranks "
        "labels by each item's class probabilities, and a "
        f"{adapter.kind.value} model gives none per item (its labels are "
        "placed in the item, not one answer for the whole item)."
    )


def round_label_issues(
    store: Store,
    project_id: int,
    trained: TrainedModel,
    item_ids: Sequence[int],
    y: Sequence[Any],
) -> list[FoundLabelIssue] | None:
    """The round's list from its model's out-of-fold probabilities (None: the
    model has none, e.g. too few labels to cross-validate).

    ``item_ids[i]`` was trained with label ``y[i]``. With overlap, CROWDLAB's
    annotator figures go into ``trained.metrics["annotators"]``.
    """
    if trained.oof_proba is None:
        return None
    found = find_label_issues(
        y, trained.oof_proba, trained.classes, multilabel=trained.multilabel
    )
    trained.metrics["label_issues"] = len(found.positions)
    if not trained.multilabel:
        figures = _annotator_figures(store, project_id, trained, item_ids)
        if figures:
            trained.metrics["annotators"] = figures
    return [
        FoundLabelIssue(
            item_id=int(item_ids[int(p)]),
            rank=rank,
            quality=float(q),
            given=y[int(p)],
            suggested=s,
        )
        for rank, (p, q, s) in enumerate(
            zip(found.positions, found.quality, found.suggested, strict=True), start=1
        )
    ]


def _annotator_figures(
    store: Store, project_id: int, trained: TrainedModel, item_ids: Sequence[int]
) -> dict[str, dict[str, float]]:
    """CROWDLAB per annotator over the items two or more people labeled."""
    assert trained.oof_proba is not None
    with store.session() as session:
        names, by_item = annotator_labels(session, project_id)
    position = {int(i): k for k, i in enumerate(item_ids)}
    held = np.asarray(~np.isnan(trained.oof_proba).any(axis=1), dtype=bool)
    rows = [
        i
        for i, given in by_item.items()
        if i in position and held[position[i]] and given
    ]
    if not any(len(by_item[i]) >= 2 for i in rows):
        return {}
    classes = set(trained.classes)
    labels = [
        [by_item[i].get(n) if by_item[i].get(n) in classes else None for n in names]
        for i in rows
    ]
    try:
        consensus = crowd_consensus(
            labels,
            trained.oof_proba[[position[i] for i in rows]],
            trained.classes,
            names,
        )
    except (InvalidLabelError, ValueError):
        # cleanlab refuses some shapes (an annotator whose every label is of a
        # class the model never held out); the round goes on without figures.
        return {}
    return {
        name: {
            "quality": round(consensus.annotator_quality[name], 6),
            "agreement": round(consensus.annotator_agreement[name], 6),
            "labels": consensus.annotator_labels[name],
        }
        for name in consensus.annotator_quality
    }


def project_label_issues(
    store: Store,
    name: str,
    *,
    recompute: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LabelIssuesReport:
    """The project's list as the last round stored it; computed and stored here
    when no round has (or ``recompute``). Raises :class:`ConfigError` with a
    sentence for a task kind without a finder."""
    with store.session() as session:
        project = get_project(session, name)
        reason = no_finder_reason(adapter_for(project.task))
        if reason is not None:
            raise ConfigError(reason)
        project_id = project.id
        judged = session.scalar(
            select(LabelIssue.id).where(LabelIssue.project_id == project_id).limit(1)
        )
        latest = latest_model_version(session, project_id=project_id)
        # A round that found nothing stored no row, but its model says it looked.
        has_list = judged is not None or (
            latest is not None and "label_issues" in (latest.metrics or {})
        )
    if recompute or not has_list:
        return find_project_label_issues(store, name, progress=progress)
    return _stored_report(store, name, computed=False)


def _stored_report(store: Store, name: str, *, computed: bool) -> LabelIssuesReport:
    with store.session() as session:
        project = get_project(session, name)
        text_field = (
            project.settings.text_column if project.modality == "text" else None
        )
        issues = read_label_issues(session, project.id, text_field=text_field)
        latest = latest_model_version(session, project_id=project.id)
        metrics = (latest.metrics or {}) if latest is not None else {}
    report = LabelIssuesReport(project=name, issues=issues, computed=computed)
    report.model_version = issues[0].model_version if issues else None
    annotators = metrics.get("annotators")
    if isinstance(annotators, dict):
        report.annotators = annotators
    if not issues:
        report.note = "The finder flags no label as likely wrong."
    return report


def find_project_label_issues(
    store: Store,
    name: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> LabelIssuesReport:
    """Cross-validate the project's labels, find the likely wrong ones, store
    the list (replacing any), and report it."""

    def step(done: int) -> None:
        if progress is not None:
            progress(done, _STEPS)

    with store.session() as session:
        project_id = get_project(session, name).id
    inputs = read_round_inputs(store, project_id)
    project, rows, labels = inputs.project, inputs.rows, inputs.labels
    adapter = adapter_for(project.task)
    reason = no_finder_reason(adapter)
    if reason is not None:
        raise ConfigError(reason)
    step(1)
    positions = [k for k, row in enumerate(rows) if int(row[0]) in labels]
    y = [labels[int(rows[k][0])] for k in positions]
    if adapter.model_family is None or not adapter.can_train(y):
        return LabelIssuesReport(
            project=name,
            computed=True,
            note=(
                f"{len(y)} items are labeled; the finder needs labels a model can "
                "learn from (at least two classes) to judge them."
            ),
        )
    featurizer = make_featurizer(
        project.modality, project.settings.featurizer, pool_size=len(rows)
    )
    X, featurizer = FeatureCache(feature_cache_dir(store, None)).get_or_compute(
        featurizer,
        lambda: featurizer_inputs(store, project, rows),
        [r[1] for r in rows],
    )
    step(2)
    trained = train_family(adapter.model_family, X[positions], y)
    step(3)
    item_ids = [int(rows[k][0]) for k in positions]
    found = round_label_issues(store, project_id, trained, item_ids, y)
    with store.session(write=True) as session:
        replace_label_issues(session, project_id, found or [], model_version_id=None)
    step(4)
    report = _stored_report(store, name, computed=True)
    report.annotators = dict(trained.metrics.get("annotators", {}))
    if found is None:
        report.note = (
            f"{trained.cv_note} Without held-out labels the finder cannot judge them."
        )
    return report
