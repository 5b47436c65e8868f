"""The model panel's sentences for the featurizer choice and the calibration."""

from __future__ import annotations

from activelabel.loop.model_notes import calibration_summary, featurizer_summary


def test_the_featurizer_sentence_names_the_choice_and_each_score() -> None:
    record = {
        "chosen": "embeddings",
        "scores": {"tfidf": 0.4366, "embeddings": 0.9655, "both": 0.8268},
        "n_labels": 40,
        "next_check": 80,
    }
    assert featurizer_summary(record) == (
        "Features: embeddings (auto, macro-F1 0.97; tfidf 0.44, both 0.83; "
        "compared at 40 labels, again at 80)"
    )
    waiting = {"chosen": "tfidf", "scores": {}, "note": "auto uses tfidf until 30"}
    assert featurizer_summary(waiting) == "Features: tfidf (auto uses tfidf until 30)"
    assert featurizer_summary(None) is None


def test_the_calibration_sentence_gives_the_error_before_and_after() -> None:
    done = {
        "method": "temperature",
        "temperature": 0.29,
        "ece_before": 0.2886,
        "ece_after": 0.1226,
    }
    assert calibration_summary(done) == (
        "Confidences calibrated (temperature 0.29): held-out calibration error "
        "0.29 → 0.12"
    )
    kept = {"method": "none", "reason": "12 held-out rows", "ece_before": 0.2}
    assert calibration_summary(kept) == (
        "Confidences not calibrated (12 held-out rows); held-out calibration error 0.20"
    )
    assert calibration_summary(None) is None
