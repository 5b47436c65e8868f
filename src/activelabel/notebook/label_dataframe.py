"""``activelabel.label(df, labels=[...])``: a DataFrame to a labeling widget in one call.

The rows go through the importer like a file's (the same checks, the same
stable ids, one transaction), so running the cell again adds nothing twice
and reopens the project where it was left.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from activelabel.exceptions import ActiveLabelError, ConfigError
from activelabel.notebook.widget import LabelWidget
from activelabel.project import Project
from activelabel.project._opening import Database
from activelabel.tasks import DEFAULT_TASK, Modality, TaskKind

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_DB", "DEFAULT_PROJECT", "label"]

#: Where :func:`label` keeps the labels when no database is named: a SQLite
#: file in the notebook's folder.
DEFAULT_DB = "labels.db"
DEFAULT_PROJECT = "notebook"


def label(
    df: pd.DataFrame,
    *,
    labels: str | Sequence[str],
    db: Database = DEFAULT_DB,
    name: str = DEFAULT_PROJECT,
    task: TaskKind | str = DEFAULT_TASK,
    text_column: str | None = None,
    id_column: str | None = None,
    label_column: str | None = None,
    modality: Modality | str | None = None,
    media_column: str | None = None,
    media_root: str | Path | None = None,
    unknown_labels: Literal["refuse", "drop", "add"] = "refuse",
    annotator: str | None = None,
    retrain: bool = True,
    **settings: Any,
) -> LabelWidget:
    """Label the rows of ``df`` in a notebook widget; return the widget.

    Creates project ``name`` in ``db`` (a SQLite file path or a database URL;
    opened again when the cell runs again with the same labels), imports the
    rows and shows the next one. ``text_column`` is the text to label (by
    default a column named ``text``, else the only text column); with
    ``modality="tabular"`` every column is a feature; ``media_column`` names
    image or audio files under ``media_root``. ``id_column`` gives stable ids
    (default: a hash of the row), ``label_column`` labels already known
    (``unknown_labels``: ``"refuse"`` one the project lacks, ``"drop"`` it or
    ``"add"`` it to the labels). A bad cell is refused naming its row's index,
    and nothing is imported.
    ``settings`` are project settings (``retrain_every=20``…). The widget
    labels as ``annotator`` (default: the computer's user name);
    ``widget.close()`` also closes the project (``widget.project``).

    Examples
    --------
    >>> import pandas as pd, activelabel
    >>> df = pd.read_csv("sms.tsv", sep="\\t", names=["label", "text"])
    >>> activelabel.label(df[["text"]], labels=["ham", "spam"])
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ConfigError(
            f"activelabel.label takes a pandas DataFrame, got {type(df).__name__}."
        )
    if df.empty:
        raise ConfigError("The DataFrame has no rows to label.")
    kind = modality or _modality_of(media_column)
    column = text_column
    if kind == Modality.TEXT and column is None:
        column = _text_column(df)
    project = Project.create(
        db,
        name,
        labels=labels,
        task=task,
        modality=kind,
        exist_ok=True,
        **settings,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="activelabel-") as folder:
            # JSON Lines keeps every cell as its JSON value (text stays text,
            # a missing value is null) and names the row of a bad one.
            path = Path(folder) / "dataframe.jsonl"
            df.to_json(
                path, orient="records", lines=True, date_format="iso", force_ascii=False
            )
            features = [
                c for c in map(str, df.columns) if c not in (id_column, label_column)
            ]
            try:
                project.import_file(
                    path,
                    text_column=column,
                    id_column=id_column,
                    label_column=label_column,
                    media_column=media_column,
                    media_root=media_root,
                    feature_columns=features if kind == Modality.TABULAR else None,
                    unknown_labels=unknown_labels,
                )
            except ActiveLabelError as error:
                raise _about_the_dataframe(error, path, df) from None
        return LabelWidget(
            project, annotator=annotator, retrain=retrain, close_project=True
        )
    except BaseException:
        project.close()
        raise


def _about_the_dataframe(
    error: ActiveLabelError, path: Path, df: pd.DataFrame
) -> ActiveLabelError:
    """The importer's sentence about the file the rows were written to, told
    about the DataFrame: its row's index instead of a line of a temporary
    file, and the keyword arguments instead of the command line's options."""

    def row(match: re.Match[str]) -> str:
        line = int(match.group(1))
        index = df.index[line - 1] if 0 < line <= len(df) else line
        return f"The DataFrame's row at index {index}"

    message = str(error).replace(f"{path}, ", f"{path} ")
    message = re.sub(rf"{re.escape(str(path))} line (\d+)", row, message)
    message = message.replace(str(path), "The DataFrame")
    message = re.sub(r"--unknown-labels (\w+)", r"unknown_labels='\1'", message)
    message = re.sub(
        r"--([a-z]+(?:-[a-z]+)*)", lambda m: m.group(1).replace("-", "_"), message
    )
    try:
        return type(error)(message)
    except TypeError:  # an error class that needs more than a sentence
        return error


def _modality_of(media_column: str | None) -> str:
    """Text, unless rows name media files (their kind comes from the import)."""
    return Modality.TEXT if media_column is None else Modality.IMAGE


def _text_column(df: pd.DataFrame) -> str:
    """The column to label of a text DataFrame: ``text``, else its only text column."""
    names = [str(c) for c in df.columns]
    if "text" in names:
        return "text"
    from pandas.api.types import is_object_dtype, is_string_dtype

    texts = [
        str(c)
        for c in df.columns
        if is_string_dtype(df[c].dtype) or is_object_dtype(df[c].dtype)
    ]
    if len(texts) == 1:
        return texts[0]
    raise ConfigError(
        "Which column is the text to label? The DataFrame has "
        f"{'no text column' if not texts else 'several: ' + ', '.join(texts)}; "
        "pass text_column=… (columns: " + ", ".join(names) + ")."
    )
