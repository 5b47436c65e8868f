"""StoppingSignal continues a stored history and says its verdict in a sentence."""

from __future__ import annotations

from activelabel.al import StoppingSignal


def test_a_first_model_has_nothing_to_compare_with() -> None:
    signal = StoppingSignal()
    signal.record(kappa=None, n_labels=10, cv_score=0.8)
    report = signal.report()
    assert report["kappa"] == []
    assert report["message"].startswith("One model so far")
    assert report["history"] == [
        {"round": 1, "n_labels": 10, "kappa": None, "cv_score": 0.8}
    ]


def test_a_signal_continues_the_history_a_model_version_stored() -> None:
    first = StoppingSignal()
    first.record(kappa=None, n_labels=10)
    first.record(kappa=0.995, n_labels=20)
    stored = first.report()["history"]
    signal = StoppingSignal.from_history(stored)
    entry = signal.record(kappa=0.999, n_labels=30, cv_score=0.9)
    assert entry["round"] == 3
    assert signal.stable_rounds == 2 and not signal.should_stop
    assert "κ = 0.999; stable for 2 of the 3 rounds" in signal.message
    signal.record(kappa=1.0, n_labels=40)
    assert signal.should_stop
    assert signal.report()["kappa"] == [0.995, 0.999, 1.0]
    assert signal.message.startswith("Predictions have been stable (κ ≥ 0.99) for 3")


def test_update_records_the_kappa_between_successive_predictions() -> None:
    signal = StoppingSignal()
    assert signal.update(["a", "b"], n_labels=5)["kappa"] is None
    assert signal.update(["a", "b"], n_labels=6)["kappa"] == 1.0
