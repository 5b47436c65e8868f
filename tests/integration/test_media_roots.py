"""Media folders on SQLite and PostgreSQL: several roots per project, none colliding.

Each import records the folder its media paths are relative to; an item keeps
its own root, so a later import never moves earlier items, and two folders with
the same layout stay apart from import to labeling to the files served.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from activelabel.cli import app as cli
from activelabel.exceptions import MediaError
from activelabel.io.export import export_labels
from activelabel.io.importer import import_path
from activelabel.loop.round import run_round
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import (
    Store,
    current_revision,
    head_revision,
    make_engine,
    open_store,
    upgrade,
)
from activelabel.store.models import (
    Annotation,
    Item,
    MediaRoot,
    Project,
    QueueEntry,
)
from activelabel.store.projects import create_project

FIXTURES = Path(__file__).parent.parent / "fixtures"
CAT = FIXTURES / "images" / "cat"
DOG = FIXTURES / "images" / "dog"
#: The server answers only to the names it was started for.
LOCAL = "http://127.0.0.1"


@pytest.fixture
def pets(store: Store, project_factory) -> str:
    project_factory("pets", labels=("cat", "dog"), modality="image")
    return "pets"


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    app = create_app(store, ServerSettings(open_access=True, background_trainer=False))
    with TestClient(app, base_url=LOCAL) as test_client:
        yield test_client


def same_layout_folders(tmp_path: Path) -> tuple[Path, Path]:
    """Two folders holding cat/0000.jpg and cat/0001.jpg, with different pictures."""
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, source in ((first, CAT), (second, DOG)):
        (folder / "cat").mkdir(parents=True)
        for name in ("0000.jpg", "0001.jpg"):
            shutil.copy(source / name, folder / "cat" / name)
    return first, second


def items_by_file(store: Store) -> dict[str, Item]:
    """The items by the absolute path of their file, through their own root."""
    with store.session() as session:
        roots = dict(session.execute(select(MediaRoot.id, MediaRoot.path)).all())
        items = session.scalars(select(Item)).all()
        session.expunge_all()
    return {
        str(Path(roots[item.media_root_id]) / str(item.media_path)): item
        for item in items
    }


def test_a_folder_given_relative_to_the_working_directory_imports(
    store: Store, pets: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "images", tmp_path / "photos")
    monkeypatch.chdir(tmp_path)
    report = import_path(store, pets, "photos/", label_from_folder=True)
    assert (report.items_added, report.labels_added) == (12, 12)
    with store.session() as session:
        assert session.scalars(select(MediaRoot.path)).all() == [
            str((tmp_path / "photos").resolve())
        ]
    monkeypatch.chdir(tmp_path / "photos" / "cat")
    assert import_path(store, pets, "../").items_added == 0


def test_the_readme_import_line_works_from_the_parent_folder(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "images", tmp_path / "photos")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    init = ["init", "pets", "--labels", "cat,dog", "--modality", "image"]
    assert runner.invoke(cli, [*init, "--db", db_url]).exit_code == 0
    result = runner.invoke(cli, ["import", "pets", "photos/", "--db", db_url])
    assert result.exit_code == 0, result.stderr
    assert "12 new items" in result.stdout


def test_two_folders_import_into_one_project_and_both_are_served(
    store: Store, pets: str, client: TestClient, tmp_path: Path
) -> None:
    cats, dogs = tmp_path / "cats", tmp_path / "dogs"
    shutil.copytree(CAT, cats)
    shutil.copytree(DOG, dogs)
    assert import_path(store, pets, cats).items_added == 6
    assert import_path(store, pets, dogs).items_added == 6
    files = items_by_file(store)
    assert len(files) == 12
    for path, item in files.items():
        served = client.get(f"/api/v1/projects/pets/items/{item.id}/media")
        assert served.status_code == 200
        assert served.content == Path(path).read_bytes()


def test_two_folders_with_the_same_layout_do_not_collide(
    store: Store, pets: str, client: TestClient, tmp_path: Path
) -> None:
    first, second = same_layout_folders(tmp_path)
    import_path(store, pets, first, label_from_folder=True)
    report = import_path(store, pets, second, label_from_folder=True)
    assert (report.items_added, report.items_existing) == (2, 0)
    files = items_by_file(store)
    assert len(files) == 4
    assert {item.external_id for item in files.values()} == {
        "cat/0000.jpg",
        "cat/0001.jpg",
        "2:cat/0000.jpg",
        "2:cat/0001.jpg",
    }
    # Different pictures: the content hashes (the feature cache's key) differ.
    assert len({item.content_hash for item in files.values()}) == 4
    second_item = files[str(second / "cat" / "0000.jpg")]
    served = client.get(f"/api/v1/projects/pets/items/{second_item.id}/media")
    assert served.content == (DOG / "0000.jpg").read_bytes()
    with store.session() as session:
        labeled = session.scalars(select(Annotation.item_id)).all()
    assert sorted(labeled) == sorted(item.id for item in files.values())


def test_the_export_names_each_file_through_its_own_folder(
    store: Store, pets: str, tmp_path: Path
) -> None:
    first, second = same_layout_folders(tmp_path)
    import_path(store, pets, first)
    import_path(store, pets, second)
    export_labels(store, pets, tmp_path / "labels.csv")
    exported = pd.read_csv(tmp_path / "labels.csv")
    assert dict(zip(exported["external_id"], exported["media_path"], strict=True)) == {
        "cat/0000.jpg": str(first / "cat" / "0000.jpg"),
        "cat/0001.jpg": str(first / "cat" / "0001.jpg"),
        "2:cat/0000.jpg": str(second / "cat" / "0000.jpg"),
        "2:cat/0001.jpg": str(second / "cat" / "0001.jpg"),
    }


def test_reimporting_a_folder_its_subfolder_or_its_parent_adds_nothing_twice(
    store: Store, pets: str, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    shutil.copytree(FIXTURES / "images", photos)
    import_path(store, pets, photos / "cat")
    assert import_path(store, pets, photos / "cat").items_added == 0
    # The parent holds the cats already stored and six new dogs.
    report = import_path(store, pets, photos)
    assert (report.items_added, report.items_existing) == (6, 6)
    assert import_path(store, pets, photos / "dog").items_added == 0
    assert len(items_by_file(store)) == 12


def test_media_root_on_a_later_import_does_not_move_earlier_items(
    store: Store, pets: str, client: TestClient, tmp_path: Path
) -> None:
    cats, other = tmp_path / "cats", tmp_path / "other"
    shutil.copytree(CAT, cats)
    shutil.copytree(DOG, other / "dogs")
    import_path(store, pets, cats)
    before = items_by_file(store)
    import_path(store, pets, other / "dogs", media_root=other)
    after = items_by_file(store)
    for path, item in before.items():
        assert after[path].media_path == item.media_path
        assert after[path].media_root_id == item.media_root_id
    assert len(after) == 12
    assert after[str(other / "dogs" / "0000.jpg")].media_path == "dogs/0000.jpg"
    for item in after.values():
        assert (
            client.get(f"/api/v1/projects/pets/items/{item.id}/media").status_code
            == 200
        )


def test_lists_of_the_same_file_names_in_two_folders_stay_apart(
    store: Store, pets: str, tmp_path: Path
) -> None:
    first, second = same_layout_folders(tmp_path)
    for folder in (first, second):
        (folder / "list.csv").write_text("path\ncat/0000.jpg\ncat/0001.jpg\n")
        import_path(store, pets, folder / "list.csv", media_column="path")
    files = items_by_file(store)
    assert sorted(files) == sorted(
        str(folder / "cat" / name)
        for folder in (first, second)
        for name in ("0000.jpg", "0001.jpg")
    )
    again = import_path(store, pets, second / "list.csv", media_column="path")
    assert (again.items_added, again.items_existing) == (0, 2)


def test_a_round_reads_every_item_from_its_own_folder(
    store: Store, pets: str, tmp_path: Path
) -> None:
    labeled, extra = tmp_path / "labeled", tmp_path / "extra"
    shutil.copytree(FIXTURES / "images", labeled)
    (extra / "new").mkdir(parents=True)
    for name in ("0000.jpg", "0001.jpg"):
        shutil.copy(CAT / name, extra / "new" / f"cat-{name}")
        shutil.copy(DOG / name, extra / "new" / f"dog-{name}")
    import_path(store, pets, labeled, label_from_folder=True)
    import_path(store, pets, extra)
    with store.session() as session:
        project_id = session.scalars(select(Project.id)).one()
    report = run_round(store, project_id, queue_size=10, cache_dir=tmp_path / "c")
    assert report.model_version and report.queued == 4
    with store.session() as session:
        queued = session.scalars(
            select(Item.media_path).join(QueueEntry, QueueEntry.item_id == Item.id)
        ).all()
    assert sorted(queued) == [
        "new/cat-0000.jpg",
        "new/cat-0001.jpg",
        "new/dog-0000.jpg",
        "new/dog-0001.jpg",
    ]


def test_a_stored_path_escaping_its_root_is_not_served(
    store: Store, pets: str, client: TestClient, tmp_path: Path
) -> None:
    cats = tmp_path / "cats"
    shutil.copytree(CAT, cats)
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    import_path(store, pets, cats)
    with store.session() as session:
        item = session.scalars(select(Item)).first()
        assert item is not None
        item.media_path = "../secret.txt"
        session.commit()
        item_id = item.id
    answer = client.get(f"/api/v1/projects/pets/items/{item_id}/media")
    assert answer.status_code == 404
    assert answer.json()["error"] == (
        f"The media file of item {item_id} is outside its media root."
    )


def test_a_symlink_out_of_a_second_folder_is_refused(
    store: Store, pets: str, tmp_path: Path
) -> None:
    cats, dogs = tmp_path / "cats", tmp_path / "dogs"
    shutil.copytree(CAT, cats)
    dogs.mkdir()
    shutil.copy(DOG / "0000.jpg", tmp_path / "outside.jpg")
    (dogs / "link.jpg").symlink_to(tmp_path / "outside.jpg")
    import_path(store, pets, cats)
    with pytest.raises(MediaError, match="outside the media root"):
        import_path(store, pets, dogs)
    assert len(items_by_file(store)) == 6


def test_a_project_with_a_media_root_in_its_settings_upgrades_and_still_serves(
    db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    if engine.dialect.name == "postgresql":
        # The shared test database was migrated by other tests: start it empty.
        with engine.begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
    upgrade(engine, "0005")
    photos = tmp_path / "photos"
    shutil.copytree(FIXTURES / "images", photos)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO projects (name, task, modality, labels, config, created_at) "
                "VALUES ('pets', 'classification', 'image', '[\"cat\", \"dog\"]', "
                ":config, CURRENT_TIMESTAMP)"
            ),
            {"config": f'{{"media_root": "{photos}", "retrain_every": 5}}'},
        )
        c.execute(
            text(
                "INSERT INTO items (project_id, external_id, content_hash, data, "
                "media_path, created_at) SELECT id, 'cat/0000.jpg', 'h', "
                "'{\"path\": \"cat/0000.jpg\"}', 'cat/0000.jpg', CURRENT_TIMESTAMP "
                "FROM projects"
            )
        )
    assert current_revision(engine) == "0005"
    engine.dispose()
    store = open_store(db_url)
    try:
        assert current_revision(store.engine) == head_revision()
        with store.session() as session:
            project = session.scalars(select(Project)).one()
            assert project.config == {"retrain_every": 5}
            root = session.scalars(select(MediaRoot)).one()
            assert (root.project_id, root.path) == (project.id, str(photos))
            item = session.scalars(select(Item)).one()
            assert item.media_root_id == root.id
        # The folder imported before is the same root: its items keep their ids.
        report = import_path(store, "pets", photos)
        assert (report.items_added, report.items_existing) == (11, 1)
        app = create_app(
            store, ServerSettings(open_access=True, background_trainer=False)
        )
        with TestClient(app, base_url=LOCAL) as client:
            served = client.get(f"/api/v1/projects/pets/items/{item.id}/media")
        assert served.content == (photos / "cat" / "0000.jpg").read_bytes()
    finally:
        store.close()


def test_a_downgrade_gives_the_project_its_first_folder_back(
    db_url: str, tmp_path: Path
) -> None:
    from alembic import command

    from activelabel.store.engine import _alembic_config

    store = open_store(db_url)
    first, second = same_layout_folders(tmp_path)
    try:
        with store.session() as session:
            create_project(
                session,
                name="pets",
                task="classification",
                labels="cat,dog",
                modality="image",
            )
        import_path(store, "pets", first)
        import_path(store, "pets", second)
    finally:
        store.close()
    engine = make_engine(db_url)
    try:
        cfg = _alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0005")
        with engine.connect() as connection:
            config = connection.execute(text("SELECT config FROM projects")).scalar()
            paths = connection.execute(
                text("SELECT media_path FROM items ORDER BY id")
            ).scalars()
            assert "media_root" in str(config) and str(first) in str(config)
            assert list(paths) == [
                "cat/0000.jpg",
                "cat/0001.jpg",
                str(second / "cat" / "0000.jpg"),
                str(second / "cat" / "0001.jpg"),
            ]
    finally:
        engine.dispose()
