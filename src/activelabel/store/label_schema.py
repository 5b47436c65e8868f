"""Changes of a project's label schema: add a label, rename one, retire one.

Each change is one transaction (the caller's session) and one row of
``label_changes``, the schema's history.

* **add**: the label joins the end of the schema (a chosen key optional);
  a retired label added again comes back with the values that still hold it.
* **rename**: every stored value that names the label is rewritten, in the
  same transaction: annotations (every status, so history reads in today's
  names), queue suggestions, imported predictions, weak labels, gold
  answers, reviews' corrections, the mislabel finder's list, the label
  matrix and the labeling functions' labels, the chosen key, aliases and
  parents, and the class names in model versions' figures. Values are
  rewritten by the task's adapter (``relabel``), never by looking at their
  shape here. The old values stay traceable: an annotation's value as it
  was given is its stored value with the renames made after it undone,
  newest first (:func:`value_as_given`), since a rename only ever takes a
  name no value held. A model trained before the rename still predicts the
  old name: the rename asks for a new round (a ``train`` job), and the
  stopping signal maps an old model's classes through its renamed figures.
* **retire**: the label leaves the schema, so nobody can give it again; the
  values that hold it stay as they were (a retired label is history, not a
  mistake to erase) and its items wait in the review queue, where a
  reviewer corrects them to a current label. The last label cannot retire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from activelabel.exceptions import ConfigError
from activelabel.keymap import choose_keys
from activelabel.store.jobs import request_job
from activelabel.store.models import (
    Annotation,
    GoldAnswer,
    LabelChange,
    LabelingFunction,
    LabelIssue,
    LfOutput,
    ModelVersion,
    Prediction,
    Project,
    QueueEntry,
    Review,
    User,
    WeakLabel,
)
from activelabel.tasks import MAX_LABELS, TaskAdapter, adapter_for
from activelabel.tasks.adapter import label_choices

__all__ = [
    "MAX_LABEL_CHARS",
    "LabelChangeRecord",
    "add_label",
    "label_history",
    "rename_in_value",
    "rename_label",
    "retire_label",
    "retired_labels",
    "value_as_given",
]

#: Longest label name (the ``label`` columns hold 200 characters).
MAX_LABEL_CHARS: Final = 200

#: Rows read and rewritten at a time by a rename.
_PAGE: Final = 5_000


@dataclass(frozen=True)
class LabelChangeRecord:
    """One change of the schema, as history shows it."""

    id: int
    change: str
    label: str
    new_label: str | None
    items_touched: int
    changed_by: str | None
    created_at: dt.datetime


def _checked_name(project: Project, label: Any, what: str) -> str:
    """A new label name, stripped; a sentence for one that cannot be a label."""
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"The {what} must be a name; got {label!r}.")
    name = label.strip()
    if len(name) > MAX_LABEL_CHARS:
        raise ConfigError(
            f"The {what} {name[:40]!r}… has {len(name)} characters; a label has "
            f"at most {MAX_LABEL_CHARS}."
        )
    if "," in name:
        raise ConfigError(
            f"The {what} {name!r} holds a comma; a comma separates labels "
            "(--labels ham,spam; a label set 'a, b'), so it cannot be in one."
        )
    if name in project.labels:
        raise ConfigError(
            f"{name!r} is already a label of {project.name!r}; choose another name."
        )
    return name


def _known(project: Project, label: str) -> str:
    if label not in project.labels:
        raise ConfigError(
            f"{label!r} is not a label of {project.name!r}; "
            f"{label_choices(label, project.labels)}"
        )
    return label


def _record(
    session: Session,
    project: Project,
    change: str,
    label: str,
    *,
    new_label: str | None = None,
    items_touched: int = 0,
    user_id: int | None,
) -> LabelChange:
    row = LabelChange(
        project_id=project.id,
        change=change,
        label=label,
        new_label=new_label,
        items_touched=items_touched,
        changed_by=user_id,
    )
    session.add(row)
    session.flush()
    return row


def add_label(
    session: Session,
    project: Project,
    label: str,
    *,
    key: str | None = None,
    user_id: int | None = None,
) -> LabelChange:
    """Add ``label`` at the end of the schema (on ``key`` if given).

    Raises :class:`ConfigError` (nothing changed) for a name already used,
    blank, too long or holding a comma, or a key that cannot be chosen.
    """
    name = _checked_name(project, label, "new label")
    if len(project.labels) >= MAX_LABELS:
        raise ConfigError(
            f"{project.name!r} has {len(project.labels)} labels, the most a "
            "project may have."
        )
    labels = [*project.labels, name]
    keys = project.settings.keys
    if key is not None:
        keys = choose_keys(labels, project.modality, keys, {name: key})
    project.labels = labels
    project.update_settings(keys=keys)
    return _record(session, project, "added", name, user_id=user_id)


def rename_label(
    session: Session,
    project: Project,
    old: str,
    new: str,
    *,
    user_id: int | None = None,
) -> LabelChange:
    """Rename ``old`` to ``new`` everywhere it is stored (module docstring).

    Raises :class:`ConfigError` (nothing changed) for an unknown ``old``, a
    ``new`` already a label, a retired one or an alias, or not a name.
    """
    _known(project, old)
    name = _checked_name(project, new, "new name")
    if name in retired_labels(session, project.id):
        raise ConfigError(
            f"{name!r} is a retired label of {project.name!r} whose items still "
            f"hold it; renaming {old!r} to it would merge the two. Add it back "
            f"(activelabel labels {project.name} add {name}) or pick another name."
        )
    settings = project.settings
    if name in settings.aliases:
        raise ConfigError(
            f"{name!r} is an alias of {settings.aliases[name]!r} in "
            f"{project.name!r}; pick another name or remove the alias first."
        )
    adapter = adapter_for(project.task)

    def rename(label: str) -> str:
        return name if label == old else label

    touched = _rewrite_values(session, project.id, adapter, old, name)
    # The label matrix and the functions' labels are plain names.
    session.execute(
        update(LfOutput)
        .where(LfOutput.project_id == project.id, LfOutput.label == old)
        .values(label=name)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(LabelingFunction)
        .where(LabelingFunction.project_id == project.id, LabelingFunction.label == old)
        .values(label=name)
        .execution_options(synchronize_session=False)
    )
    _rename_in_figures(session, project.id, old, name)
    project.labels = [rename(label) for label in project.labels]
    keys = {rename(label): key for label, key in settings.keys.items()}
    aliases = {alias: rename(label) for alias, label in settings.aliases.items()}
    parents = {
        rename(child): [rename(p) for p in above]
        for child, above in settings.parents.items()
    }
    project.update_settings(keys=keys, aliases=aliases, parents=parents)
    # The next round trains on the new name; until then the queue's
    # suggestions (rewritten above) already speak it.
    request_job(session, project_id=project.id, kind="train")
    return _record(
        session,
        project,
        "renamed",
        old,
        new_label=name,
        items_touched=touched,
        user_id=user_id,
    )


def retire_label(
    session: Session,
    project: Project,
    label: str,
    *,
    user_id: int | None = None,
) -> LabelChange:
    """Take ``label`` out of the schema; its items wait for review (module docstring).

    Raises :class:`ConfigError` (nothing changed) for an unknown label or the
    project's last label.
    """
    _known(project, label)
    if len(project.labels) == 1:
        raise ConfigError(
            f"{label!r} is the only label of {project.name!r}; a project keeps at "
            "least one. Add its successor first (activelabel labels "
            f"{project.name} add NEW), then retire it."
        )
    adapter = adapter_for(project.task)
    items = set()
    for item_id, value in session.execute(
        select(Annotation.item_id, Annotation.value).where(
            Annotation.project_id == project.id, Annotation.status == "active"
        )
    ):
        if label in adapter.value_labels(value):
            items.add(item_id)
    settings = project.settings
    project.labels = [other for other in project.labels if other != label]
    project.update_settings(keys={k: v for k, v in settings.keys.items() if k != label})
    return _record(
        session, project, "retired", label, items_touched=len(items), user_id=user_id
    )


def retired_labels(session: Session, project_id: int) -> list[str]:
    """Labels retired and not added back since, oldest retirement first."""
    current = set(
        session.scalar(select(Project.labels).where(Project.id == project_id)) or []
    )
    retired: dict[str, None] = {}
    for change, label, new_label in session.execute(
        select(LabelChange.change, LabelChange.label, LabelChange.new_label)
        .where(LabelChange.project_id == project_id)
        .order_by(LabelChange.id)
    ):
        if change == "retired":
            retired[label] = None
        elif change == "added":
            retired.pop(label, None)
        elif change == "renamed" and new_label is not None:
            retired.pop(new_label, None)
    return [label for label in retired if label not in current]


def label_history(session: Session, project_id: int) -> list[LabelChangeRecord]:
    """Every change of the project's schema, oldest first."""
    return [
        LabelChangeRecord(
            id=row.id,
            change=row.change,
            label=row.label,
            new_label=row.new_label,
            items_touched=row.items_touched,
            changed_by=name,
            created_at=row.created_at,
        )
        for row, name in session.execute(
            select(LabelChange, User.name)
            .outerjoin(User, User.id == LabelChange.changed_by)
            .where(LabelChange.project_id == project_id)
            .order_by(LabelChange.id)
        )
    ]


def value_as_given(
    adapter: TaskAdapter,
    value: Any,
    given_at: dt.datetime,
    history: Sequence[LabelChangeRecord],
) -> Any:
    """``value`` as it was when given at ``given_at``: the renames made after it
    undone, newest first."""
    for change in reversed(history):
        if change.created_at <= given_at:
            break
        if change.change == "renamed" and change.new_label is not None:
            value = rename_in_value(adapter, value, change.new_label, change.label)
    return value


def rename_in_value(adapter: TaskAdapter, value: Any, old: str, new: str) -> Any:
    """``value`` with the label ``old`` named ``new`` by the task's adapter; the
    very same object when it does not name ``old`` (nothing to write)."""
    if value is None or old not in adapter.value_labels(value):
        return value
    return adapter.relabel(value, lambda label: new if label == old else label)


#: The JSON columns that hold values of the project's task, per table.
_VALUE_COLUMNS: Final[
    tuple[tuple[Any, tuple[InstrumentedAttribute[Any], ...]], ...]
] = (
    (Annotation, (Annotation.value,)),
    (QueueEntry, (QueueEntry.suggestion,)),
    (Prediction, (Prediction.value,)),
    (WeakLabel, (WeakLabel.value,)),
    (GoldAnswer, (GoldAnswer.value,)),
    (Review, (Review.value,)),
    (LabelIssue, (LabelIssue.given, LabelIssue.suggested)),
)


def _rewrite_values(
    session: Session,
    project_id: int,
    adapter: TaskAdapter,
    old: str,
    new: str,
) -> int:
    """Rewrite every value column naming ``old``; return the items whose
    annotations changed."""
    touched: set[int] = set()
    for table, columns in _VALUE_COLUMNS:
        key = GoldAnswer.item_id if table is GoldAnswer else table.id
        for rows in _pages(session, table, key, columns, project_id):
            changes = []
            for row in rows:
                new_values = {}
                values = row[1 : 1 + len(columns)]
                for column, value in zip(columns, values, strict=True):
                    renamed = rename_in_value(adapter, value, old, new)
                    if renamed is not value:
                        new_values[column.key] = renamed
                if new_values:
                    changes.append({key.key: row[0], **new_values})
                    if table is Annotation:
                        touched.add(row[-1])
            if changes:
                session.execute(update(table), changes)
    return len(touched)


def _pages(
    session: Session,
    table: Any,
    key: InstrumentedAttribute[Any],
    columns: Iterable[InstrumentedAttribute[Any]],
    project_id: int,
) -> Iterable[list[Any]]:
    """The rows of ``table`` in the project, ``_PAGE`` at a time by ``key``:
    (key, *columns[, item_id for annotations])."""
    extra = [Annotation.item_id] if table is Annotation else []
    last: Any = None
    while True:
        where: list[ColumnElement[bool]] = [table.project_id == project_id]
        if last is not None:
            where.append(key > last)
        rows = session.execute(
            select(key, *columns, *extra).where(*where).order_by(key).limit(_PAGE)
        ).all()
        if not rows:
            return
        yield [list(r) for r in rows]
        last = rows[-1][0]


def _rename_in_figures(session: Session, project_id: int, old: str, new: str) -> None:
    """Class names in model versions' figures: what the progress panel shows
    and what maps an old model's predictions to today's names."""

    def renamed(name: Any) -> Any:
        return new if name == old else name

    for version in session.scalars(
        select(ModelVersion).where(ModelVersion.project_id == project_id)
    ):
        metrics = dict(version.metrics or {})
        if "classes" in metrics and isinstance(metrics["classes"], list):
            metrics["classes"] = [renamed(c) for c in metrics["classes"]]
        if isinstance(metrics.get("per_class"), dict):
            metrics["per_class"] = {
                renamed(k): v for k, v in metrics["per_class"].items()
            }
        if isinstance(metrics.get("unlearned"), list):
            metrics["unlearned"] = [renamed(c) for c in metrics["unlearned"]]
        if metrics != version.metrics:
            version.metrics = metrics
    session.flush()
