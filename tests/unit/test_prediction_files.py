"""Which files --as-predictions reads as predictions for stored items."""

from __future__ import annotations

from typing import Any

import pytest

from activelabel.io.prediction_rows import names_no_items
from activelabel.store.models import Project


def project(modality: str, **config: Any) -> Project:
    return Project(
        name="p",
        task="classification",
        modality=modality,
        labels=["ham", "spam"],
        config=config,
    )


@pytest.mark.parametrize(
    ("made", "columns", "expected"),
    [
        (project("text", text_column="text"), ["id", "label", "score"], True),
        (project("text", text_column="text"), ["id", "text", "label"], False),
        # An export with --include-predictions carries its texts too.
        (
            project("text", text_column="text"),
            ["external_id", "text", "prediction"],
            True,
        ),
        # No text column yet: no stored texts to predict for.
        (project("text"), ["id", "label"], False),
        (project("tabular", feature_columns=["a", "b"]), ["id", "label"], True),
        (project("tabular", feature_columns=["a", "b"]), ["id", "b", "label"], False),
        (project("image"), ["id", "label", "score"], True),
        (project("image", media_column="path"), ["path", "label"], False),
    ],
)
def test_a_file_without_item_content_holds_predictions_for_stored_items(
    made: Project, columns: list[str], expected: bool
) -> None:
    found = names_no_items(
        made,
        dict.fromkeys(columns),
        text_column=None,
        media_column=None,
        feature_columns=None,
    )
    assert found is expected


def test_a_text_column_named_for_the_import_counts_as_item_content() -> None:
    made = project("text", text_column="text")
    assert not names_no_items(
        made,
        dict.fromkeys(["id", "body", "label"]),
        text_column="body",
        media_column=None,
        feature_columns=None,
    )
