"""Project.skip and Project.undo on SQLite and PostgreSQL: the page's skip and undo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import activelabel
from activelabel import Project


@pytest.fixture
def project(db_url: str) -> Iterator[Project]:
    with Project.create(db_url, "sms", labels=["ham", "spam"]) as created:
        yield created


def _fill(project: Project, tmp_path_factory: pytest.TempPathFactory) -> None:
    source = tmp_path_factory.mktemp("rows") / "texts.csv"
    source.write_text(
        "id,text\n" + "".join(f"t{i},text number {i}\n" for i in range(5)),
        encoding="utf-8",
    )
    project.import_file(source, text_column="text", id_column="id")


def test_a_skipped_item_goes_behind_every_other(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _fill(project, tmp_path_factory)
    [first] = project.next_items(1, annotator="alice")
    project.skip(first, annotator="alice")
    order = [i.external_id for i in project.next_items(5, annotator="bob")]
    assert order[-1] == first.external_id
    assert len(order) == 5


def test_an_item_held_by_another_cannot_be_skipped_for_them(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _fill(project, tmp_path_factory)
    [held] = project.next_items(1, annotator="alice")
    with pytest.raises(activelabel.ItemLeasedError, match="leased to another"):
        project.skip(held.external_id, annotator="bob")


def test_undo_brings_the_item_back_first_and_only_for_its_annotator(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _fill(project, tmp_path_factory)
    [item] = project.next_items(1, annotator="alice")
    label = project.label(item, "spam", annotator="alice")
    with pytest.raises(activelabel.PermissionDeniedError, match="another annotator"):
        project.undo(label, annotator="bob")
    undone = project.undo(label.id, annotator="alice")
    assert undone.status == "undone"
    assert project.next_items(1, annotator="alice")[0].id == item.id
    assert project.labels().empty
