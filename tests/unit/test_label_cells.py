"""Label cells read through a taxonomy, and what the task adapters answer for it."""

from __future__ import annotations

from typing import Any

import pytest

from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.io.label_cells import LabelCells
from activelabel.store.models import Project
from activelabel.tasks import adapter_for
from activelabel.tasks.adapter import ancestors, label_choices

LABELS = ["nlp", "transformers", "bert", "cv", "3d"]
TAXONOMY = {
    "aliases": {"natural-language-processing": "nlp", "three-dimensional": "3d"},
    "parents": {"bert": ["transformers"], "transformers": ["nlp"], "3d": ["cv"]},
}


def _project(task: str = "multilabel", config: dict[str, Any] | None = None) -> Project:
    return Project(
        id=1,
        name="topics",
        task=task,
        modality="text",
        labels=list(LABELS),
        config=TAXONOMY if config is None else config,
    )


def test_an_alias_folds_into_its_label_and_a_child_brings_its_parents() -> None:
    cells = LabelCells(_project())
    assert cells.read("bert, three-dimensional", "row 1") == [
        "nlp",
        "transformers",
        "bert",
        "cv",
        "3d",
    ]
    assert cells.read(["natural-language-processing"], "row 2") == ["nlp"]
    assert cells.read("", "row 3") is None
    assert (cells.counts.rows_folded, cells.counts.rows_with_parents) == (2, 1)


def test_refuse_names_the_label_the_row_and_what_to_do() -> None:
    cells = LabelCells(_project())
    with pytest.raises(
        InvalidLabelError,
        match=r"row 4: 'bertt' is not a label of this project; the labels are: "
        r"nlp, transformers, bert, cv, 3d\. Did you mean 'bert'\? Import with "
        r"--unknown-labels drop",
    ):
        cells.read("nlp, bertt", "row 4")


def test_refuse_without_a_taxonomy_says_the_same_sentence() -> None:
    cells = LabelCells(_project(config={}))
    with pytest.raises(InvalidLabelError, match=r"row 2: 'x' .* --unknown-labels add"):
        cells.read("nlp, x", "row 2")
    assert cells.read("nlp, bert", "row 3") == ["nlp", "bert"]


def test_drop_leaves_unknown_labels_out_and_counts_rows_left_unlabeled() -> None:
    cells = LabelCells(_project(), "drop")
    assert cells.read("code, 3d", "row 1") == ["cv", "3d"]
    assert cells.read("code, tutorial", "row 2") is None
    assert (cells.counts.rows_dropped, cells.counts.rows_emptied) == (2, 1)


def test_add_adds_each_unknown_label_once_and_counts_every_row_holding_one() -> None:
    cells = LabelCells(_project(), "add")
    assert cells.read("code, nlp", "row 1") == ["nlp", "code"]
    assert cells.read("code", "row 2") == ["code"]
    assert cells.labels == [*LABELS, "code"]
    assert cells.counts.labels_added == ["code"]
    assert cells.counts.rows_adding == 2
    assert cells.counts.notes() == ["1 labels added to the project from 2 rows (code)."]


def test_single_label_cells_fold_aliases_but_never_add_parents() -> None:
    cells = LabelCells(_project("classification"), "drop")
    assert cells.read("three-dimensional", "row 1") == "3d"
    assert cells.read("bert", "row 2") == "bert"
    assert cells.read("code", "row 3") is None
    assert cells.counts.rows_with_parents == 0


def test_an_unknown_choice_is_refused() -> None:
    with pytest.raises(ConfigError, match="one of refuse, drop, add, not 'keep'"):
        LabelCells(_project(), "keep")


def test_ancestors_walk_the_closure_nearest_first_and_stop_at_a_cycle() -> None:
    assert ancestors(TAXONOMY["parents"], ["bert"]) == ["transformers", "nlp"]
    assert ancestors({"a": ["b"], "b": ["a"]}, ["a"]) == ["b"]


def test_a_long_schema_names_the_closest_labels_not_all_of_them() -> None:
    labels = [f"tag-{i:03d}" for i in range(399)] + ["question-answering"]
    said = label_choices("question-answer", labels)
    assert said == "the closest of its 400 labels are: 'question-answering'."
    assert "none of its 400 labels is close" in label_choices("zzz", labels)


@pytest.mark.parametrize("task", ["ner", "detection"])
def test_object_kinds_rename_each_objects_label_and_add_no_parents(task: str) -> None:
    adapter = adapter_for(task)
    value = [{"start": 0, "end": 3, "label": "three-dimensional"}, {"label": "x"}]
    renamed = adapter.relabel(value, lambda label: "3d" if label != "x" else None)
    assert renamed == [{"start": 0, "end": 3, "label": "3d"}]
    assert adapter.value_labels(renamed) == ["3d"]
    assert adapter.parents_to_add(LABELS, renamed, TAXONOMY["parents"]) == []
