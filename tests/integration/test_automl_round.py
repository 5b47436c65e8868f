"""`activelabel train --automl` and the model=auto setting on the SMS example:
the model version records the search, its model loads, bad budgets are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.loop.model_files import load_model_version
from activelabel.ml.automl_learners import LEARNERS
from activelabel.store.engine import open_store
from activelabel.store.models import ModelVersion

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "sms_spam.csv"

runner = CliRunner()


def run(*args: str, db_url: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--db", db_url])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def sms(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The SMS example (600 messages, 40 of them labeled) in a fresh database."""
    monkeypatch.setenv("ACTIVELABEL_CACHE_DIR", str(tmp_path / "cache"))
    assert run("init", "sms", "--labels", "ham,spam", db_url=db_url)[0] == 0
    code, _, err = run(
        "import", "sms", str(EXAMPLE), "--text-column", "text", "--id-column", "id",
        "--label-column", "label", db_url=db_url,
    )  # fmt: skip
    assert code == 0, err
    return db_url


def _versions(db_url: str) -> list[tuple[int, dict[str, Any]]]:
    store = open_store(db_url)
    try:
        with store.session() as session:
            rows = session.execute(
                select(ModelVersion.id, ModelVersion.metrics).order_by(ModelVersion.id)
            ).all()
            return [(int(i), dict(m)) for i, m in rows]
    finally:
        store.close()


def test_train_automl_records_the_search_and_its_model_loads(sms: str) -> None:
    code, out, err = run("train", "sms", "--automl", "--time-budget", "10", db_url=sms)
    assert code == 0, err
    assert "AutoML" in out
    [(version_id, metrics)] = _versions(sms)
    record = metrics["automl"]
    assert record["searched"] is True and record["searched_at"] == 40
    assert record["time_budget"] == 10.0 and len(record["trials"]) >= 2
    for trial in record["trials"]:
        assert trial["learner"] in LEARNERS and isinstance(trial["params"], dict)
    assert record["baseline_macro_f1"] is not None
    winner = record["winner"]
    if winner is None:
        assert metrics["estimator"] == "LogisticRegression"
    else:
        assert record["best_macro_f1"] > record["baseline_macro_f1"]
        assert metrics["macro_f1"] == pytest.approx(record["best_macro_f1"])
    store = open_store(sms)
    try:
        with store.session() as session:
            loaded = load_model_version(session, model_version_id=version_id)
    finally:
        store.close()
    assert type(loaded.estimator).__name__ == metrics["estimator"]
    assert loaded.estimator.predict_proba(
        np.zeros((1, loaded.estimator.n_features_in_))
    ).shape == (1, 2)


def test_a_model_auto_project_refits_the_winner_until_its_labels_double(
    sms: str,
) -> None:
    code, out, err = run(
        "settings", "sms", "--model", "auto", "--automl-budget", "3", db_url=sms
    )
    assert code == 0, err
    assert "model" in out and "auto" in out
    assert run("train", "sms", db_url=sms)[0] == 0
    assert run("train", "sms", db_url=sms)[0] == 0
    (_, first), (_, second) = _versions(sms)
    # 40 labels: the first search, with the setting's budget.
    assert first["automl"]["searched"] is True
    assert first["automl"]["time_budget"] == 3.0
    # Still 40 labels: the winner's configuration refit, no second search.
    assert second["automl"]["searched"] is False
    assert second["automl"]["winner"] == first["automl"]["winner"]
    assert second["automl"]["next_search_at"] == 80
    assert second["estimator"] == first["estimator"]


@pytest.mark.parametrize("budget", ["0", "-5"])
def test_a_time_budget_of_zero_or_less_is_refused_with_a_sentence(
    sms: str, budget: str
) -> None:
    code, _, err = run("train", "sms", "--automl", "--time-budget", budget, db_url=sms)
    assert code != 0
    assert (
        f"The AutoML time budget must be more than 0 seconds; got {float(budget):g}."
        in " ".join(err.split())
    )
    code, _, err = run("settings", "sms", "--automl-budget", budget, db_url=sms)
    assert code != 0
    assert "The AutoML time budget must be more than 0 seconds" in " ".join(err.split())
    assert _versions(sms) == []


def test_a_time_budget_without_automl_says_what_it_is_for(sms: str) -> None:
    code, _, err = run("train", "sms", "--time-budget", "5", db_url=sms)
    assert code != 0
    assert "--time-budget is the AutoML search's budget: add --automl." in " ".join(
        err.split()
    )


def test_gradient_boosting_on_tf_idf_features_is_refused_with_what_to_choose(
    sms: str,
) -> None:
    settings = ("--model", "gradient_boosting", "--featurizer", "tfidf")
    assert run("settings", "sms", *settings, db_url=sms)[0] == 0
    code, _, err = run("train", "sms", db_url=sms)
    assert code != 0
    said = " ".join(err.split())
    assert "asks for gradient_boosting, which learns from dense features" in said
    assert "activelabel settings sms --model logistic (or auto)." in said
    assert _versions(sms) == []
