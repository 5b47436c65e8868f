"""A project's taxonomy in the store: its aliases and parents, and the alias
labeling functions, replaced together in the caller's transaction.

The file is read (and checked) by :mod:`activelabel.weak.taxonomy`; this
module stores what it found: ``ProjectConfig.aliases`` (alias -> label) and
``ProjectConfig.parents`` (label -> its parents), and one keyword labeling
function per label with aliases (kind ``alias``, named ``alias:<label>``,
voting the label when its text holds one of the aliases). Loading a taxonomy
again replaces all three.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.exceptions import InvalidLabelError
from activelabel.store.label_schema import add_label
from activelabel.store.labeling_functions import (
    add_alias_function,
    remove_labeling_function,
)
from activelabel.store.models import LabelingFunction, Project

__all__ = [
    "ALIAS_FUNCTION_PREFIX",
    "StoredTaxonomy",
    "add_project_labels",
    "replace_alias_functions",
    "store_taxonomy",
]

#: Alias functions are named ``alias:<label>``.
ALIAS_FUNCTION_PREFIX = "alias:"


@dataclass(frozen=True)
class StoredTaxonomy:
    """What storing a taxonomy did."""

    tags: int
    aliases: int
    parent_links: int
    #: Labels the taxonomy names (tags, parents) that the project lacks.
    missing: list[str]
    #: Of those, the ones added to the project's labels.
    added: list[str]
    alias_functions: int
    #: Why no alias functions were made, when none were (a sentence), else None.
    functions_note: str | None = None
    #: Tags whose aliases made no function, being no label of the project.
    skipped_tags: list[str] = field(default_factory=list)


def add_project_labels(
    session: Session, project: Project, labels: Sequence[str]
) -> list[str]:
    """Append ``labels`` the project lacks to its schema, each as
    ``activelabel labels add`` adds one (checked, kept in the label history);
    return those added, in order."""
    new = [label for label in dict.fromkeys(labels) if label not in project.labels]
    for label in new:
        add_label(session, project, label)
    session.flush()
    return new


def store_taxonomy(
    session: Session,
    project: Project,
    *,
    tags: Sequence[str],
    aliases: Mapping[str, str],
    parents: Mapping[str, Sequence[str]],
    missing: Sequence[str],
    add_missing: bool = False,
) -> StoredTaxonomy:
    """Store the taxonomy's aliases and parents as the project's settings and
    make its alias functions, replacing any stored before.

    ``missing`` are the taxonomy's labels the project lacks; with
    ``add_missing`` they become labels of the project. Nothing is committed
    here: the caller's transaction holds every change, so a refusal (a label
    the schema cannot take) leaves the project as it was.
    """
    added = add_project_labels(session, project, missing) if add_missing else []
    project.update_settings(
        aliases=dict(aliases),
        parents={child: list(found) for child, found in parents.items()},
    )
    made, skipped, note = replace_alias_functions(session, project)
    return StoredTaxonomy(
        tags=len(tags),
        aliases=len(aliases),
        parent_links=sum(len(found) for found in parents.values()),
        missing=list(missing),
        added=added,
        alias_functions=made,
        functions_note=note,
        skipped_tags=skipped,
    )


def replace_alias_functions(
    session: Session, project: Project
) -> tuple[int, list[str], str | None]:
    """Make one alias function per label with aliases in the project's
    settings, replacing the alias functions made before.

    Returns how many were made, the tags skipped (no label of the project)
    and, when none could be made, why (a sentence). A project with no text
    column yet gets none: the first import of texts makes them
    (:func:`activelabel.io.importer.import_path` calls this then).
    """
    for function in session.scalars(
        select(LabelingFunction).where(
            LabelingFunction.project_id == project.id,
            LabelingFunction.kind == "alias",
        )
    ).all():
        remove_labeling_function(session, project, function.name)
    settings = project.settings
    if not settings.aliases:
        return 0, [], None
    if settings.text_column is None:
        return (
            0,
            [],
            "the alias functions are made by the first import of texts (they read "
            "an item's text, and the project has no text column yet).",
        )
    grouped: dict[str, list[str]] = {}
    for alias, tag in settings.aliases.items():
        grouped.setdefault(tag, []).append(alias)
    made, skipped = 0, []
    for tag, words in grouped.items():
        if tag not in project.labels:
            skipped.append(tag)
            continue
        try:
            add_alias_function(
                session,
                project,
                name=f"{ALIAS_FUNCTION_PREFIX}{tag}",
                label=tag,
                aliases=words,
            )
        except InvalidLabelError as exc:
            # A span or box project takes no whole-item label: its aliases
            # still fold on import, but they vote for nothing.
            return 0, [], f"no alias functions: {exc.message}"
        made += 1
    session.flush()
    return made, skipped, None
