"""The Python API: one labeling project, from a notebook or a script.

:class:`Project` is a facade over the store, the importer, the export and the
training round: the same functions the command line and the server call, so a
notebook and the labeling page share one project (its queue, its leases, its
labels) without stepping on each other.

Modules: ``_facade`` (the class), ``_labeling`` (leased items, annotators,
item ids), ``_frames`` (the DataFrames) and ``_opening`` (the database).

Examples
--------
>>> import activelabel
>>> project = activelabel.Project.create(
...     "sqlite:///labels.db", "sms", task="classification", labels=["ham", "spam"]
... )
>>> project.import_file("examples/sms_spam.csv", text_column="text",
...                     id_column="id", label_column="label")
>>> for item in project.next_items(5, annotator="alice"):
...     project.label(item, "ham", annotator="alice")
>>> project.run_round().model_version
'20261202T171911Z-cv0.925'
"""

from __future__ import annotations

from activelabel.project._facade import Project
from activelabel.project._labeling import DEFAULT_ANNOTATOR, LeasedItem
from activelabel.project._opening import Database

__all__ = ["DEFAULT_ANNOTATOR", "Database", "LeasedItem", "Project"]
