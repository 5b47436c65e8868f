"""Label from a notebook: a widget over the same store and model loop as the page.

``pip install "activelabel[notebook]"``, then in a cell::

    import activelabel
    activelabel.label(df, labels=["ham", "spam"])

or, for a project that exists, ``project.widget()``. Modules: ``widget``
(:class:`LabelWidget`, the kernel's side; ``widget.js`` and ``widget.css``
are its front end), ``item_view`` (what it shows of an item) and
``label_dataframe`` (:func:`label`). anywidget is imported with this package,
never by ``import activelabel``.
"""

from __future__ import annotations

from activelabel.notebook.label_dataframe import label
from activelabel.notebook.widget import LabelWidget, default_annotator

__all__ = ["LabelWidget", "default_annotator", "label"]
