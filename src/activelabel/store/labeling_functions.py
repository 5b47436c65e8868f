"""A project's labeling functions: add (keywords, regex, Python, alias), list, remove.

What is checked here is what a stored function must satisfy: a name unique
in the project, a label of the project's schema that the task kind takes as
a whole-item value, keywords that are not empty, a regex that compiles and
does not match an empty text (it would vote for every item). A Python
function's file is loaded and tried by :mod:`activelabel.loop.function_sets`
before it reaches :func:`add_python_functions`; the server never runs one.

Changing a function (``replace=True``) gives it a new ``version``, enables it
again and forgets its votes, so the next apply computes them afresh.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError, NotFoundError
from activelabel.store.lf_outputs import delete_lf_outputs
from activelabel.store.models import LabelingFunction, Project, utcnow
from activelabel.tasks import adapter_for
from activelabel.tasks.adapter import check_label

__all__ = [
    "KINDS",
    "add_alias_function",
    "add_keyword_function",
    "add_python_functions",
    "add_regex_function",
    "disable_labeling_function",
    "get_labeling_function",
    "list_labeling_functions",
    "remove_labeling_function",
]

#: The kinds of labeling function the store holds.
KINDS = ("keywords", "regex", "python", "alias")

_NAME_LIMIT = 200


def list_labeling_functions(
    session: Session, project_id: int, *, enabled_only: bool = False
) -> list[LabelingFunction]:
    """The project's functions in the order they were added."""
    query = select(LabelingFunction).where(LabelingFunction.project_id == project_id)
    if enabled_only:
        query = query.where(LabelingFunction.enabled.is_(True))
    return list(session.scalars(query.order_by(LabelingFunction.id)))


def get_labeling_function(
    session: Session, project: Project, name: str
) -> LabelingFunction:
    """The function called ``name``; the error suggests the closest names."""
    found = session.scalars(
        select(LabelingFunction).where(
            LabelingFunction.project_id == project.id, LabelingFunction.name == name
        )
    ).one_or_none()
    if found is not None:
        return found
    names = [f.name for f in list_labeling_functions(session, project.id)]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    known = f" Its functions: {', '.join(names)}." if names else " It has none yet."
    raise NotFoundError(
        f"Project {project.name!r} has no labeling function named {name!r}.{hint}"
        f"{known}"
    )


def add_keyword_function(
    session: Session,
    project: Project,
    *,
    name: str,
    label: str,
    keywords: Sequence[str],
    case_sensitive: bool = False,
    replace: bool = False,
) -> LabelingFunction:
    """A function voting ``label`` for items whose text holds one of ``keywords``
    as whole words."""
    spec = _keyword_spec(name, keywords, case_sensitive)
    return _store(session, project, name, "keywords", label, spec, replace=replace)


def add_alias_function(
    session: Session,
    project: Project,
    *,
    name: str,
    label: str,
    aliases: Sequence[str],
    case_sensitive: bool = False,
    replace: bool = False,
) -> LabelingFunction:
    """A keyword function whose words are a label's aliases (from a taxonomy)."""
    spec = _keyword_spec(name, aliases, case_sensitive)
    return _store(session, project, name, "alias", label, spec, replace=replace)


def add_regex_function(
    session: Session,
    project: Project,
    *,
    name: str,
    label: str,
    pattern: str,
    replace: bool = False,
) -> LabelingFunction:
    """A function voting ``label`` for items whose text the regex ``pattern`` matches
    (anywhere: ``re.search``)."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ConfigError(
            f"The regex of labeling function {name!r} does not compile: {exc} "
            f"(the pattern is {pattern!r})."
        ) from None
    if compiled.search("") is not None:
        raise ConfigError(
            f"The regex {pattern!r} of labeling function {name!r} matches an empty "
            "text, so it would vote for every item; make it match some characters."
        )
    return _store(
        session, project, name, "regex", label, {"pattern": pattern}, replace=replace
    )


def add_python_functions(
    session: Session,
    project: Project,
    *,
    code: str,
    filename: str,
    names: Sequence[str],
    replace: bool = False,
) -> list[LabelingFunction]:
    """One row per function ``names`` of the file ``code``, each holding the source.

    The file must have been loaded and tried first
    (:func:`activelabel.loop.function_sets.add_function_file`).
    """
    return [
        _store(
            session,
            project,
            name,
            "python",
            None,
            {"function": name, "file": filename},
            code=code,
            replace=replace,
        )
        for name in names
    ]


def remove_labeling_function(session: Session, project: Project, name: str) -> None:
    """Delete the function and its votes."""
    function = get_labeling_function(session, project, name)
    delete_lf_outputs(session, function.id)
    session.delete(function)
    session.flush()


def disable_labeling_function(session: Session, lf_id: int, reason: str) -> None:
    """Stop applying a function (it raised or ran past its limit); forget its votes."""
    delete_lf_outputs(session, lf_id)
    session.execute(
        update(LabelingFunction)
        .where(LabelingFunction.id == lf_id)
        .values(
            enabled=False,
            disabled_reason=reason,
            applied_version=None,
            applied_max_item_id=None,
            applied_items=0,
            updated_at=utcnow(),
        )
    )


def _store(
    session: Session,
    project: Project,
    name: str,
    kind: str,
    label: str | None,
    spec: dict[str, Any],
    *,
    code: str | None = None,
    replace: bool,
) -> LabelingFunction:
    name = _checked_name(name)
    if kind != "python" and project.settings.text_column is None:
        raise ConfigError(
            f"The {kind} function {name!r} would read an item's text, and project "
            f"{project.name!r} has no text column yet (the first import of texts "
            "sets it); import the items first, or write a Python function, which "
            "reads every field."
        )
    if label is not None:
        where = f"The labeling function {name!r}"
        check_label(label, project.labels, where)
        # The task kind says whether one label is a value of a whole item (a
        # span or box project refuses it).
        adapter_for(project.task).validate(project.labels, label, where=where)
    existing = session.scalars(
        select(LabelingFunction).where(
            LabelingFunction.project_id == project.id, LabelingFunction.name == name
        )
    ).one_or_none()
    if existing is None:
        function = LabelingFunction(
            project_id=project.id,
            name=name,
            kind=kind,
            label=label,
            spec=spec,
            code=code,
        )
        session.add(function)
        session.flush()
        return function
    if not replace:
        raise ConfigError(
            f"Project {project.name!r} has a labeling function named {name!r} "
            f"already (a {existing.kind} function); choose another name, or "
            "replace it (--replace)."
        )
    delete_lf_outputs(session, existing.id)
    existing.kind, existing.label, existing.spec, existing.code = (
        kind,
        label,
        spec,
        code,
    )
    existing.version += 1
    existing.enabled, existing.disabled_reason = True, None
    existing.applied_version = existing.applied_max_item_id = None
    existing.applied_items = 0
    existing.updated_at = utcnow()
    session.flush()
    return existing


def _checked_name(name: str) -> str:
    stripped = name.strip()
    if not stripped:
        raise ConfigError("A labeling function needs a name; got an empty one.")
    if len(stripped) > _NAME_LIMIT:
        raise ConfigError(
            f"The labeling function name {stripped[:40]!r}... is {len(stripped)} "
            f"characters long; the limit is {_NAME_LIMIT}."
        )
    return stripped


def _keyword_spec(
    name: str, keywords: Sequence[str], case_sensitive: bool
) -> dict[str, Any]:
    """The spec of a keyword function (an alias function is one, of its label's aliases)."""
    return {
        "keywords": _checked_keywords(name, keywords),
        "case_sensitive": case_sensitive,
    }


def _checked_keywords(name: str, keywords: Sequence[str]) -> list[str]:
    kept = list(dict.fromkeys(k.strip() for k in keywords if k and k.strip()))
    if not kept:
        raise ConfigError(
            f"The labeling function {name!r} has no keywords; give at least one "
            '(for example --keywords "prize,winner").'
        )
    for keyword in kept:
        if "\x00" in keyword:
            raise ConfigError(
                f"The keyword {keyword!r} of labeling function {name!r} holds a NUL "
                "character, which no text matches."
            )
    return kept
