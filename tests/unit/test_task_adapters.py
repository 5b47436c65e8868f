"""Each task kind answers for itself through its adapter."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.tasks import ADAPTERS, TaskKind, adapter_for

SRC = Path(__file__).resolve().parents[2] / "src" / "activelabel"


def test_every_task_kind_has_an_adapter_that_names_itself_and_its_editor() -> None:
    assert set(ADAPTERS) == set(TaskKind)
    for kind, adapter in ADAPTERS.items():
        assert adapter.kind is kind
        assert adapter.editor == kind.value
        assert adapter_for(kind.value) is adapter


def test_classification_reads_a_number_cell_as_its_label_and_blank_as_none() -> None:
    adapter = adapter_for("classification")
    assert adapter.parse_cell(["0", "1"], 1, where="row 2") == "1"
    assert adapter.parse_cell(["0", "1"], 1.0, where="row 2") == "1"
    assert adapter.parse_cell(["ham", "spam"], "  ", where="row 2") is None
    assert adapter.quick_labels(["ham", "spam"]) == {"ham", "spam"}


def test_a_misspelled_label_cell_is_refused_with_the_closest_label() -> None:
    with pytest.raises(InvalidLabelError, match=r"row 7: 'spma'.*Did you mean 'spam'"):
        adapter_for("classification").parse_cell(["ham", "spam"], "spma", where="row 7")


def test_multilabel_reads_a_json_list_or_a_comma_string_in_schema_order() -> None:
    adapter = adapter_for("multilabel")
    labels = ["a", "b", "c"]
    assert adapter.parse_cell(labels, '["c", "a"]', where="row 1") == ["a", "c"]
    assert adapter.parse_cell(labels, "c, b", where="row 1") == ["b", "c"]
    assert adapter.quick_labels(labels) == frozenset()


def test_span_and_box_cells_must_be_json_and_name_the_row() -> None:
    for kind in ("ner", "detection"):
        with pytest.raises(InvalidLabelError, match=f"row 3: a {kind} label must be"):
            adapter_for(kind).parse_cell(["PER"], "PER", where="row 3")
    spans = adapter_for("ner").parse_cell(
        ["PER"], '[{"start": 0, "end": 4, "label": "PER"}]', where="row 1"
    )
    assert spans == [{"start": 0, "end": 4, "label": "PER"}]


def test_only_kinds_with_a_model_family_can_train() -> None:
    assert adapter_for("classification").can_train(["ham", "spam"])
    assert not adapter_for("classification").can_train(["ham", "ham"])
    assert adapter_for("multilabel").can_train([["a"], ["a", "b"]])
    ner = [[{"start": 0, "end": 1, "label": "PER"}], []]
    assert not adapter_for("ner").can_train(ner)
    assert adapter_for("ner").model_family == "crf_sequence"
    five = [*ner, [], [], [{"start": 2, "end": 4, "label": "ORG"}]]
    assert adapter_for("ner").can_train(five)
    assert not adapter_for("ner").can_train([[], [], [], [], [], []])
    assert adapter_for("detection").model_family == "box_detector"
    boxes = [[{"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2, "label": "cat"}], [], [], []]
    assert adapter_for("detection").can_train(boxes)
    assert not adapter_for("detection").can_train(boxes[:3])
    assert not adapter_for("detection").can_train([[], [], [], []])


def test_suggestions_are_the_best_label_or_every_label_above_one_half() -> None:
    proba = np.array([[0.2, 0.8], [0.6, 0.4]])
    values, confidence = adapter_for("classification").suggest(proba, ["ham", "spam"])
    assert values == ["spam", "ham"]
    assert confidence == pytest.approx([0.8, 0.6])
    values, confidence = adapter_for("multilabel").suggest(proba, ["a", "b"])
    assert values == [["b"], ["a"]]
    assert confidence == pytest.approx([0.8, 0.6])


def test_no_code_outside_the_task_adapters_branches_on_the_task_kind() -> None:
    pattern = re.compile(
        r"task (==|!=|in) |TaskKind\.(NER|DETECTION|MULTILABEL|CLASSIFICATION)"
    )
    offenders = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in SRC.rglob("*.py")
        if "tasks" not in path.relative_to(SRC).parts[:1]
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_no_code_outside_the_project_config_reads_settings_from_the_raw_json() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in SRC.rglob("*.py")
        if path.name != "project_config.py" and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "config.get(" in line or "project.config" in line
    ]
    assert offenders == []


def test_the_model_and_query_libraries_import_nothing_from_the_store() -> None:
    found = subprocess.run(
        ["grep", "-rnE", r"activelabel\.store|from \.\.store", "al", "ml"],
        cwd=SRC,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert found == ""


def test_importing_the_task_kinds_and_the_models_loads_no_numpy() -> None:
    # Every CLI command and export child imports the models: numpy would cost
    # each of them ~20 MB and a third of a second.
    code = (
        "import sys, activelabel.store.models, activelabel.tasks; "
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_every_adapters_model_family_is_one_the_loop_can_train() -> None:
    from activelabel.ml.model_families import MODEL_FAMILIES

    families = {a.model_family for a in ADAPTERS.values()} - {None}
    assert families <= set(MODEL_FAMILIES)
    assert families == {"single_label", "one_vs_rest", "crf_sequence", "box_detector"}


def test_a_model_family_trains_the_values_of_its_task_kind() -> None:
    from activelabel.ml.model_families import train_family

    X = np.array([[0.0], [0.1], [0.2], [1.0], [1.1], [1.2]] * 2)
    single = train_family("single_label", X, ["a", "a", "a", "b", "b", "b"] * 2)
    assert list(single.classes) == ["a", "b"]
    sets = [["a"], ["a"], ["a"], ["b"], ["a", "b"], ["b"]] * 2
    multi = train_family("one_vs_rest", X, sets)
    assert multi.multilabel and list(multi.classes) == ["a", "b"]
    with pytest.raises(ConfigError, match="Unknown model family 'crf'"):
        train_family("crf", X, ["a"] * 12)
