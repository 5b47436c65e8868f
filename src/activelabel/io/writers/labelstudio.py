"""Label Studio JSON: a list of tasks, each with its text and spans, or image and boxes.

What a task holds follows the project's modality, as Label Studio's own
labeling configs do: a text item is a ``<Text>`` object labeled with spans
(below), an image item an ``<Image>`` labeled with rectangles
(:mod:`~activelabel.io.writers.labelstudio_boxes`). Which task kinds write
Label Studio JSON at all is their adapters' ``writes``; this module never asks
for the kind.

For text, Label Studio imports the file into a project whose labeling config
names the text ``text`` and the labels ``label``::

    <View>
      <Labels name="label" toName="text">
        <Label value="PER"/><Label value="LOC"/>
      </Labels>
      <Text name="text" value="$text"/>
    </View>

Each task is::

    {"data": {"text": "Tomas Ekwall scored"},
     "annotations": [{"result": [{"id": "s0", "from_name": "label",
        "to_name": "text", "type": "labels",
        "value": {"start": 0, "end": 12, "text": "Tomas Ekwall", "labels": ["PER"]}}],
        "was_cancelled": false, "ground_truth": false}],
     "meta": {"external_id": "s3"}}

A labeled item has one annotation (its final label: the majority vote of
its annotators), with an empty ``result`` when it has no entity; an item
nobody has labeled has no annotation, so it arrives in Label Studio as a task
still to label. ``include_unlabeled=False`` (``--labeled-only``) leaves such
items out. ``meta.external_id`` keeps the item's id (Label Studio's own task ids
are numbers it assigns). In a project that reads each item's language from a
field (``language_column``), ``data`` holds that field too. The tasks are
written one per line, so a large project streams out without being held in
memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from activelabel.exceptions import ConfigError
from activelabel.io.writers.labelstudio_boxes import labelstudio_image_task
from activelabel.io.writers.protocol import ExportedItem, ItemFormat
from activelabel.io.writers.span_items import item_language, item_spans, item_text

if TYPE_CHECKING:
    from activelabel.store.models import Project

__all__ = ["FORMAT", "FROM_NAME", "TASK_BUILDERS", "TO_NAME", "labelstudio_task"]

#: The name of the ``<Labels>`` control and of the ``<Text>`` object in the
#: labeling config the tasks are written for.
FROM_NAME: Final = "label"
TO_NAME: Final = "text"


def labelstudio_task(project: Project, item: ExportedItem) -> dict[str, Any]:
    """The Label Studio task written for ``item``."""
    text = item_text(project, item)
    annotations: list[dict[str, Any]] = []
    if item.labeled:
        result = [
            {
                "id": f"s{number}",
                "from_name": FROM_NAME,
                "to_name": TO_NAME,
                "type": "labels",
                "value": {
                    "start": int(span["start"]),
                    "end": int(span["end"]),
                    "text": text[int(span["start"]) : int(span["end"])],
                    "labels": [span["label"]],
                },
            }
            for number, span in enumerate(item_spans(item))
        ]
        annotations.append(
            {"result": result, "was_cancelled": False, "ground_truth": False}
        )
    return {
        "data": {TO_NAME: text, **item_language(project, item)},
        "annotations": annotations,
        "meta": {"external_id": item.external_id},
    }


#: Builds the Label Studio task of one exported item.
TaskBuilder = Callable[["Project", ExportedItem], dict[str, Any]]

#: The task builder of each modality: the object Label Studio shows the item
#: as (``<Text>`` or ``<Image>``) decides what its labels are written as.
TASK_BUILDERS: Final[dict[str, TaskBuilder]] = {
    "text": labelstudio_task,
    "image": labelstudio_image_task,
}


def _write(project: Project, items: Iterable[ExportedItem], target: Path) -> int:
    build = TASK_BUILDERS.get(project.modality)
    if build is None:
        raise ConfigError(
            f"Label Studio JSON is written for text and image projects; "
            f"{project.name!r} labels {project.modality} items."
        )
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    written = 0
    with target.open("w", encoding="utf-8", newline="\n") as out:
        out.write("[")
        for item in items:
            out.write(",\n" if written else "\n")
            out.write(encode(build(project, item)))
            written += 1
        out.write("\n]\n")
    return written


#: Named with ``--format labelstudio``: ``.json`` alone does not say which JSON.
FORMAT: Final = ItemFormat("labelstudio", "", "application/json", _write)
