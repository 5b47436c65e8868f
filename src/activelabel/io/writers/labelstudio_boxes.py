"""Label Studio tasks of an image project: the image and its rectangle labels.

Label Studio imports them into a project whose labeling config names the
image ``image`` and the labels ``label``::

    <View>
      <Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image">
        <Label value="cat"/><Label value="dog"/>
      </RectangleLabels>
    </View>

Each task is::

    {"data": {"image": "pets/001.jpg"},
     "annotations": [{"result": [{"id": "b0", "from_name": "label",
        "to_name": "image", "type": "rectanglelabels",
        "original_width": 640, "original_height": 480, "image_rotation": 0,
        "value": {"x": 10.0, "y": 20.0, "width": 20.0, "height": 40.0,
                  "rotation": 0, "rectanglelabels": ["cat"]}}],
        "was_cancelled": false, "ground_truth": false}],
     "meta": {"external_id": "pets/001.jpg"}}

``x``, ``y``, ``width`` and ``height`` are the box's top-left corner and size
in percent of the image's size (Label Studio's unit), unrounded. ``image`` is
the image's path as the import stored it (relative to the folder the images
were imported from): Label Studio shows images from URLs, so point its local
file storage at that folder, or rewrite the prefix. An item nobody has
labeled has no annotation (a task still to label); a labeled image without
boxes has one with an empty ``result``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from activelabel.io.writers.box_items import (
    class_ids,
    class_of,
    item_boxes,
    item_path,
    item_size,
)
from activelabel.io.writers.protocol import ExportedItem

if TYPE_CHECKING:
    from activelabel.store.models import Project

__all__ = ["FROM_NAME", "IMAGE_NAME", "labelstudio_image_task", "rectangle_result"]

#: The ``<RectangleLabels>`` control and the ``<Image>`` object of the
#: labeling config the tasks are written for.
FROM_NAME: Final = "label"
IMAGE_NAME: Final = "image"


def rectangle_result(
    number: int, box: dict[str, Any], width: int, height: int
) -> dict[str, Any]:
    """One box as a Label Studio ``rectanglelabels`` result."""
    return {
        "id": f"b{number}",
        "from_name": FROM_NAME,
        "to_name": IMAGE_NAME,
        "type": "rectanglelabels",
        "original_width": width,
        "original_height": height,
        "image_rotation": 0,
        "value": {
            "x": float(box["x"]) * 100,
            "y": float(box["y"]) * 100,
            "width": float(box["w"]) * 100,
            "height": float(box["h"]) * 100,
            "rotation": 0,
            "rectanglelabels": [box["label"]],
        },
    }


def labelstudio_image_task(project: Project, item: ExportedItem) -> dict[str, Any]:
    """The Label Studio task written for the image ``item``."""
    annotations: list[dict[str, Any]] = []
    if item.labeled:
        width, height = item_size(item)
        ids = class_ids(project.labels)
        result = []
        for number, box in enumerate(item_boxes(item)):
            class_of(ids, box, item)
            result.append(rectangle_result(number, dict(box), width, height))
        annotations.append(
            {"result": result, "was_cancelled": False, "ground_truth": False}
        )
    return {
        "data": {IMAGE_NAME: item_path(item).as_posix()},
        "annotations": annotations,
        "meta": {"external_id": item.external_id},
    }
