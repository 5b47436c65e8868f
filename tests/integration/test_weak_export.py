"""export --include-weak: the label model's labels as rule labels, and back in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.io.export import export_labels
from activelabel.io.importer import import_path
from activelabel.loop.training_labels import training_labels
from activelabel.loop.weak_labels import refresh_weak_labels
from activelabel.store.engine import Store
from activelabel.store.models import Item, Project, WeakLabel
from activelabel.store.projects import create_project

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "sms_spam.csv"
runner = CliRunner()


def sms_with_weak_labels(
    db_url: str, store: Store
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bundled example (40 imported labels), two keyword functions, a fit:
    (weak label, person's label) by external id."""
    for args in (
        ["init", "sms", "--labels", "ham,spam"],
        ["import", "sms", str(EXAMPLE), "--text-column", "text", "--id-column", "id",
         "--label-column", "label"],
        ["lf", "add", "sms", "prize", "--label", "spam", "--keywords", "prize,won,free,txt"],
        ["lf", "add", "sms", "chat", "--label", "ham", "--keywords", "ok,lol,home,sorry"],
    ):  # fmt: skip
        result = runner.invoke(app, [*args, "--db", db_url])
        assert result.exit_code == 0, result.stderr
    with store.session() as session:
        project = session.scalars(select(Project).where(Project.name == "sms")).one()
        project_id = project.id
        pool = len(project.items)
    weak = refresh_weak_labels(store, project_id, pool_size=pool)
    assert weak is not None and len(weak) > 100
    with store.session() as session:
        external = dict(session.execute(select(Item.id, Item.external_id)).all())
        stored = dict(session.execute(select(WeakLabel.item_id, WeakLabel.value)).all())
        people = training_labels(session, project_id)
    return (
        {external[i]: v for i, v in stored.items()},
        {external[i]: v for i, v in people.items()},
    )


def test_export_include_weak_labels_unlabeled_items_as_rule_and_people_win(
    db_url: str, store: Store, tmp_path: Path
) -> None:
    weak, people = sms_with_weak_labels(db_url, store)
    out = tmp_path / "labels.csv"
    result = runner.invoke(
        app, ["export", "sms", "-o", str(out), "--include-weak", "--db", db_url]
    )
    assert result.exit_code == 0, result.stderr
    rows = pd.read_csv(out).set_index("external_id")
    ruled = rows[rows["label_source"] == "rule"]
    assert set(ruled.index) == set(weak) - set(people)
    assert all(ruled.loc[i, "label"] == weak[i] for i in ruled.index)
    # A person's label always wins, even where the rules say otherwise.
    for external_id, value in people.items():
        assert rows.loc[external_id, "label"] == value
        assert "rule" not in rows.loc[external_id, "label_source"]
    # Without the flag the weak labels stay out.
    plain = export_labels(store, "sms", tmp_path / "plain.csv")
    assert plain.rows == 600
    assert "rule" not in set(
        pd.read_csv(tmp_path / "plain.csv")["label_source"].dropna()
    )


def test_an_export_with_weak_labels_imports_back_with_the_same_labels(
    db_url: str, store: Store, tmp_path: Path
) -> None:
    weak, people = sms_with_weak_labels(db_url, store)
    out = tmp_path / "labels.csv"
    export_labels(store, "sms", out, include_weak=True, include_unlabeled=False)
    with store.session() as session:
        create_project(
            session, name="again", task="classification", labels=["ham", "spam"]
        )
    import_path(
        store, "again", out, text_column="text", id_column="external_id",
        label_column="label",
    )  # fmt: skip
    with store.session() as session:
        again = session.scalars(select(Project).where(Project.name == "again")).one()
        external = dict(
            session.execute(
                select(Item.id, Item.external_id).where(Item.project_id == again.id)
            ).all()
        )
        labels = {external[i]: v for i, v in training_labels(session, again.id).items()}
    assert labels == {**weak, **people}
