"""What the labels dataset says of each item: its fields, media path and final label.

:func:`labeled_chunks` reads the project's items a chunk at a time with their
active annotations and decides each item's final label (:func:`final_label`);
:func:`label_rows` lays a chunk out as table rows for the row formats, and
:func:`exported_items` streams the same items as
:class:`~activelabel.io.writers.ExportedItem` for the item formats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from activelabel.io.export_queries import (
    active_values,
    count,
    decode,
    item_chunks,
    media_roots,
    newest_reviews,
    weak_values,
)
from activelabel.io.writers import MISSING, ExportedItem
from activelabel.store.final_labels import decide_label, review_state
from activelabel.store.models import Item, Project

__all__ = [
    "MEDIA_MODALITIES",
    "FinalLabel",
    "LabeledItem",
    "exported_items",
    "final_label",
    "label_rows",
    "labeled_chunks",
]

#: Modalities whose items are files: their export has a ``media_path`` column.
MEDIA_MODALITIES: Final = frozenset({"image", "audio"})

#: label, n_annotators, agreement, label_source, status, decided_by, conflict,
#: review_status and reviewer of one item: the last columns of its row in the
#: labels dataset.
FinalLabel = tuple[
    Any, int, float | None, str | None, str, str | None, bool, str, str | None
]

#: An item's newest review: decision, reviewer's name, relabeled since.
ItemReview = tuple[str, str | None, bool]

#: One item as :func:`labeled_chunks` yields it: external id, original fields,
#: media file's full path (``None`` outside media projects), final label, and
#: the media file's path relative to its media root.
LabeledItem = tuple[str, dict[str, Any], str | None, FinalLabel, str | None]


def final_label(
    active: list[tuple[Any, str]] | None, review: ItemReview | None = None
) -> FinalLabel:
    """An item's final label from its active (value, source) annotations and
    its newest review (:mod:`activelabel.store.final_labels` decides).

    The label is a reviewer's correction, else the majority vote (ties go to
    the earliest); ``agreement`` is the share of active annotations equal to
    the majority's value, ``label_source`` the sources of the annotations that
    gave the label, joined with ``+``; ``decided_by`` says how it was decided,
    ``conflict`` whether its annotators disagree unsettled, ``review_status``
    where its review stands and ``reviewer`` who reviewed it last.
    """
    decision, reviewer, relabeled = review or (None, None, False)
    decided = decide_label(active or [])
    state = review_state(
        labeled=decided is not None, decision=decision, relabeled=relabeled
    )
    if decided is None:
        return None, 0, None, None, "unlabeled", None, False, state, reviewer
    return (
        decided.value,
        decided.n_annotators,
        decided.agreement,
        decided.label_source,
        "labeled",
        decided.decided_by,
        decided.conflict,
        state,
        reviewer,
    )


def labeled_chunks(
    session: Session,
    project: Project,
    chunk_size: int,
    *,
    include_unlabeled: bool = True,
    include_weak: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[list[LabeledItem]]:
    """The project's items in id order with their final labels, a chunk at a time.

    ``include_unlabeled=False`` leaves out items nobody has labeled.
    ``include_weak`` gives an item without an active label its weak label
    (the label model's over the labeling functions) as a ``rule`` label; a
    person's label always wins.
    ``progress(done, total)`` is called before the first chunk and after the
    caller is done with each chunk (counting items read, kept or not).
    """
    total = count(session, Item, project)
    media = project.modality in MEDIA_MODALITIES
    # Media paths are written whole, through each item's own root: two folders
    # of a project can hold the same relative path.
    roots = media_roots(session, project) if media else {}
    done = 0
    if progress is not None:
        progress(0, total)
    for items in item_chunks(session, project, chunk_size, with_data=True):
        active = active_values(session, project, items)
        reviews = newest_reviews(session, project, items)
        if include_weak:
            for item_id, value in weak_values(session, project, items).items():
                active.setdefault(item_id, [(value, "rule")])
        chunk: list[LabeledItem] = []
        for item_id, external_id, raw, media_path, root_id in items:
            final = final_label(active.get(item_id), reviews.get(item_id))
            if not include_unlabeled and final[4] == "unlabeled":
                continue
            data = decode(raw) if raw is not None else {}
            full_path = None
            if media:
                root = roots.get(root_id) if root_id is not None else None
                full_path = (
                    str(Path(root) / media_path)
                    if root is not None and media_path is not None
                    else media_path
                )
            chunk.append(
                (external_id, data, full_path, final, media_path if media else None)
            )
        yield chunk
        done += len(items)
        if progress is not None:
            progress(done, total)


def label_rows(
    chunk: Sequence[LabeledItem], fields: Sequence[str], *, media: bool
) -> list[list[Any]]:
    """A chunk of items as rows of the labels dataset.

    Row order: ``external_id``, the original ``fields`` (:data:`MISSING` where
    an item has none), the media path when ``media``, then the final label's
    columns.
    """
    rows: list[list[Any]] = []
    for external_id, data, media_path, final, _ in chunk:
        row: list[Any] = [external_id]
        row.extend([data.get(k, MISSING) for k in fields])
        if media:
            row.append(media_path)
        row.extend(final)
        rows.append(row)
    return rows


def exported_items(chunks: Iterable[list[LabeledItem]]) -> Iterator[ExportedItem]:
    """The items of ``chunks`` one by one, as an item format receives them."""
    for chunk in chunks:
        for external_id, data, media_path, final, media_file in chunk:
            value, n_annotators, agreement, label_source = final[:4]
            yield ExportedItem(
                external_id,
                data,
                media_path,
                value,
                n_annotators,
                agreement,
                label_source,
                media_file,
            )
