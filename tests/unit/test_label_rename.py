"""A label renamed inside a stored value, per task kind, and undone again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from activelabel.store.label_schema import (
    LabelChangeRecord,
    rename_in_value,
    value_as_given,
)
from activelabel.tasks import adapter_for

SPANS = [
    {"start": 0, "end": 5, "label": "PER"},
    {"start": 9, "end": 15, "label": "LOC", "source": "model", "confidence": 0.8},
]
BOXES = [
    {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2, "label": "PER"},
    {"x": 0.5, "y": 0.5, "w": 0.2, "h": 0.2, "label": "cat"},
]


@pytest.mark.parametrize(
    ("task", "value", "renamed"),
    [
        ("classification", "PER", "person"),
        ("multilabel", ["LOC", "PER"], ["LOC", "person"]),
        (
            "ner",
            SPANS,
            [{"start": 0, "end": 5, "label": "person"}, SPANS[1]],
        ),
        ("detection", BOXES, [{**BOXES[0], "label": "person"}, BOXES[1]]),
    ],
)
def test_a_rename_reaches_the_label_wherever_the_kind_keeps_it(
    task: str, value: Any, renamed: Any
) -> None:
    adapter = adapter_for(task)
    assert rename_in_value(adapter, value, "PER", "person") == renamed
    # The value stored before the rename is recovered from the history.
    before = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    history = [
        LabelChangeRecord(1, "renamed", "PER", "person", 1, None, before.replace(day=2))
    ]
    assert value_as_given(adapter, renamed, before, history) == value
    # A value given after the rename already speaks the new name.
    assert value_as_given(adapter, renamed, before.replace(day=3), history) == renamed


@pytest.mark.parametrize(
    ("task", "value"),
    [
        ("classification", "ham"),
        ("multilabel", []),
        ("multilabel", ["LOC"]),
        ("ner", []),
        ("detection", [BOXES[1]]),
    ],
)
def test_a_value_without_the_label_is_left_as_the_same_object(
    task: str, value: Any
) -> None:
    # The same object: nothing is written for it (an empty label set stays one).
    assert rename_in_value(adapter_for(task), value, "PER", "person") is value


def test_renames_are_undone_newest_first() -> None:
    adapter = adapter_for("classification")
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    history = [
        LabelChangeRecord(1, "renamed", "a", "b", 1, None, t0.replace(day=2)),
        LabelChangeRecord(2, "added", "a", None, 0, None, t0.replace(day=3)),
        LabelChangeRecord(3, "renamed", "b", "c", 1, None, t0.replace(day=4)),
    ]
    # Given as "a" on day 1: a -> b -> c since.
    assert value_as_given(adapter, "c", t0, history) == "a"
    # The new "a" added on day 3 was never renamed.
    assert value_as_given(adapter, "a", t0.replace(day=3, hour=1), history) == "a"
