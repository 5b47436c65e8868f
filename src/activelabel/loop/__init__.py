"""The training round in one place: labels, features, model, stopping, queue.

A round reads a project's items and their training labels from the store,
featurizes them (cached on disk), trains a model when the labels allow it,
records the stopping signal, scores the pool with the project's strategy, and
writes a new queue with the model's suggestions::

    from activelabel.loop import run_round
    report = run_round(store, project_id, queue_size=500)

The server runs rounds in the background (:class:`BackgroundTrainer`), in a
worker process (:mod:`activelabel.loop.worker`), and writes what they computed
itself (:func:`write_round`).

The names that need the model stack (scikit-learn, pandas) are imported on
first use: the server imports the trainer, and must not load what only its
worker process runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from activelabel.lazy_names import lazy_names

if TYPE_CHECKING:
    from activelabel.loop.featurizers import make_featurizer
    from activelabel.loop.round import compute_round, run_round
    from activelabel.loop.trainer import BackgroundTrainer, notify_trainer
    from activelabel.loop.training_labels import training_label, training_labels
    from activelabel.loop.write import (
        ComputedRound,
        NewModelVersion,
        RoundReport,
        write_round,
    )

__all__ = [
    "BackgroundTrainer",
    "ComputedRound",
    "NewModelVersion",
    "RoundReport",
    "compute_round",
    "make_featurizer",
    "notify_trainer",
    "run_round",
    "training_label",
    "training_labels",
    "write_round",
]

#: Where each public name lives.
_HOMES = {
    "BackgroundTrainer": "activelabel.loop.trainer",
    "ComputedRound": "activelabel.loop.write",
    "NewModelVersion": "activelabel.loop.write",
    "RoundReport": "activelabel.loop.write",
    "compute_round": "activelabel.loop.round",
    "make_featurizer": "activelabel.loop.featurizers",
    "notify_trainer": "activelabel.loop.trainer",
    "run_round": "activelabel.loop.round",
    "training_label": "activelabel.loop.training_labels",
    "training_labels": "activelabel.loop.training_labels",
    "write_round": "activelabel.loop.write",
}


__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
