"""Task kinds, label schemas and annotation values."""

from __future__ import annotations

import pytest

from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.tasks import Modality, TaskKind, parse_labels, validate_value


def test_parse_labels_keeps_order_and_strips_spaces() -> None:
    assert parse_labels(" ham , spam ") == ["ham", "spam"]
    assert parse_labels(["b", "a"]) == ["b", "a"]


@pytest.mark.parametrize(
    ("labels", "message"),
    [("", "empty"), ("a,,b", "blank"), ("a,b,a", "appears twice")],
)
def test_parse_labels_refuses_bad_schemas(labels: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_labels(labels)


def test_task_kind_parse_lists_the_choices_on_a_typo() -> None:
    with pytest.raises(ConfigError, match="classification, multilabel, ner, detection"):
        TaskKind.parse("clasification")
    assert Modality.parse(" Image ") is Modality.IMAGE


def test_classification_value_must_be_a_label_of_the_schema() -> None:
    assert validate_value("classification", ["ham", "spam"], "spam") == "spam"
    with pytest.raises(InvalidLabelError, match="row 3: 'eggs' is not a label"):
        validate_value("classification", ["ham", "spam"], "eggs", where="row 3")


def test_multilabel_value_accepts_a_comma_string_and_returns_schema_order() -> None:
    labels = ["a", "b", "c"]
    assert validate_value("multilabel", labels, "c, a") == ["a", "c"]
    assert validate_value("multilabel", labels, []) == []
    with pytest.raises(InvalidLabelError, match="repeats"):
        validate_value("multilabel", labels, ["a", "a"])


def test_ner_spans_need_whole_ordered_offsets() -> None:
    value = [{"start": 0, "end": 5, "label": "PER"}]
    assert validate_value("ner", ["PER", "LOC"], value) == value
    with pytest.raises(InvalidLabelError, match="start < end"):
        validate_value("ner", ["PER"], [{"start": 5, "end": 5, "label": "PER"}])
    with pytest.raises(InvalidLabelError, match="must be a number"):
        validate_value("ner", ["PER"], [{"start": "0", "end": 5, "label": "PER"}])


def test_detection_boxes_need_positive_size_inside_the_image() -> None:
    box = {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "label": "cat"}
    assert validate_value("detection", ["cat"], [box])[0]["w"] == 0.3
    suggested = {**box, "source": "model", "score": 0.7}
    assert validate_value("detection", ["cat"], [suggested]) == [box]
    with pytest.raises(InvalidLabelError, match="width and height above zero"):
        validate_value("detection", ["cat"], [{**box, "w": 0}])
    with pytest.raises(InvalidLabelError, match="outside the image"):
        validate_value("detection", ["cat"], [{**box, "x": 0.8}])
    with pytest.raises(InvalidLabelError, match="list of objects"):
        validate_value("detection", ["cat"], box)
