"""activelabel: ML-assisted data labeling with active learning.

What a notebook or a script imports: the :class:`Project` facade,
:func:`label` (a DataFrame to a labeling widget, with the notebook extra), the
:func:`labeling_function` decorator of Python labeling functions, the
version, and the exception tree (every error activelabel raises on purpose is
an :class:`ActiveLabelError`).

Examples
--------
>>> import activelabel
>>> project = activelabel.Project.create(
...     "sqlite:///labels.db", "sms", task="classification", labels=["ham", "spam"]
... )
>>> try:
...     activelabel.Project.open("sqlite:///labels.db", "smss")
... except activelabel.ProjectNotFoundError as error:
...     print(error)
No project named 'smss'. Did you mean 'sms'? Known projects: sms.

Importing this package is light: :class:`Project` (and with it the store) is
imported on first use, and pandas and scikit-learn only when a method needs
them, so ``import activelabel.<module>`` in a worker process or the CLI pays
for nothing here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from activelabel.__about__ import __version__
from activelabel.exceptions import (
    ActiveLabelError,
    ColumnNotFoundError,
    ConfigError,
    DatabaseError,
    DatabaseUnavailableError,
    DuplicateIdError,
    EncodingError,
    ExportError,
    FieldTooLargeError,
    ImportFormatError,
    InvalidLabelError,
    ItemLeasedError,
    ItemNotFoundError,
    MediaError,
    MissingDriverError,
    NotFoundError,
    PermissionDeniedError,
    ProjectExistsError,
    ProjectNotFoundError,
    UserNotFoundError,
)
from activelabel.lazy_names import lazy_names

if TYPE_CHECKING:
    from activelabel.notebook import label
    from activelabel.project import LeasedItem, Project
    from activelabel.weak.python_functions import labeling_function

__all__ = [
    "ActiveLabelError",
    "ColumnNotFoundError",
    "ConfigError",
    "DatabaseError",
    "DatabaseUnavailableError",
    "DuplicateIdError",
    "EncodingError",
    "ExportError",
    "FieldTooLargeError",
    "ImportFormatError",
    "InvalidLabelError",
    "ItemLeasedError",
    "ItemNotFoundError",
    "LeasedItem",
    "MediaError",
    "MissingDriverError",
    "NotFoundError",
    "PermissionDeniedError",
    "Project",
    "ProjectExistsError",
    "ProjectNotFoundError",
    "UserNotFoundError",
    "__version__",
    "label",
    "labeling_function",
]

#: Names imported on first use, and the module each comes from.
_LAZY = {
    "LeasedItem": "activelabel.project",
    "Project": "activelabel.project",
    # The notebook widget: anywidget (the notebook extra) is imported on first use.
    "label": "activelabel.notebook",
    "labeling_function": "activelabel.weak.python_functions",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)
