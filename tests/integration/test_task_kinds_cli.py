"""The command line asks the task kind: settings at init, and what train says."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.store.engine import open_store
from activelabel.store.projects import get_project

runner = CliRunner()


def run(*args: str, db_url: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--db", db_url])
    return result.exit_code, result.stdout, result.stderr


def test_train_on_a_span_project_with_two_labeled_sentences_says_it_needs_more(
    db_url: str, tmp_path: Path
) -> None:
    assert (
        run("init", "news", "--task", "ner", "--labels", "PER,LOC", db_url=db_url)[0]
        == 0
    )
    data = tmp_path / "news.jsonl"
    rows = [
        {
            "text": "Ada lives in Paris",
            "spans": [{"start": 0, "end": 3, "label": "PER"}],
        },
        {
            "text": "Bob went to Rome",
            "spans": [{"start": 12, "end": 16, "label": "LOC"}],
        },
        {"text": "Nobody here"},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, _, err = run(
        "import", "news", str(data), "--label-column", "spans", db_url=db_url
    )
    assert code == 0, err
    code, out, err = run("train", "news", db_url=db_url)
    assert code == 0, err
    text = " ".join(out.split())
    assert "2 labeled sentence(s) are not enough for a first model yet" in text
    assert "two classes" not in text


def test_init_stores_the_chosen_featurizer_and_refuses_one_the_modality_lacks(
    db_url: str,
) -> None:
    code, _, err = run(
        "init", "sms", "--labels", "ham,spam", "--featurizer", "hashing", db_url=db_url
    )
    assert code == 0, err
    with open_store(db_url).session() as session:
        assert get_project(session, "sms").settings.featurizer == "hashing"
    code, _, err = run(
        "init",
        "wine",
        "--labels",
        "red,white",
        "--modality",
        "tabular",
        "--featurizer",
        "embeddings",
        db_url=db_url,
    )
    assert code == 1
    assert "A tabular project cannot use the featurizer 'embeddings'" in " ".join(
        err.split()
    )
    assert "tabular" in err
    with open_store(db_url).session() as session:
        from activelabel.store.projects import list_projects

        assert [p.name for p in list_projects(session)] == ["sms"]
