"""From the store's labeling functions to a set the apply step runs, and a
file of Python functions tried before it is stored.

A Python function's file is loaded again from its stored source in the
process that applies it (the trainer's worker or the CLI), once per distinct
file. A file that no longer loads there (a module it imports is missing)
disables its functions with the reason, as a function that raises would be.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from activelabel.exceptions import ActiveLabelError, ConfigError
from activelabel.store.engine import Store
from activelabel.store.labeling_functions import add_python_functions
from activelabel.store.models import Item, LabelingFunction, Project
from activelabel.store.projects import get_project
from activelabel.tasks import adapter_for
from activelabel.weak.apply import LabelingFunctionSet
from activelabel.weak.functions import (
    KeywordFunction,
    LabelingFunctionDef,
    PythonFunction,
    RegexFunction,
)
from activelabel.weak.python_functions import load_function_file

__all__ = ["TRIAL_ITEMS", "add_function_file", "build_function_set"]

#: Items a new file of Python functions is tried on before it is stored.
TRIAL_ITEMS = 100


def build_function_set(
    project: Project, functions: Sequence[LabelingFunction]
) -> tuple[LabelingFunctionSet, dict[int, str]]:
    """The set of ``functions`` (rows) compiled for ``project``'s items.

    Also returns the functions that cannot be built here (by row id, with the
    sentence why); they are left out of the set.
    """
    loaded: dict[str, Mapping[str, Callable[[Mapping[str, Any]], Any]] | str] = {}
    definitions: list[LabelingFunctionDef] = []
    unusable: dict[int, str] = {}
    for row in functions:
        if row.kind == "regex":
            definitions.append(
                RegexFunction(row.name, str(row.label), row.spec["pattern"])
            )
        elif row.kind == "python":
            code = row.code or ""
            if code not in loaded:
                try:
                    loaded[code] = load_function_file(
                        code, filename=str(row.spec.get("file", "<stored>"))
                    )
                except ActiveLabelError as exc:
                    loaded[code] = exc.message
            found = loaded[code]
            function = (
                found.get(row.spec["function"]) if isinstance(found, Mapping) else None
            )
            if function is None:
                why = found if isinstance(found, str) else "it is no longer in its file"
                unusable[row.id] = (
                    f"The labeling function {row.name!r} cannot be loaded: {why}"
                )
                continue
            definitions.append(PythonFunction(row.name, function))
        else:  # keywords and aliases
            definitions.append(
                KeywordFunction(
                    row.name,
                    str(row.label),
                    tuple(row.spec["keywords"]),
                    bool(row.spec.get("case_sensitive", False)),
                )
            )
    return _function_set(project, definitions), unusable


def _function_set(
    project: Project, definitions: Sequence[LabelingFunctionDef]
) -> LabelingFunctionSet:
    adapter = adapter_for(project.task)
    labels = list(project.labels)

    def validate(value: Any, where: str) -> Any:
        # The task kind decides what a vote may be (one label, or a list).
        return adapter.validate(labels, value, where=where)

    settings = project.settings
    return LabelingFunctionSet(
        definitions,
        labels=labels,
        text_field=settings.text_column,
        time_limit=settings.lf_time_limit,
        validate=validate,
    )


def add_function_file(
    store: Store, project_name: str, path: Path, *, replace: bool = False
) -> list[str]:
    """Load a file of Python labeling functions, try them, and store them.

    Each function runs on the project's first :data:`TRIAL_ITEMS` items
    first: one that raises, runs past its limit or returns something that is
    not a label refuses the whole file with that sentence, and nothing is
    stored. Returns the functions' names.
    """
    try:
        code = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"Cannot read the labeling function file {path}: {exc}."
        ) from None
    functions = load_function_file(code, filename=path.name)
    with store.session(write=True) as session:
        project = get_project(session, project_name)
        trial = session.execute(
            select(Item.external_id, Item.data)
            .where(Item.project_id == project.id)
            .order_by(Item.id)
            .limit(TRIAL_ITEMS)
        ).all()
        function_set = _function_set(
            project, [PythonFunction(name, f) for name, f in functions.items()]
        )
        votes = function_set.apply(
            [data for _, data in trial], item_ids=[ext for ext, _ in trial]
        )
        if votes.failures:
            first = votes.failures[min(votes.failures)]
            raise ConfigError(
                f"{first.rstrip('.')} (tried on the project's "
                f"first {len(trial)} items); nothing was stored from {path.name}."
            )
        add_python_functions(
            session,
            project,
            code=code,
            filename=path.name,
            names=list(functions),
            replace=replace,
        )
    return list(functions)
