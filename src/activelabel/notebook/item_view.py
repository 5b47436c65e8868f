"""What the widget shows of an item: its text, its fields, or its media as a data URL.

The front end gets plain values only: text is put on the page as text (never
as HTML), and a media file travels inside the widget's state as a ``data:``
URL, since a notebook's browser cannot reach files beside the kernel. Media
files are read only from inside the item's media root, as the server serves
them.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

from sqlalchemy import select

from activelabel.exceptions import MediaError
from activelabel.io.media import resolve_inside
from activelabel.project import LeasedItem
from activelabel.store.engine import Store
from activelabel.store.models import Item, MediaRoot

__all__ = ["MAX_MEDIA_BYTES", "item_view"]

#: Largest media file sent to the notebook (its state lives in the browser).
MAX_MEDIA_BYTES = 20 * 1024 * 1024

#: How the front end draws an item, by the project's modality.
_KINDS = {"text": "text", "tabular": "table", "image": "image", "audio": "audio"}


def item_view(
    store: Store,
    item: LeasedItem,
    *,
    modality: str,
    text_column: str | None,
) -> dict[str, Any]:
    """The item as the widget's front end draws it.

    Keys: ``id`` and ``external_id``; ``kind`` (``text``, ``table``,
    ``image``, ``audio``); ``text`` (the text column's value, text projects);
    ``fields`` (``[name, value]`` pairs of the item's other fields, as text);
    ``media`` (a ``data:`` URL, image and audio projects) or ``media_error``
    (a sentence saying why it is missing).
    """
    kind = _KINDS.get(modality, "table")
    text = None
    if kind == "text" and text_column is not None:
        value = item.data.get(text_column)
        text = None if value is None else str(value)
    fields = [
        [str(name), "" if value is None else str(value)]
        for name, value in item.data.items()
        if not (kind == "text" and name == text_column)
    ]
    view: dict[str, Any] = {
        "id": item.id,
        "external_id": item.external_id,
        "kind": kind,
        "text": text,
        "fields": fields,
        "media": None,
        "media_error": None,
    }
    if kind in ("image", "audio") and item.media_path:
        try:
            view["media"] = media_data_url(store, item.id)
        except MediaError as error:
            view["media_error"] = str(error)
    return view


def media_data_url(store: Store, item_id: int) -> str:
    """The item's media file as a ``data:`` URL; :class:`MediaError` when it is
    missing, too large, or outside its media root."""
    with store.session() as session:
        row = session.execute(
            select(Item.media_path, MediaRoot.path)
            .join(MediaRoot, MediaRoot.id == Item.media_root_id)
            .where(Item.id == item_id)
        ).first()
    if row is None or not row[0]:
        raise MediaError(f"Item {item_id} has no media file.")
    path = resolve_inside(Path(row[1]), row[0])
    if not path.is_file():
        raise MediaError(f"The media file of item {item_id} is missing: {row[0]}.")
    size = path.stat().st_size
    if size > MAX_MEDIA_BYTES:
        raise MediaError(
            f"The media file of item {item_id} ({row[0]}) is {size / 2**20:.0f} MiB; "
            f"the notebook shows files up to {MAX_MEDIA_BYTES // 2**20} MiB "
            "(label it in the page: activelabel serve)."
        )
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    payload = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{media_type};base64,{payload}"
