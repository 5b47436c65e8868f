"""A project's agreement: its annotators' labels read from the store, measured.

The measure family is the task adapter's (``adapter.agreement``); the
figures are :mod:`activelabel.quality.agreement`'s, with annotators named.
Only items at least two annotators labeled count, which with ``overlap`` 1
is none: the figures then say so (``items`` 0) rather than fail.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from activelabel.quality.agreement import Agreement, measure_agreement
from activelabel.store.agreement_data import human_labels
from activelabel.store.engine import Store
from activelabel.store.models import Project
from activelabel.store.projects import get_project
from activelabel.tasks import adapter_for

__all__ = ["ProjectAgreement", "agreement_of", "measure_project_agreement"]


@dataclass(frozen=True)
class ProjectAgreement:
    """A project's agreement figures, its annotators named."""

    project: str
    task: str
    #: Annotators who gave at least one label.
    annotators: int
    #: Every active human label of the project.
    labels_given: int
    figures: Agreement
    #: Rater index (as in ``figures``) -> annotator name.
    names: list[str]
    #: Rater index -> annotator (user) id.
    ids: list[int]

    def figure_by_annotator_id(self) -> dict[int, float]:
        """Each annotator's one figure against the others, by user id: Cohen's
        κ (categorical measures) or F1 (spans, boxes); absent when undefined."""
        found = {}
        for r in self.figures.raters:
            value = r.kappa if r.kappa is not None else r.f1
            if value is not None:
                found[self.ids[r.rater]] = value
        return found

    def per_annotator(self) -> dict[str, dict[str, Any]]:
        """Each annotator's figures against the others, by name."""
        return {
            self.names[r.rater]: {
                "items": r.items,
                "observed": r.observed,
                "kappa": r.kappa,
                "f1": r.f1,
            }
            for r in self.figures.raters
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the figures with annotator names instead of indices."""
        f = self.figures
        return {
            "project": self.project,
            "task": self.task,
            "measure": f.measure,
            "annotators": self.annotators,
            "labels_given": self.labels_given,
            "items": f.items,
            "ratings": f.ratings,
            "observed": f.observed,
            "fleiss_kappa": f.fleiss_kappa,
            "krippendorff_alpha": f.krippendorff_alpha,
            "mean_pair_kappa": f.mean_pair_kappa,
            "mean_pair_f1": f.mean_pair_f1,
            "pairs": [
                {
                    "a": self.names[p.a],
                    "b": self.names[p.b],
                    "items": p.items,
                    "observed": p.observed,
                    "kappa": p.kappa,
                    "f1": p.f1,
                }
                for p in f.pairs
            ],
            "labels": [asdict(label) for label in f.labels],
            "per_annotator": [
                {"annotator": name, **figures}
                for name, figures in self.per_annotator().items()
            ],
        }


def agreement_of(session: Any, project: Project) -> ProjectAgreement:
    """Measure ``project``'s agreement inside ``session`` (reads only)."""
    rows = human_labels(session, project.id)
    annotator_ids = np.frombuffer(rows.annotator_ids, dtype=np.int64)
    ids, raters = np.unique(annotator_ids, return_inverse=True)
    figures = measure_agreement(
        adapter_for(project.task).agreement,
        np.frombuffer(rows.item_ids, dtype=np.int64),
        raters,
        rows.values,
        list(project.labels),
    )
    return ProjectAgreement(
        project=project.name,
        task=project.task,
        annotators=int(ids.size),
        labels_given=len(rows.values),
        figures=figures,
        names=[rows.names.get(int(i), f"user {i}") for i in ids],
        ids=[int(i) for i in ids],
    )


def measure_project_agreement(store: Store, project_name: str) -> ProjectAgreement:
    """Every agreement figure of the project ``project_name`` (one read
    transaction); raises ``ProjectNotFoundError`` for an unknown name."""
    with store.session() as session:
        return agreement_of(session, get_project(session, project_name))
