"""Labeling functions written in Python: the decorator and loading their file.

A file of labeling functions marks each with the decorator::

    import activelabel

    @activelabel.labeling_function()
    def mentions_prize(item):
        return "spam" if "prize" in item["text"].lower() else None

A function takes an item's fields (a dict) and returns a label, a list of
labels (multilabel) or ``None`` to abstain. The file's source is stored with
each function, and any process that applies them loads it again with
:func:`load_function_file`. This module imports nothing heavy: it is what
``activelabel.labeling_function`` brings.
"""

from __future__ import annotations

import traceback
import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

from activelabel.exceptions import ConfigError

__all__ = ["labeling_function", "load_function_file"]

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute the decorator sets: the function's name as a labeling function.
MARK = "__activelabel_labeling_function__"


@overload
def labeling_function(name: F) -> F: ...


@overload
def labeling_function(name: str | None = None) -> Callable[[F], F]: ...


def labeling_function(name: str | F | None = None) -> F | Callable[[F], F]:
    """Mark a function as a labeling function (named ``name``, else its own name).

    The function itself is returned unchanged, so it can still be called and
    tested as it is. ``@labeling_function`` without parentheses works too.
    """
    if callable(name):
        setattr(name, MARK, name.__name__)
        return name

    def mark(function: F) -> F:
        setattr(function, MARK, name or function.__name__)
        return function

    return mark


def load_function_file(
    code: str, *, filename: str
) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
    """Run a file's ``code`` and return its labeling functions by name, in file order.

    Raises :class:`ConfigError` naming the file and line when the code does
    not run, when two functions share a name, or when none is decorated.
    """
    where = f"The labeling function file {filename}"
    try:
        compiled = compile(code, filename, "exec")
    except SyntaxError as exc:
        raise ConfigError(
            f"{where} does not import: line {exc.lineno}: {exc.msg}."
        ) from None
    module = types.ModuleType("activelabel_labeling_functions")
    module.__file__ = filename
    try:
        exec(compiled, module.__dict__)
    except (Exception, SystemExit) as exc:
        line = _line_in(exc, filename)
        raise ConfigError(
            f"{where} does not import: {line}{type(exc).__name__}: {exc}."
        ) from None
    found: dict[str, Callable[[Mapping[str, Any]], Any]] = {}
    for value in list(module.__dict__.values()):
        if not isinstance(value, types.FunctionType):
            continue
        marked = getattr(value, MARK, None)
        if not isinstance(marked, str):
            continue
        if marked in found and found[marked] is not value:
            raise ConfigError(
                f"{where} defines two labeling functions named {marked!r}; give "
                "one another name (@activelabel.labeling_function(name=...))."
            )
        found[marked] = value
    if not found:
        raise ConfigError(
            f"{where} defines no labeling function; mark each with "
            "@activelabel.labeling_function()."
        )
    return found


def _line_in(exc: BaseException, filename: str) -> str:
    """``"line N: "`` of the deepest frame of ``filename`` in the traceback."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename == filename
    ]
    return f"line {lines[-1]}: " if lines else ""
