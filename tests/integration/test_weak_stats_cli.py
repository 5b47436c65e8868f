"""`activelabel lf stats` and `lf disagreements` on the bundled SMS example."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from activelabel.cli import app

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "sms_spam.csv"

runner = CliRunner()


def run(*args: str, db_url: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--db", db_url])
    return result.exit_code, result.stdout, result.stderr


def sms_with_functions(db_url: str) -> None:
    assert run("init", "sms", "--labels", "ham,spam", db_url=db_url)[0] == 0
    code, _, err = run(
        "import", "sms", str(EXAMPLE), "--text-column", "text", "--id-column", "id",
        "--label-column", "label", db_url=db_url,
    )  # fmt: skip
    assert code == 0, err
    for name, label, keywords in (
        ("prize", "spam", "prize,won,claim,free,txt"),
        ("chat", "ham", "ok,lol,home,sorry,love"),
    ):
        code, _, err = run(
            "lf", "add", "sms", name, "--label", label, "--keywords", keywords,
            db_url=db_url,
        )  # fmt: skip
        assert code == 0, err
    assert run("lf", "apply", "sms", db_url=db_url)[0] == 0


def test_lf_stats_reports_each_function_and_the_label_model_beside_majority_vote(
    db_url: str,
) -> None:
    sms_with_functions(db_url)
    code, out, err = run("lf", "stats", "sms", "--json", db_url=db_url)
    assert code == 0, err
    report = json.loads(out)
    assert report["pool_size"] == 600 and report["n_human_labeled"] == 40
    by_name = {f["name"]: f for f in report["functions"]}
    assert set(by_name) == {"prize", "chat"}
    prize = by_name["prize"]
    assert 0 < prize["coverage"] < 1 and prize["overlap"] <= prize["coverage"]
    assert prize["conflict"] <= prize["overlap"]
    assert set(prize["emitted"]) == {"spam"}
    assert prize["n_accuracy"] > 0 and 0 <= prize["accuracy"] <= 1
    model, majority = report["label_model"], report["majority_vote"]
    assert model["name"] == "dawid_skene" and majority["name"] == "majority_vote"
    # Both measured on the same labeled items with a vote.
    assert model["n"] == majority["n"] > 0
    assert model["coverage"] == majority["coverage"]

    code, out, _ = run("lf", "stats", "sms", db_url=db_url)
    assert code == 0
    assert "majority vote" in out and "prize" in out


def test_lf_disagreements_lists_items_whose_person_label_the_model_contradicts(
    db_url: str,
) -> None:
    sms_with_functions(db_url)
    code, out, err = run("lf", "disagreements", "sms", "--json", db_url=db_url)
    assert code == 0, err
    found = json.loads(out)
    assert found, "the keyword functions contradict some of the 40 imported labels"
    assert all(d["human"] != d["weak"] for d in found)
    assert [d["confidence"] for d in found] == sorted(
        (d["confidence"] for d in found), reverse=True
    )
    assert all(d["external_id"].startswith("sms-") and d["votes"] for d in found)


def test_train_on_weak_is_kept_as_the_projects_setting_and_the_round_reports_weak_labels(
    db_url: str,
) -> None:
    sms_with_functions(db_url)
    code, out, err = run("train", "sms", "--train-on-weak", db_url=db_url)
    assert code == 0, err
    assert "Weak labels:" in out and "Model " in out
    from activelabel.store.engine import open_store
    from activelabel.store.projects import get_project

    store = open_store(db_url)
    try:
        with store.session() as session:
            assert get_project(session, "sms").settings.train_on_weak
    finally:
        store.close()
    assert run("train", "sms", "--no-train-on-weak", db_url=db_url)[0] == 0
    store = open_store(db_url)
    try:
        with store.session() as session:
            assert not get_project(session, "sms").settings.train_on_weak
    finally:
        store.close()
