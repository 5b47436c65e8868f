"""Gold items: imported with their known answers, mixed into each annotator's
tasks at the gold rate without a suggestion, never queued, scored per annotator;
on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_support import ProjectFactory, page_client
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from activelabel.cli import app as cli_app
from activelabel.exceptions import ImportFormatError, InvalidLabelError
from activelabel.io.importer import import_path
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store
from activelabel.store.gold import GoldMixer, gold_scores
from activelabel.store.models import Annotation, GoldAnswer, Item, QueueEntry
from activelabel.store.next_tasks import QueueTopUp, next_tasks
from activelabel.store.projects import get_project
from activelabel.store.random_fill import random_fill
from activelabel.store.submit import submit_label
from activelabel.store.users import add_user

GOLD = "text,label\nwin a prize now,spam\nsee you at lunch,ham\nfree cash,spam\n"


def _pool(store: Store, tmp_path: Path, project_factory: ProjectFactory) -> Any:
    project = project_factory(name="sms")
    pool = tmp_path / "pool.csv"
    pool.write_text("text\n" + "".join(f"message {i}\n" for i in range(40)))
    import_path(store, "sms", pool, text_column="text")
    return project


def _count(store: Store, model: Any) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_gold_file_stores_items_with_their_answers_and_no_labels(
    store: Store, tmp_path: Path, project_factory: ProjectFactory
) -> None:
    _pool(store, tmp_path, project_factory)
    gold = tmp_path / "gold.csv"
    gold.write_text(GOLD + "message 3,ham\n")
    report = import_path(store, "sms", gold, label_column="label", gold=True)
    assert report.gold_added == 4
    # "message 3" is a stored item (same content, no id column): it becomes gold.
    assert (report.items_added, report.items_existing) == (3, 1)
    assert _count(store, GoldAnswer) == 4
    assert _count(store, Annotation) == 0
    with store.session() as session:
        answers = dict(
            session.execute(
                select(Item.data["text"].as_string(), GoldAnswer.value).join(
                    GoldAnswer, GoldAnswer.item_id == Item.id
                )
            ).all()
        )
    assert answers == {
        "win a prize now": "spam",
        "see you at lunch": "ham",
        "free cash": "spam",
        "message 3": "ham",
    }
    # Importing a new answer for an item replaces it.
    gold.write_text("text,label\nfree cash,ham\n")
    import_path(store, "sms", gold, label_column="label", gold=True)
    assert _count(store, GoldAnswer) == 4


@pytest.mark.parametrize(
    ("body", "error", "said"),
    [
        ("text,label\nok,ham\nbad,maybe\n", InvalidLabelError, "row 2"),
        ("text,label\nok,ham\nblank,\n", ImportFormatError, "row 2"),
    ],
)
def test_a_gold_file_with_a_bad_or_missing_answer_stores_nothing(
    store: Store,
    tmp_path: Path,
    project_factory: ProjectFactory,
    body: str,
    error: type[Exception],
    said: str,
) -> None:
    _pool(store, tmp_path, project_factory)
    gold = tmp_path / "gold.csv"
    gold.write_text(body)
    items = _count(store, Item)
    with pytest.raises(error) as raised:
        import_path(store, "sms", gold, label_column="label", gold=True)
    assert "gold.csv" in str(raised.value) and said in str(raised.value)
    assert (_count(store, Item), _count(store, GoldAnswer)) == (items, 0)


def test_a_gold_import_needs_a_label_column(
    store: Store, tmp_path: Path, project_factory: ProjectFactory
) -> None:
    _pool(store, tmp_path, project_factory)
    gold = tmp_path / "gold.csv"
    gold.write_text("text\nhello\n")
    with pytest.raises(Exception, match="--label-column"):
        import_path(store, "sms", gold, gold=True)


def test_gold_items_are_served_at_the_rate_once_each_and_scored(
    store: Store, tmp_path: Path, project_factory: ProjectFactory
) -> None:
    project = _pool(store, tmp_path, project_factory)
    gold = tmp_path / "gold.csv"
    gold.write_text(GOLD)
    import_path(store, "sms", gold, label_column="label", gold=True)
    with store.session(write=True) as session:
        random_fill(session, project_id=project.id, size=100)
        ann = add_user(session, name="ann")[0].id
        bob = add_user(session, name="bob")[0].id
        gold_ids = set(session.scalars(select(GoldAnswer.item_id)))
        queued = set(session.scalars(select(QueueEntry.item_id)))
    assert queued and not queued & gold_ids  # never in the queue
    mixer = GoldMixer()
    top_up = QueueTopUp(below=5, batch=20, drained_seconds=0.0)
    served: dict[int, list[int]] = {ann: [], bob: []}
    for _ in range(10):
        for user in (ann, bob):
            leased = next_tasks(
                store,
                project_id=project.id,
                user_id=user,
                n=2,
                top_up=top_up,
                gold=mixer,
                gold_rate=0.2,
            )
            for task in leased.tasks:
                served[user].append(task.item_id)
                if task.item_id in gold_ids:
                    assert task.suggestion is None and task.score is None
                # ann answers gold items right, bob always says ham.
                value = "ham" if user == bob else _answer(store, task.item_id)
                submit_label(
                    store,
                    project=project,
                    item_id=task.item_id,
                    value=value,
                    annotator_id=user,
                )
    for user, items in served.items():
        got = [i for i in items if i in gold_ids]
        # One in five of 20 tasks, until the three gold items run out.
        assert len(got) == 3, (user, items)
        assert len(set(got)) == len(got)
    with store.session() as session:
        scores = {s.annotator: s for s in gold_scores(session, project.id)}
        assert not set(session.scalars(select(QueueEntry.item_id))) & gold_ids
    assert (scores["ann"].answered, scores["ann"].correct) == (3, 3)
    assert (scores["bob"].answered, scores["bob"].correct) == (3, 1)
    assert scores["bob"].accuracy == pytest.approx(1 / 3)


def _answer(store: Store, item_id: int) -> Any:
    with store.session() as session:
        return (
            session.scalar(
                select(GoldAnswer.value).where(GoldAnswer.item_id == item_id)
            )
            or "spam"
        )


def test_a_project_without_gold_rate_serves_no_gold_item(
    store: Store, tmp_path: Path, project_factory: ProjectFactory
) -> None:
    project = _pool(store, tmp_path, project_factory)
    gold = tmp_path / "gold.csv"
    gold.write_text(GOLD)
    import_path(store, "sms", gold, label_column="label", gold=True)
    with store.session(write=True) as session:
        random_fill(session, project_id=project.id, size=100)
        ann = add_user(session, name="ann")[0].id
        gold_ids = set(session.scalars(select(GoldAnswer.item_id)))
    leased = next_tasks(
        store, project_id=project.id, user_id=ann, n=40, gold=GoldMixer()
    )
    assert len(leased.tasks) == 40
    assert not {t.item_id for t in leased.tasks} & gold_ids


def test_the_page_gets_gold_tasks_shaped_like_the_others_and_admins_see_scores(
    store: Store, tmp_path: Path, project_factory: ProjectFactory, db_url: str
) -> None:
    project = _pool(store, tmp_path, project_factory)
    gold = tmp_path / "gold.csv"
    gold.write_text(GOLD)
    runner = CliRunner()
    result = runner.invoke(
        cli_app,
        [
            "import",
            "sms",
            str(gold),
            "--gold",
            "--label-column",
            "label",
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 gold answers stored" in " ".join(result.output.split())
    result = runner.invoke(
        cli_app, ["settings", "sms", "--gold-rate", "0.5", "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    with store.session(write=True) as session:
        random_fill(session, project_id=project.id, size=100)
        gold_ids = set(session.scalars(select(GoldAnswer.item_id)))
        tokens = {
            role: add_user(session, name=role, role=role)[1]
            for role in ("annotator", "reviewer", "admin")
        }
    server = create_app(
        store, ServerSettings(open_access=False, background_trainer=False)
    )
    with page_client(server) as client:
        ann = {"Authorization": f"Bearer {tokens['annotator']}"}
        got = client.post("/api/v1/projects/sms/tasks/next", json={"n": 4}, headers=ann)
        assert got.status_code == 200, got.text
        tasks = got.json()["data"]
        golden = [t for t in tasks if t["item_id"] in gold_ids]
        plain = [t for t in tasks if t["item_id"] not in gold_ids]
        assert len(golden) == 2 and plain
        assert {tuple(sorted(t)) for t in tasks} == {tuple(sorted(plain[0]))}
        assert all(t["suggestion"] is None for t in golden)
        for task in tasks:
            made = client.post(
                "/api/v1/projects/sms/annotations",
                json={"item_id": task["item_id"], "value": "spam"},
                headers=ann,
            )
            assert made.status_code == 201, made.text
        for role, status in (("annotator", 403), ("reviewer", 403), ("admin", 200)):
            scores = client.get(
                "/api/v1/projects/sms/gold-scores",
                headers={"Authorization": f"Bearer {tokens[role]}"},
            )
            assert scores.status_code == status, scores.text
        body = scores.json()
        assert (body["gold_items"], body["gold_rate"]) == (3, 0.5)
        assert body["data"][0]["annotator"] == "annotator"
        assert body["data"][0]["answered"] == 2
    result = runner.invoke(cli_app, ["gold", "sms", "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    with store.session() as session:
        assert get_project(session, "sms").settings.gold_rate == 0.5


def _statements_of(call: Any) -> list[str]:
    """The first word of every statement any engine sends during ``call()``."""
    sent: list[str] = []

    def before(*args: Any) -> None:
        sent.append(args[2].split()[0].upper())

    event.listen(Engine, "before_cursor_execute", before)
    try:
        call()
    finally:
        event.remove(Engine, "before_cursor_execute", before)
    return sent


def test_next_task_at_gold_rate_0_sends_the_statements_it_sends_without_gold(
    store: Store, tmp_path: Path, project_factory: ProjectFactory
) -> None:
    project = _pool(store, tmp_path, project_factory)
    gold = tmp_path / "gold.csv"
    gold.write_text(GOLD)
    import_path(store, "sms", gold, label_column="label", gold=True)
    with store.session(write=True) as session:
        random_fill(session, project_id=project.id, size=100)
        ann = add_user(session, name="ann")[0].id
    mixer = GoldMixer()

    def ask(**gold: Any) -> list[str]:
        return _statements_of(
            lambda: next_tasks(store, project_id=project.id, user_id=ann, n=2, **gold)
        )

    ask()  # the lease connection is opened once
    plain = ask()
    assert ask(gold=mixer, gold_rate=0.0) == plain
    # Due a gold item: one statement more picks it.
    assert len(ask(gold=mixer, gold_rate=0.5)) == len(plain) + 1
