"""Apply a set of labeling functions to batches of items: the votes as arrays.

:class:`LabelingFunctionSet` compiles its functions once: every keyword
function into one Aho-Corasick automaton (:mod:`.keyword_matcher`), each
regex once (:mod:`.regex_scanner`), and runs them over a batch in one pass
each over the batch's joined texts. Python functions are called item by item
under a time limit (:mod:`.time_limit`); one that raises, runs past its
limit or returns something that is not a label of the project is disabled
for the rest of the run, with a sentence naming it and the item, while the
others finish. Nothing here reads or writes the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from activelabel.exceptions import ActiveLabelError
from activelabel.weak.functions import (
    KeywordFunction,
    LabelingFunctionDef,
    PythonFunction,
    RegexFunction,
)
from activelabel.weak.keyword_matcher import KeywordMatcher
from activelabel.weak.regex_scanner import RegexScanner
from activelabel.weak.time_limit import CallTimer, FunctionTimedOut

__all__ = ["BatchVotes", "LabelingFunctionSet", "Validate"]

#: Checks a Python function's result (``value``, ``where``) and returns it
#: normalized; raises with a sentence that starts with ``where``.
Validate = Callable[[Any, str], Any]

IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass
class BatchVotes:
    """The votes over one batch: vote ``k`` is function ``columns[k]`` giving label
    ``values[k]`` to the batch's item ``rows[k]``.

    ``failures`` maps a function (by index) that failed in this batch to the
    sentence saying why; it gave no votes and is skipped from now on.
    """

    rows: IntArray
    columns: IntArray
    values: IntArray
    failures: dict[int, str] = field(default_factory=dict)


class LabelingFunctionSet:
    """Labeling functions compiled together; :meth:`apply` runs them over a batch.

    ``labels`` are the labels a function may vote (a vote's value is an index
    into them). Keyword and regex functions read ``item[text_field]``.
    ``time_limit`` is each Python call's limit in seconds; ``validate``, if
    given, checks a Python function's result (the task kind's check).
    """

    def __init__(
        self,
        functions: Sequence[LabelingFunctionDef],
        *,
        labels: Sequence[str],
        text_field: str | None = None,
        time_limit: float = 1.0,
        validate: Validate | None = None,
    ) -> None:
        self.functions = tuple(functions)
        self.labels = tuple(labels)
        self.text_field = text_field
        self.time_limit = time_limit
        self._validate = validate
        self._label_index = {label: i for i, label in enumerate(self.labels)}
        #: Functions that failed (by index), skipped from then on.
        self.disabled: set[int] = set()
        keyword_columns = [
            i for i, f in enumerate(self.functions) if isinstance(f, KeywordFunction)
        ]
        self._keyword_columns = np.asarray(keyword_columns, dtype=np.int64)
        word_lists: list[tuple[Any, ...]] = [
            (f.keywords, f.case_sensitive, True)
            for f in self.functions
            if isinstance(f, KeywordFunction)
        ]
        #: (column, scanner, the matcher's list of strings it needs, if any)
        self._regexes: list[tuple[int, RegexScanner, int | None]] = []
        for i, f in enumerate(self.functions):
            if isinstance(f, RegexFunction):
                scanner = RegexScanner(f.pattern)
                needed = None
                if scanner.literals is not None:
                    # The same pass that finds keywords finds the texts
                    # worth scanning.
                    needed = len(word_lists)
                    word_lists.append((*scanner.literals, False))
                self._regexes.append((i, scanner, needed))
        self._matcher = KeywordMatcher(word_lists)
        self._python = [
            (i, f)
            for i, f in enumerate(self.functions)
            if isinstance(f, PythonFunction)
        ]
        # The label index each keyword or regex function votes.
        self._fixed_value = np.full(len(self.functions), -1, dtype=np.int64)
        for i, f in enumerate(self.functions):
            if isinstance(f, KeywordFunction | RegexFunction):
                self._fixed_value[i] = self._label_index[f.label]

    def apply(
        self,
        items: Sequence[Mapping[str, Any]],
        *,
        item_ids: Sequence[str] | None = None,
    ) -> BatchVotes:
        """The votes of every enabled function on ``items`` (each an item's fields).

        ``item_ids`` name the items in a failure's sentence (default: their
        position in the batch).
        """
        if self._keyword_columns.size or self._regexes:
            fixed_rows, fixed_columns = self._fixed_votes(
                [self._text(item) for item in items]
            )
        else:
            fixed_rows = fixed_columns = np.zeros(0, dtype=np.int64)
        if self.disabled and fixed_columns.size:
            keep = ~np.isin(fixed_columns, list(self.disabled))
            fixed_rows, fixed_columns = fixed_rows[keep], fixed_columns[keep]
        votes = BatchVotes(fixed_rows, fixed_columns, self._fixed_value[fixed_columns])
        if self._python:
            self._apply_python(items, item_ids, votes)
        return _unique(votes, len(self.functions), len(self.labels))

    def _fixed_votes(self, texts: Sequence[str]) -> tuple[IntArray, IntArray]:
        """(text, function) of every keyword and regex function's vote."""
        pairs = self._matcher.match(texts)
        n_keyword = len(self._keyword_columns)
        is_keyword = pairs[:, 1] < n_keyword
        rows = [pairs[is_keyword, 0]]
        columns = [self._keyword_columns[pairs[is_keyword, 1]]]
        everything: tuple[list[str], str, list[int]] | None = None
        for column, scanner, needed in self._regexes:
            if needed is None:
                if everything is None:
                    everything = (list(texts), *_joined(texts))
                hits = np.asarray(scanner.matching(*everything), dtype=np.int64)
            else:
                candidates = np.unique(pairs[pairs[:, 1] == needed, 0])
                chosen = [texts[i] for i in candidates.tolist()]
                found_in = scanner.matching(chosen, *_joined(chosen))
                hits = candidates[np.asarray(found_in, dtype=np.int64)]
            rows.append(hits)
            columns.append(np.full(len(hits), column, dtype=np.int64))
        return np.concatenate(rows), np.concatenate(columns)

    def _text(self, item: Mapping[str, Any]) -> str:
        value = item.get(self.text_field) if self.text_field is not None else None
        if value is None:
            return ""
        text = value if isinstance(value, str) else str(value)
        # A NUL separates the texts of a batch; inside one it would split it.
        return text.replace("\x00", " ") if "\x00" in text else text

    def _apply_python(
        self,
        items: Sequence[Mapping[str, Any]],
        item_ids: Sequence[str] | None,
        votes: BatchVotes,
    ) -> None:
        rows: list[int] = []
        columns: list[int] = []
        values: list[int] = []
        with CallTimer(self.time_limit) as timer:
            for column, function in self._python:
                if column in self.disabled:
                    continue
                found: list[tuple[int, int]] = []
                for row, item in enumerate(items):
                    failure = self._call(timer, function, item, item_ids, row, found)
                    if failure is not None:
                        votes.failures[column] = f"{failure}."
                        self.disabled.add(column)
                        break
                else:
                    for row, label in found:
                        rows.append(row)
                        columns.append(column)
                        values.append(label)
        if rows:
            votes.rows = np.concatenate([votes.rows, np.asarray(rows, np.int64)])
            votes.columns = np.concatenate(
                [votes.columns, np.asarray(columns, np.int64)]
            )
            votes.values = np.concatenate([votes.values, np.asarray(values, np.int64)])

    def _call(
        self,
        timer: CallTimer,
        function: PythonFunction,
        item: Mapping[str, Any],
        item_ids: Sequence[str] | None,
        row: int,
        found: list[tuple[int, int]],
    ) -> str | None:
        """Run ``function`` on one item, adding its votes to ``found``; a failure's
        sentence, else ``None``."""
        where = (
            f"The labeling function {function.name!r} on item "
            f"{_item_name(item_ids, row)}"
        )
        try:
            result = timer.call(function.function, item)
        except FunctionTimedOut:
            return f"{where} ran past its time limit of {self.time_limit:g} s"
        except Exception as exc:
            return f"{where} raised {type(exc).__name__}: {exc}"
        if result is None:
            return None
        if self._validate is not None:
            try:
                result = self._validate(result, where)
            except ActiveLabelError as exc:
                return exc.message.rstrip(".")
        chosen = [result] if isinstance(result, str) else result
        if not isinstance(chosen, list | tuple):
            return (
                f"{where} returned {result!r}, which is not a label, a list of "
                "labels or None"
            )
        for label in chosen:
            index = self._label_index.get(label) if isinstance(label, str) else None
            if index is None:
                return (
                    f"{where} returned {label!r}, which is not a label of this "
                    f"project (the labels are: {', '.join(self.labels)})"
                )
            found.append((row, index))
        return None


def _joined(texts: Sequence[str]) -> tuple[str, list[int]]:
    """The texts joined by NULs, and the offset of the NUL after each."""
    ends: list[int] = []
    offset = -1
    for text in texts:
        offset += len(text) + 1
        ends.append(offset)
    return "\x00".join(texts), ends


def _item_name(item_ids: Sequence[str] | None, row: int) -> str:
    return repr(item_ids[row]) if item_ids is not None else f"at position {row}"


def _unique(votes: BatchVotes, n_functions: int, n_labels: int) -> BatchVotes:
    """Each (item, function, label) once, sorted by item."""
    if not votes.rows.size:
        return votes
    # One integer per vote: a 1-D unique is several times faster than axis=1.
    n_functions, n_labels = max(n_functions, 1), max(n_labels, 1)
    keys = np.unique(
        (votes.rows * n_functions + votes.columns) * n_labels + votes.values
    )
    cells = keys // n_labels
    return BatchVotes(
        cells // n_functions, cells % n_functions, keys % n_labels, votes.failures
    )
