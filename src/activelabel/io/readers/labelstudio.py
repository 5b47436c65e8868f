"""Label Studio's JSON export of span tasks: texts, their spans, a model's spans.

The export is a JSON array of tasks (read one task at a time)::

    [{"id": 1, "data": {"text": "Alice flew to Paris"},
      "annotations": [{"result": [{"type": "labels", "value":
          {"start": 0, "end": 5, "text": "Alice", "labels": ["PER"]}}]}],
      "predictions": [{"model_version": "ner-v1", "score": 0.8, "result": [...]}]}]

Each task becomes a row of its ``data`` fields (and ``external_id``, its id,
when ``meta.external_id`` gives one), with ``spans`` (the label
column) from its last annotation that was not cancelled, and ``predictions``
(``{"model_name", "value", "score"}``) from its last prediction, imported as
pre-annotations. A result with several labels gives a span per label (which
the project then refuses as overlapping). Results of other types (choices,
relations) are not spans and are left out; the import's report counts them.
A result whose ``text`` is not the task's text at its offsets is refused:
the offsets would label the wrong characters.

An image project reads the same export's rectangles instead
(:mod:`activelabel.io.readers.labelstudio_boxes`, the format's ``boxes``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from activelabel.exceptions import ImportFormatError, InvalidLabelError
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.json_array import _iter_json_array
from activelabel.io.readers.labelstudio_boxes import (
    last_entry,
    read_labelstudio_boxes,
)
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions

__all__ = ["EXTERNAL_ID", "FORMAT", "PREDICTIONS", "read_labelstudio", "result_spans"]

#: The column a task's prediction is put in.
PREDICTIONS = "predictions"

#: The column of a task's ``meta.external_id`` (activelabel's own export
#: writes it): the item's id, so a round trip keeps ids.
EXTERNAL_ID = "external_id"


def result_spans(
    result: Any, text: Any, where: str
) -> tuple[list[dict[str, Any]], int]:
    """The spans of one annotation's (or prediction's) ``result`` list, and how
    many results were of another type."""
    if not isinstance(result, list):
        raise ImportFormatError(f"{where}: 'result' must be a list, got {result!r}.")
    spans: list[dict[str, Any]] = []
    other = 0
    for number, entry in enumerate(result, start=1):
        spot = f"{where}, result {number}"
        if not isinstance(entry, dict):
            raise ImportFormatError(f"{spot}: expected an object, got {entry!r}.")
        if entry.get("type", "labels") != "labels":
            other += 1
            continue
        value = entry.get("value")
        if not isinstance(value, dict):
            raise ImportFormatError(f"{spot}: 'value' must be an object.")
        start, end, labels = value.get("start"), value.get("end"), value.get("labels")
        if not isinstance(labels, list) or not labels:
            raise InvalidLabelError(
                f"{spot}: 'labels' must be a list of labels, got {labels!r}."
            )
        shown = value.get("text")
        if (
            isinstance(text, str)
            and isinstance(shown, str)
            and isinstance(start, int)
            and isinstance(end, int)
            and text[start:end] != shown
        ):
            raise InvalidLabelError(
                f"{spot}: the span {start}–{end} says it covers {shown!r}, but the "
                f"task's text there is {text[start:end]!r}; the offsets do not "
                "match the text."
            )
        spans.extend({"start": start, "end": end, "label": label} for label in labels)
    return spans, other


def _task_row(task: Any, where: str, counts: dict[str, int]) -> dict[str, Any]:
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise ImportFormatError(
            f"{where}: a Label Studio task is an object with a 'data' object "
            "holding its text."
        )
    row: dict[str, Any] = {}
    meta = task.get("meta")
    if isinstance(meta, dict) and meta.get("external_id") is not None:
        row[EXTERNAL_ID] = str(meta["external_id"])
    row.update(task["data"])
    text = row.get("text")
    annotation = last_entry(
        task.get("annotations", task.get("completions")), skip_cancelled=True
    )
    if annotation is not None:
        spans, other = result_spans(annotation.get("result", []), text, where)
        row["spans"] = spans
        counts["other"] += other
    prediction = last_entry(task.get("predictions"), skip_cancelled=False)
    if prediction is not None:
        spans, other = result_spans(
            prediction.get("result", []), text, f"{where}, prediction"
        )
        counts["other"] += other
        score = prediction.get("score")
        row[PREDICTIONS] = {
            "model_name": prediction.get("model_version") or None,
            "value": spans,
            "score": float(score) if isinstance(score, int | float) else None,
        }
    return row


def read_labelstudio(o: ReadOptions) -> Iterator[Batch]:
    """Batches of task rows of a Label Studio JSON export."""
    consumed = 0
    place = ""
    counts = {"other": 0}

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal consumed, place
        for index, task, position in _iter_json_array(
            o.path, o.encoding, o.max_field_bytes
        ):
            consumed = position
            task_id = task.get("id") if isinstance(task, dict) else None
            place = f"task {index + 1}" + (
                f" (id {task_id})" if task_id is not None else ""
            )
            yield _task_row(task, f"{o.path}, {place}", counts)
        if counts["other"]:
            other = counts["other"]
            o.notes.append(
                f"{o.path}: {other:,} "
                + (
                    "result that is not a span"
                    if other == 1
                    else "results that are not spans"
                )
                + " (choices, relations, ...) "
                + ("was" if other == 1 else "were")
                + " left out."
            )

    return batched(rows(), o.batch_size, lambda: consumed, lambda: place)


FORMAT = ReaderFormat(
    "labelstudio",
    (),
    read_labelstudio,
    label_column="spans",
    prediction_column=PREDICTIONS,
    id_column=EXTERNAL_ID,
    boxes=read_labelstudio_boxes,
)
