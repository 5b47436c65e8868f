"""The columns of the labels dataset: which original fields, in which order, typed.

An item's original fields are a JSON object, so the set of columns is only known
after looking at every item. One aggregate query per export finds each field
name, the JSON types it holds and the first item that has it; that fixes the
column order (first seen) and, for Parquet, each column's type. The columns
activelabel adds keep their names whatever the data holds; an original field
that clashes with one of them is renamed ``data_<name>`` (see
:func:`label_columns`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from activelabel.io.writers import Column, Kind
from activelabel.store.models import Item, Project

__all__ = [
    "FIELD_PREFIX",
    "LABEL_COLUMNS",
    "kind_for_json_types",
    "label_columns",
    "original_fields",
]

#: The columns the labels dataset adds after the original fields.
LABEL_COLUMNS: Final = (
    Column("label"),
    Column("n_annotators", Kind.INT),
    Column("agreement", Kind.FLOAT),
    Column("label_source"),
    Column("status"),
    # How the label was decided (single, consensus, majority, tie, review,
    # import...), whether its annotators disagree unsettled, and its review.
    Column("decided_by"),
    Column("conflict", Kind.BOOL),
    Column("review_status"),
    Column("reviewer"),
)

#: Put before an original field's name when one of our columns has that name.
FIELD_PREFIX: Final = "data_"


def kind_for_json_types(types: set[str]) -> Kind:
    """The column kind that holds every value of a field, given its JSON types.

    ``types`` uses SQLite's ``json_each.type`` names (``null``, ``true``,
    ``false``, ``integer``, ``real``, ``text``, ``array``, ``object``). A field
    with one consistent scalar type keeps it; integers mixed with reals become
    floats; anything else (text, mixtures, lists, objects) is a string column in
    which non-strings are written as JSON text.
    """
    present = types - {"null"}
    if present and present <= {"integer"}:
        return Kind.INT
    if present and present <= {"integer", "real"}:
        return Kind.FLOAT
    if present and present <= {"true", "false"}:
        return Kind.BOOL
    return Kind.STRING


def label_columns(
    fields: Sequence[Column], *, media: bool, extra: Sequence[Column] = ()
) -> tuple[list[Column], dict[str, str]]:
    """The labels dataset's columns, and the original fields that were renamed.

    Order: ``external_id``, the original ``fields`` in their order,
    ``media_path`` (for media projects), then :data:`LABEL_COLUMNS`. Our columns
    always have these names, so code reading an export never depends on the
    data. ``extra`` columns (an option's, such as the predictions') come
    last and are ours too. An original field named like one of them is written as
    ``data_<name>`` instead (``data_data_<name>`` should that be taken too, and
    so on). The mapping goes from each renamed field's name to the name written;
    it is empty when nothing clashed.
    """
    ours = [Column("external_id")]
    if media:
        ours.append(Column("media_path"))
    ours.extend(LABEL_COLUMNS)
    ours.extend(extra)
    reserved = {c.name for c in ours}
    taken = reserved | {f.name for f in fields}
    renamed: dict[str, str] = {}
    written: list[Column] = []
    for field in fields:
        name = field.name
        if name in reserved:
            while name in taken:
                name = FIELD_PREFIX + name
            taken.add(name)
            renamed[field.name] = name
            field = Column(name, field.kind)
        written.append(field)
    return [ours[0], *written, *ours[1:]], renamed


_SQLITE_FIELDS = text(
    "SELECT j.key AS key, j.type AS type, MIN(i.id) AS first_id "
    "FROM items AS i, json_each(i.data) AS j "
    "WHERE i.project_id = :project_id AND json_type(i.data) = 'object' "
    "GROUP BY j.key, j.type"
)

_POSTGRES_FIELDS = text(
    "SELECT j.key AS key, "
    "CASE jsonb_typeof(j.value) "
    "  WHEN 'number' THEN CASE WHEN j.value::text ~ '^-?[0-9]+$' "
    "                          THEN 'integer' ELSE 'real' END "
    "  WHEN 'boolean' THEN 'true' "
    "  WHEN 'string' THEN 'text' "
    "  ELSE jsonb_typeof(j.value) END AS type, "
    "MIN(i.id) AS first_id "
    "FROM items AS i CROSS JOIN LATERAL jsonb_each(i.data) AS j "
    "WHERE i.project_id = :project_id AND jsonb_typeof(i.data) = 'object' "
    "GROUP BY 1, 2"
)


def original_fields(session: Session, project: Project) -> list[Column]:
    """The original field names of the project's items in first-seen order, typed.

    One aggregate query in the database finds each key, its JSON types and the
    first item that has it; only those first items are then read to order keys
    that first appear together. PostgreSQL's JSONB does not keep key order (there
    the order within one item is JSONB's), so a project may record its source's
    column order as its ``columns`` setting; the fields named there come first,
    in that order.
    """
    dialect = session.get_bind().dialect.name
    query = _POSTGRES_FIELDS if dialect == "postgresql" else _SQLITE_FIELDS
    types: dict[str, set[str]] = {}
    first: dict[str, int] = {}
    for key, json_type, first_id in session.execute(query, {"project_id": project.id}):
        types.setdefault(key, set()).add(json_type)
        first[key] = min(first.get(key, first_id), first_id)
    first_items = sorted(set(first.values()))
    position: dict[str, tuple[int, int]] = {}
    for item_id, data in session.execute(
        select(Item.id, Item.data).where(Item.id.in_(first_items))
    ):
        for index, key in enumerate(data):
            if first.get(key) == item_id:
                position[key] = (item_id, index)
    ordered = sorted(first, key=lambda k: position.get(k, (first[k], 0)))
    preferred = project.settings.columns
    if preferred is not None:
        rank = {name: i for i, name in enumerate(preferred)}
        # Stable: fields the list does not name keep their first-seen order.
        ordered.sort(key=lambda k: rank.get(k, len(rank)))
    return [Column(key, kind_for_json_types(types[key])) for key in ordered]
