"""The facade's DataFrames: a project's figures, and its exports read back.

pandas is imported inside the functions: the facade is imported by code that
never asks for a frame.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from activelabel.store.stats import ProjectStats

if TYPE_CHECKING:
    import pandas as pd

    from activelabel.io.export import ExportReport
    from activelabel.store.model_versions import ModelPoint

__all__ = ["export_frame", "learning_curve_frame", "stats_frame"]


def stats_frame(figures: ProjectStats) -> pd.DataFrame:
    """A project's figures as one row indexed by its name.

    The scalar figures are columns under their own names; the counts of active
    annotations are one column each, per label (``label:ham``), per source
    (``source:import``) and per annotator (``annotator:alice``): the prefix
    keeps a label named like a figure apart from it.
    """
    import pandas as pd

    row: dict[str, Any] = {
        "task": figures.task,
        "modality": figures.modality,
        "items": figures.items,
        "labeled_items": figures.labeled_items,
        "unlabeled_items": figures.unlabeled_items,
        "annotations": figures.annotations,
        "model_versions": figures.model_versions,
        "latest_model": figures.latest_model,
        "latest_cv_score": figures.latest_cv_score,
        "latest_macro_f1": figures.latest_macro_f1,
        "queue_size": figures.queue_size,
    }
    for prefix, counts in (
        ("label", figures.label_counts),
        ("source", figures.by_source),
        ("annotator", figures.by_annotator),
    ):
        row.update({f"{prefix}:{key}": n for key, n in counts.items()})
    return pd.DataFrame([row], index=pd.Index([figures.name], name="project"))


def export_frame(write: Callable[[Path], ExportReport]) -> pd.DataFrame:
    """What ``write`` exports to a JSON Lines file, read back as a DataFrame.

    The export is the one definition of a project's datasets; reading its
    JSON Lines keeps every value as stored (lists stay lists).
    """
    import pandas as pd

    with tempfile.TemporaryDirectory(prefix="activelabel-") as folder:
        path = Path(folder) / "export.jsonl"
        report = write(path)
        if report.rows == 0:
            return pd.DataFrame()
        # Read with json, not pandas' reader: values stay as stored (an id
        # "0042" stays text, a timestamp stays its ISO string) whatever the
        # pandas version guesses.
        with path.open(encoding="utf-8") as lines:
            return pd.DataFrame([json.loads(line) for line in lines])


def learning_curve_frame(points: Sequence[ModelPoint]) -> pd.DataFrame:
    """One row per model version, oldest first: ``model`` (its name),
    ``n_labels``, ``cv_score``, ``macro_f1`` and ``created_at`` (UTC)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "model": [p.name for p in points],
            "n_labels": pd.Series([p.n_labels for p in points], dtype="int64"),
            "cv_score": pd.Series([p.cv_score for p in points], dtype="float64"),
            "macro_f1": pd.Series(
                [(p.metrics or {}).get("macro_f1") for p in points], dtype="float64"
            ),
            "created_at": pd.to_datetime([p.created_at for p in points], utc=True),
        }
    )
