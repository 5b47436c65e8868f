"""The notebook widget's kernel side, driven directly on a real SQLite store.

What the front end shows is the widget's synced state (``item``,
``suggestion``, ``progress``, ``message``…); these tests call what the keys
call (``label``, ``accept``, ``skip``, ``undo``, and the front end's messages)
and read that state and the database. Background rounds are off here
(``retrain=False``) except where a round is the point; the browser test runs
the whole thing in JupyterLab.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from PIL import Image
from sqlalchemy import select

import activelabel
from activelabel import Project
from activelabel.notebook import LabelWidget
from activelabel.store.models import Annotation, User

TEXTS = [
    "Free entry to win a prize, text WIN now",
    "Are we still on for lunch tomorrow?",
    "URGENT: claim your cash reward today",
    "I'll call you when I get home",
    "Congratulations, you won a free cruise",
    "Can you pick up milk on the way?",
]


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """Six texts in a new SQLite project, nothing labeled."""
    with Project.create(tmp_path / "labels.db", "sms", labels=["ham", "spam"]) as p:
        source = tmp_path / "texts.csv"
        pd.DataFrame({"text": TEXTS}).to_csv(source, index=False)
        p.import_file(source, text_column="text")
        yield p


@pytest.fixture
def widget(project: Project) -> Iterator[LabelWidget]:
    made = project.widget(annotator="alice", retrain=False)
    try:
        yield made
    finally:
        made.close()


def _active(project: Project) -> list[tuple[str, Any, str, bool]]:
    """(external id, value, annotator, accepted suggestion) of active labels."""
    from activelabel.store.models import Item

    with project.store.session() as session:
        rows = session.execute(
            select(
                Item.external_id,
                Annotation.value,
                User.name,
                Annotation.accepted_suggestion,
            )
            .join(Annotation, Annotation.item_id == Item.id)
            .join(User, User.id == Annotation.annotator_id)
            .where(Annotation.status == "active")
            .order_by(Annotation.id)
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _press(widget: LabelWidget, action: str, value: Any = None) -> None:
    """What the front end sends on a key press on the item it shows."""
    item = widget.item["id"] if widget.item else None
    widget._on_front_end_message(
        widget, {"action": action, "item": item, "value": value}, []
    )


def test_widget_shows_the_first_item_with_the_pages_keys(widget: LabelWidget) -> None:
    assert widget.item is not None
    assert widget.item["kind"] == "text"
    assert widget.item["text"] in TEXTS
    assert widget.labels == ["ham", "spam"]
    assert widget.label_keys == {"ham": "1", "spam": "2"}
    assert widget.action_keys["accept"] == ["Enter"]
    assert widget.action_keys["skip"][0] == "Space"
    assert widget.action_keys["undo"][0] == "Backspace"
    assert widget.suggestion is None
    assert widget.progress["items"] == 6
    assert widget.progress["labeled_items"] == 0
    assert widget.progress["labels_until_round"] is None
    assert widget.annotator == "alice"


def test_a_label_key_stores_the_label_under_the_annotator_and_shows_the_next_item(
    widget: LabelWidget, project: Project
) -> None:
    first = widget.item["external_id"]
    _press(widget, "label", "spam")
    assert _active(project) == [(first, "spam", "alice", False)]
    assert widget.item["external_id"] != first
    assert widget.last_label == {"external_id": first, "value": "spam"}
    assert widget.progress["labeled_items"] == 1
    assert widget.progress["mine"] == 1


def test_a_second_press_on_an_item_already_labeled_is_dropped(
    widget: LabelWidget, project: Project
) -> None:
    first = widget.item["id"]
    message = {"action": "label", "item": first, "value": "ham"}
    widget._on_front_end_message(widget, message, [])
    # The front end still showed the first item when the key came again.
    widget._on_front_end_message(widget, message, [])
    assert len(_active(project)) == 1


def test_a_label_outside_the_schema_is_a_sentence_and_stores_nothing(
    widget: LabelWidget, project: Project
) -> None:
    shown = widget.item["external_id"]
    widget.label("eggs")
    assert "eggs" in widget.message
    assert widget.item["external_id"] == shown
    assert _active(project) == []


def test_enter_without_a_suggestion_says_why_and_stores_nothing(
    widget: LabelWidget, project: Project
) -> None:
    _press(widget, "accept")
    assert "No suggestion to accept" in widget.message
    assert _active(project) == []


def test_enter_accepts_the_models_suggestion(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {
            "text": [f"{text} ({i})" for i, text in enumerate(TEXTS * 3)],
            "id": [f"sms-{i}" for i in range(18)],
            "label": [("spam", "ham")[i % 2] for i in range(8)] + [None] * 10,
        }
    )
    source = tmp_path / "labeled.csv"
    rows.to_csv(source, index=False)
    with Project.create(tmp_path / "l.db", "sms", labels=["ham", "spam"]) as project:
        project.import_file(
            source, text_column="text", id_column="id", label_column="label"
        )
        model = project.run_round().model_version
        widget = project.widget(annotator="bob", retrain=False)
        try:
            suggestion = widget.suggestion
            assert suggestion is not None
            assert suggestion["value"] in ("ham", "spam")
            assert suggestion["source"] == "model"
            assert suggestion["model"] == model
            assert widget.progress["model"] == model
            assert len(widget.progress["curve"]) == 1
            shown = widget.item["external_id"]
            _press(widget, "accept")
            assert (shown, suggestion["value"], "bob", True) in _active(project)
        finally:
            widget.close()


def test_space_skips_the_item_to_the_back_and_shows_another(
    widget: LabelWidget, project: Project
) -> None:
    skipped = widget.item["external_id"]
    _press(widget, "skip")
    assert widget.item["external_id"] != skipped
    assert widget.message == f"Skipped {skipped}."
    assert _active(project) == []
    # Skipped items come back last: after the five others are labeled.
    seen = []
    for _ in range(5):
        seen.append(widget.item["external_id"])
        widget.label("ham")
    assert skipped not in seen[:4]
    assert widget.item is None or widget.item["external_id"] == skipped


def test_backspace_undoes_the_last_labels_one_by_one(
    widget: LabelWidget, project: Project
) -> None:
    first = widget.item["external_id"]
    widget.label("ham")
    second = widget.item["external_id"]
    widget.label("spam")
    _press(widget, "undo")
    assert widget.item["external_id"] == second
    assert [row[0] for row in _active(project)] == [first]
    assert widget.progress["mine"] == 1
    _press(widget, "undo")
    assert widget.item["external_id"] == first
    assert _active(project) == []
    _press(widget, "undo")
    assert widget.message.startswith("Nothing to undo")
    # The undone item is labeled again like any other.
    widget.label("spam")
    assert _active(project) == [(first, "spam", "alice", False)]


def test_two_annotators_widgets_never_show_the_same_item(project: Project) -> None:
    alice = project.widget(annotator="alice", retrain=False)
    bob = project.widget(annotator="bob", retrain=False)
    try:
        shown = set()
        for _ in range(3):
            assert alice.item["id"] != bob.item["id"]
            shown |= {alice.item["id"], bob.item["id"]}
            held = {i.id for i in project.next_items(5, annotator="carol")}
            assert not held & {alice.item["id"], bob.item["id"]}
            for item in project.next_items(5, annotator="carol"):
                project.skip(item, annotator="carol")
            alice.label("ham")
            bob.label("spam")
        assert len(shown) == 6
        assert {row[2] for row in _active(project)} == {"alice", "bob"}
    finally:
        alice.close()
        bob.close()


def test_a_cell_run_again_closes_the_widget_it_replaces(project: Project) -> None:
    first = project.widget(annotator="alice")
    second = project.widget(annotator="alice")
    other = project.widget(annotator="bob")
    try:
        assert first._trainer is None
        assert second._trainer is not None
        assert other._trainer is not None
    finally:
        for made in (first, second, other):
            made.close()


def test_when_everything_is_labeled_the_widget_says_so(
    widget: LabelWidget,
) -> None:
    for _ in range(6):
        widget.label("ham")
    assert widget.item is None
    assert widget.suggestion is None
    assert widget.message.startswith("No item is left for alice")
    widget.refresh()
    assert widget.progress["labeled_items"] == 6


def test_a_multilabel_widget_stores_the_labels_toggled(tmp_path: Path) -> None:
    with Project.create(
        tmp_path / "m.db", "tags", task="multilabel", labels=["urgent", "money"]
    ) as project:
        source = tmp_path / "texts.csv"
        pd.DataFrame({"text": TEXTS}).to_csv(source, index=False)
        project.import_file(source, text_column="text")
        widget = project.widget(annotator="alice", retrain=False)
        try:
            assert widget.editor == "multilabel"
            shown = widget.item["external_id"]
            _press(widget, "label", ["urgent", "money"])
            assert _active(project) == [(shown, ["urgent", "money"], "alice", False)]
        finally:
            widget.close()


def test_a_span_project_is_refused_with_a_sentence(tmp_path: Path) -> None:
    with Project.create(
        tmp_path / "n.db", "ner", task="ner", labels=["PER", "LOC"]
    ) as project:
        with pytest.raises(activelabel.ConfigError, match="label it in the page"):
            project.widget(retrain=False)


def test_an_image_item_travels_as_a_data_url(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    for name, colour in (("red.png", "red"), ("blue.png", "blue")):
        Image.new("RGB", (8, 8), colour).save(folder / name)
    with Project.create(
        tmp_path / "i.db", "colours", labels=["red", "blue"], modality="image"
    ) as project:
        project.import_file(folder)
        widget = project.widget(annotator="alice", retrain=False)
        try:
            assert widget.item["kind"] == "image"
            assert widget.item["media"].startswith("data:image/png;base64,")
            assert widget.item["media_error"] is None
        finally:
            widget.close()


def test_a_sound_travels_as_a_data_url_with_the_play_key(tmp_path: Path) -> None:
    import numpy as np
    import soundfile

    folder = tmp_path / "sounds"
    folder.mkdir()
    for name, pitch in (("low.wav", 220.0), ("high.wav", 880.0)):
        wave = np.sin(2 * np.pi * pitch * np.arange(800) / 8000).astype("float32")
        soundfile.write(folder / name, wave, 8000)
    with Project.create(
        tmp_path / "a.db", "pitch", labels=["low", "high"], modality="audio"
    ) as project:
        project.import_file(folder)
        widget = project.widget(annotator="alice", retrain=False)
        try:
            assert widget.item["kind"] == "audio"
            assert widget.item["media"].startswith("data:audio/")
            assert widget.action_keys["play"] == ["p"]
        finally:
            widget.close()


def test_a_table_row_shows_its_fields(tmp_path: Path) -> None:
    source = tmp_path / "wine.csv"
    pd.DataFrame({"alcohol": [9.5, 12.1], "acidity": [0.3, 0.7]}).to_csv(
        source, index=False
    )
    with Project.create(
        tmp_path / "t.db", "wine", labels=["red", "white"], modality="tabular"
    ) as project:
        project.import_file(source, feature_columns=["alcohol", "acidity"])
        widget = project.widget(annotator="alice", retrain=False)
        try:
            assert widget.item["kind"] == "table"
            assert dict(widget.item["fields"]).keys() == {"alcohol", "acidity"}
        finally:
            widget.close()


def test_label_a_dataframe_twice_imports_its_rows_once(tmp_path: Path) -> None:
    df = pd.DataFrame({"text": TEXTS, "n": range(6)})
    db = tmp_path / "df.db"
    for _ in range(2):  # a notebook cell run again
        widget = activelabel.label(
            df, labels=["ham", "spam"], db=db, annotator="alice", retrain=False
        )
        assert widget.progress["items"] == 6
        widget.label("ham")
        widget.close()
    with Project.open(db, "notebook") as project:
        assert project.stats()["labeled_items"].iloc[0] == 2


def test_label_names_the_text_column_it_cannot_guess(tmp_path: Path) -> None:
    df = pd.DataFrame({"subject": ["a", "b"], "body": ["c", "d"]})
    with pytest.raises(activelabel.ConfigError, match="several: subject, body"):
        activelabel.label(df, labels=["x", "y"], db=tmp_path / "g.db")
    with pytest.raises(activelabel.ConfigError, match="pandas DataFrame, got list"):
        activelabel.label([1, 2], labels=["x", "y"], db=tmp_path / "g.db")  # type: ignore[arg-type]


def test_a_bad_cell_names_the_dataframes_row_and_imports_nothing(
    tmp_path: Path,
) -> None:
    df = pd.DataFrame(
        {"text": ["a b", "c d", "e f"], "label": ["ham", "eggs", None]},
        index=[10, 11, 12],
    )
    with pytest.raises(activelabel.InvalidLabelError) as refused:
        activelabel.label(
            df, labels=["ham", "spam"], db=tmp_path / "b.db", label_column="label"
        )
    assert str(refused.value).startswith("The DataFrame's row at index 11: 'eggs'")
    assert "unknown_labels='drop'" in str(refused.value)
    with Project.open(tmp_path / "b.db", "notebook") as project:
        assert project.stats()["items"].iloc[0] == 0
    widget = activelabel.label(
        df,
        labels=["ham", "spam"],
        db=tmp_path / "b.db",
        label_column="label",
        unknown_labels="drop",
        retrain=False,
    )
    try:
        assert widget.progress["items"] == 3
        assert widget.progress["labeled_items"] == 1
    finally:
        widget.close()


def test_the_learning_curve_is_a_matplotlib_figure(project: Project) -> None:
    from matplotlib.figure import Figure

    empty = project.plot_learning_curve()
    assert isinstance(empty, Figure)
    assert "No model yet" in empty.axes[0].texts[0].get_text()
    for item, value in zip(
        project.next_items(6, annotator="alice"),
        ["spam", "ham", "spam", "ham", "spam", "ham"],
        strict=True,
    ):
        project.label(item, value, annotator="alice")
    project.run_round()
    figure = project.plot_learning_curve()
    assert figure.axes[0].get_lines()


def test_importing_activelabel_does_not_import_the_widget_stack() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import activelabel, sys; print('anywidget' in sys.modules); "
            "activelabel.label; print('anywidget' in sys.modules)",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert out == ["False", "True"]
