"""The Label Studio reader: tasks as rows, annotations as spans, predictions apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from activelabel.exceptions import ImportFormatError, InvalidLabelError
from activelabel.io.readers import read_batches

NER = Path(__file__).parent.parent / "fixtures" / "ner"


def tasks(path: Path, notes: list[str] | None = None) -> list[dict[str, Any]]:
    return [
        row
        for batch in read_batches(path, fmt="labelstudio", notes=notes)
        for row in batch.rows
    ]


def write(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(entries))
    return path


def test_the_fixture_gives_a_row_per_task_with_spans_and_a_models_predictions() -> None:
    rows = tasks(NER / "news_labelstudio.json")
    assert len(rows) == 12
    assert sum("spans" in r for r in rows) == 10
    predicted = [r for r in rows if "predictions" in r]
    assert len(predicted) == 3
    first = rows[0]
    assert first["text"] == "SOCCER - HARBOUR CITY BEAT NORTHFIELD IN CUP REPLAY."
    assert first["spans"] == [
        {"start": 9, "end": 21, "label": "ORG"},
        {"start": 27, "end": 37, "label": "ORG"},
    ]
    assert first["predictions"] == {
        "model_name": "ner-v1",
        "value": first["spans"],
        "score": 0.8,
    }
    # Task 11 was predicted but never annotated.
    assert "spans" not in rows[10] and rows[10]["predictions"]["value"]


def test_the_last_annotation_that_was_not_cancelled_is_the_label(
    tmp_path: Path,
) -> None:
    def result(label: str) -> list[dict[str, Any]]:
        value = {"start": 0, "end": 3, "text": "Ada", "labels": [label]}
        return [{"type": "labels", "value": value}]

    path = write(
        tmp_path / "export.json",
        [
            {
                "id": 7,
                "data": {"text": "Ada sings"},
                "annotations": [
                    {"result": result("PER")},
                    {"result": result("ORG"), "was_cancelled": True},
                ],
            }
        ],
    )
    (row,) = tasks(path)
    assert row == {
        "text": "Ada sings",
        "spans": [{"start": 0, "end": 3, "label": "PER"}],
    }


def test_results_that_are_not_spans_are_left_out_and_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path / "export.json",
        [
            {
                "data": {"text": "Ada sings"},
                "annotations": [
                    {
                        "result": [
                            {"type": "choices", "value": {"choices": ["music"]}},
                            {
                                "type": "labels",
                                "value": {"start": 0, "end": 3, "labels": ["PER"]},
                            },
                        ]
                    }
                ],
            }
        ],
    )
    notes: list[str] = []
    (row,) = tasks(path, notes)
    assert row["spans"] == [{"start": 0, "end": 3, "label": "PER"}]
    assert notes == [
        f"{path}: 1 result that is not a span (choices, relations, ...) was left out."
    ]


def test_a_span_whose_text_is_not_the_tasks_text_there_names_the_task(
    tmp_path: Path,
) -> None:
    value = {"start": 1, "end": 4, "text": "Ada", "labels": ["PER"]}
    path = write(
        tmp_path / "export.json",
        [
            {"id": 1, "data": {"text": "Bo"}},
            {
                "id": 2,
                "data": {"text": "Ada sings"},
                "annotations": [{"result": [{"type": "labels", "value": value}]}],
            },
        ],
    )
    with pytest.raises(
        InvalidLabelError,
        match=r"export.json, task 2 \(id 2\), result 1: the span 1–4 says it covers "
        r"'Ada', but the task's text there is 'da '",
    ):
        tasks(path)


def test_a_task_without_data_is_refused_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path / "export.json", [{"text": "Ada"}])
    with pytest.raises(
        ImportFormatError,
        match=r"export.json, task 1: a Label Studio task is an object",
    ):
        tasks(path)


def test_tasks_are_placed_by_their_number_and_id() -> None:
    (batch,) = read_batches(NER / "news_labelstudio.json", fmt="labelstudio")
    assert batch.places is not None
    assert batch.places[:2] == ["task 1 (id 101)", "task 2 (id 102)"]
