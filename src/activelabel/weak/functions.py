"""The kinds of labeling function, as plain values the apply step compiles.

A function votes a label for an item or abstains. Keyword and regex
functions read the item's text (its project's text field) and vote their one
label; a Python function reads all the item's fields and returns a label, a
list of labels (multilabel) or ``None``. These are built from the store's
rows by the loop, or directly (a benchmark, a notebook).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["KeywordFunction", "LabelingFunctionDef", "PythonFunction", "RegexFunction"]


@dataclass(frozen=True)
class KeywordFunction:
    """Votes ``label`` when the text holds one of ``keywords`` as whole words.

    "win" matches "win!" and "WIN" (unless ``case_sensitive``), never "winner".
    """

    name: str
    label: str
    keywords: tuple[str, ...]
    case_sensitive: bool = False


@dataclass(frozen=True)
class RegexFunction:
    """Votes ``label`` when ``pattern`` matches somewhere in the text (``re.search``)."""

    name: str
    label: str
    pattern: str


@dataclass(frozen=True)
class PythonFunction:
    """Calls ``function`` with the item's fields; its result is the vote.

    A label, a list of labels, or ``None`` to abstain.
    """

    name: str
    function: Callable[[Mapping[str, Any]], Any]


LabelingFunctionDef = KeywordFunction | RegexFunction | PythonFunction
