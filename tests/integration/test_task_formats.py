"""A task kind's formats: labels come only from formats its adapter reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from activelabel.exceptions import ConfigError
from activelabel.io.importer import import_path
from activelabel.store.engine import Store
from activelabel.store.projects import create_project, get_project
from activelabel.store.stats import project_stats


def test_labels_in_a_format_the_task_does_not_read_are_refused_naming_both(
    store: Store, tmp_path: Path
) -> None:
    with store.session() as session:
        create_project(session, name="news", task="ner", labels="PER,LOC")
    data = tmp_path / "spans.csv"
    data.write_text(
        'text,spans\nAda,"[{""start"": 0, ""end"": 3, ""label"": ""PER""}]"\n'
    )
    with pytest.raises(
        ConfigError, match=r"ner project's labels cannot be imported from csv.*jsonl"
    ):
        import_path(store, "news", data, label_column="spans")
    with store.session() as session:
        assert project_stats(session, get_project(session, "news")).items == 0
    # The same file without its labels imports: items come from any format.
    assert import_path(store, "news", data, text_column="text").items_added == 1
