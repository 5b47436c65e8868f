"""Augmentation transforms, the copies' features, and copies kept out of CV scoring."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from PIL import Image
from sklearn.linear_model import LogisticRegression

from activelabel.al import simulate
from activelabel.exceptions import ConfigError
from activelabel.ml.audio_features import AudioFeaturizer
from activelabel.ml.augmentation import (
    add_noise,
    adjust_brightness,
    adjust_contrast,
    augment_audio,
    augment_default,
    augment_image,
    augmented_features,
    copy_rng,
    crop_resized,
    flip_horizontal,
    resolve_augment,
    scale_gain,
    shift_time,
)
from activelabel.ml.image_features import ImageFeaturizer
from activelabel.ml.training import cross_validate_model, make_estimator

FIXTURES = Path(__file__).parent.parent.parent / "fixtures"
IMAGES = sorted((FIXTURES / "images").rglob("*.jpg"))
CLIPS = sorted((FIXTURES / "audio").glob("*.wav"))


@pytest.fixture
def photo() -> Image.Image:
    """A real photo from the fixtures (a cat), as RGB."""
    with Image.open(IMAGES[0]) as image:
        return image.convert("RGB")


@pytest.fixture
def clip() -> np.ndarray:
    """A real spoken digit from the fixtures, mono float32 at 8 kHz."""
    import soundfile as sf

    wave, _ = sf.read(str(CLIPS[0]), dtype="float32")
    return np.asarray(wave, dtype=np.float32)


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


@pytest.mark.parametrize(
    "transform",
    [
        lambda im: adjust_brightness(im, 1.3),
        lambda im: adjust_contrast(im, 0.7),
        flip_horizontal,
        lambda im: crop_resized(im, (2, 3, 28, 30)),
    ],
    ids=["brightness", "contrast", "flip", "crop"],
)
def test_each_image_transform_keeps_size_and_mode_and_changes_the_pixels(
    photo: Image.Image, transform: object
) -> None:
    out = transform(photo)  # type: ignore[operator]
    assert out.size == photo.size and out.mode == "RGB"
    assert np.abs(_pixels(out) - _pixels(photo)).mean() > 1.0


def test_brightness_above_one_brightens_and_a_flip_twice_is_the_photo(
    photo: Image.Image,
) -> None:
    assert _pixels(adjust_brightness(photo, 1.3)).mean() > _pixels(photo).mean()
    assert np.array_equal(
        _pixels(flip_horizontal(flip_horizontal(photo))), _pixels(photo)
    )


def test_an_image_copy_is_the_same_for_the_same_seed_and_differs_for_another(
    photo: Image.Image,
) -> None:
    first = augment_image(photo, copy_rng(0, "abc", 0))
    again = augment_image(photo, copy_rng(0, "abc", 0))
    other = augment_image(photo, copy_rng(1, "abc", 0))
    assert first.size == photo.size and first.mode == photo.mode
    assert np.array_equal(_pixels(first), _pixels(again))
    assert not np.array_equal(_pixels(first), _pixels(other))
    assert not np.array_equal(_pixels(first), _pixels(photo))


@pytest.mark.parametrize(
    "transform",
    [
        lambda w: scale_gain(w, 6.0),
        lambda w: add_noise(w, 20.0, np.random.default_rng(0)),
        lambda w: shift_time(w, 400),
    ],
    ids=["gain", "noise", "shift"],
)
def test_each_audio_transform_keeps_length_and_dtype_and_changes_the_clip(
    clip: np.ndarray, transform: object
) -> None:
    out = transform(clip)  # type: ignore[operator]
    assert out.shape == clip.shape and out.dtype == np.float32
    assert not np.allclose(out, clip)
    assert np.abs(out).max() <= 1.0


def test_gain_scales_by_decibels_and_noise_sits_at_the_asked_ratio(
    clip: np.ndarray,
) -> None:
    quieter = scale_gain(clip, -6.0)
    assert np.allclose(quieter, clip * 10 ** (-6 / 20), atol=1e-6)
    noisy = add_noise(clip, 20.0, np.random.default_rng(0))
    noise = noisy - clip
    snr = 10 * np.log10(np.mean(clip**2) / np.mean(noise**2))
    assert 19.0 < snr < 21.0


def test_a_time_shift_fills_with_zeros_and_never_wraps_around() -> None:
    wave = np.arange(1, 11, dtype=np.float32)
    assert shift_time(wave, 3).tolist() == [0, 0, 0, 1, 2, 3, 4, 5, 6, 7]
    assert shift_time(wave, -3).tolist() == [4, 5, 6, 7, 8, 9, 10, 0, 0, 0]
    assert shift_time(wave, 20).tolist() == [0] * 10


def test_a_clip_copy_is_the_same_for_the_same_seed_and_differs_for_another(
    clip: np.ndarray,
) -> None:
    first = augment_audio(clip, 8_000, copy_rng(0, "abc", 1))
    again = augment_audio(clip, 8_000, copy_rng(0, "abc", 1))
    other = augment_audio(clip, 8_000, copy_rng(0, "abc", 2))
    assert first.shape == clip.shape and first.dtype == np.float32
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_the_copies_features_are_rows_per_copy_deterministic_and_not_the_originals() -> (
    None
):
    images = [str(p) for p in IMAGES[:3]]
    featurizer = ImageFeaturizer().fit([str(p) for p in IMAGES])
    rows = augmented_features(featurizer, "image", images, ["a", "b", "c"], copies=2)
    assert rows.shape == (6, featurizer.transform(images).shape[1])
    assert rows.dtype == np.float32
    again = augmented_features(featurizer, "image", images, ["a", "b", "c"], copies=2)
    assert np.array_equal(rows, again)
    originals = featurizer.transform(images)
    assert not np.allclose(rows[0], originals[0])
    clips = [str(p) for p in CLIPS[:2]]
    audio = AudioFeaturizer().fit([str(p) for p in CLIPS])
    copied = augmented_features(audio, "audio", clips, ["x", "y"], copies=3)
    assert copied.shape == (6, audio.transform(clips).shape[1])
    assert not np.allclose(copied[0], copied[1])


def test_text_and_tables_have_no_augmentation_and_it_says_so() -> None:
    with pytest.raises(ConfigError, match="text project has no augmentation"):
        augmented_features(None, "text", ["hello"], ["h"])
    assert not resolve_augment(True, "text")
    assert not resolve_augment(True, "tabular")
    assert resolve_augment(None, "image") == augment_default("image")
    assert resolve_augment(None, "audio") == augment_default("audio")
    assert not resolve_augment(False, "image")
    assert resolve_augment(True, "audio")


def _leaky_rows() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """60 random rows with random labels, then an exact copy of each: nothing
    to learn, so only a model that saw the held-out rows' copies scores well."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 200))
    y = rng.choice(["a", "b"], size=60)
    return np.vstack([X, X]), np.concatenate([y, y]), np.arange(60)


def test_copies_are_never_scored_and_a_held_out_rows_copies_are_left_out() -> None:
    X, y, sources = _leaky_rows()
    oof: dict[str, np.ndarray] = {}
    estimator = make_estimator("logistic", C=100.0)
    honest, _, _, metrics = cross_validate_model(
        estimator, X, y, n_scored=60, extra_sources=sources, oof=oof
    )
    assert metrics["n_scored"] == 60
    assert np.isnan(oof["proba"][60:]).all()
    leaky, _, _, _ = cross_validate_model(estimator, X, y, n_scored=60)
    assert leaky is not None and honest is not None
    # Learning the held-out rows' copies scores the model on what it saw.
    assert leaky > 0.9
    assert honest < 0.75


class _CountingLogistic(LogisticRegression):
    """A logistic regression that notes how many rows each fit learned from."""

    fitted_rows: ClassVar[list[int]] = []

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _CountingLogistic:
        type(self).fitted_rows.append(X.shape[0])
        super().fit(X, y, sample_weight)
        return self


def test_simulate_learns_the_copies_of_labeled_rows_and_none_of_the_rest() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (60, 5)), rng.normal(2, 1, (60, 5))])
    y = np.array(["a"] * 60 + ["b"] * 60)
    # Two copies of every row, test rows and unlabeled ones included.
    copies = np.vstack([X, X]) + rng.normal(0, 0.1, (240, 5))
    sources = np.concatenate([np.arange(120), np.arange(120)])
    common: dict[str, Any] = {
        "strategies": ["random"],
        "initial_labels": 10,
        "batch_size": 10,
        "budget": 30,
        "seeds": 2,
    }
    _CountingLogistic.fitted_rows.clear()
    augmented = simulate(
        X, y, augmented=(copies, sources), estimator=_CountingLogistic(), **common
    )
    # Per seed: the all-label model, without copies
    # (the pool is 90 rows), then rounds at 10, 20 and 30 labels, each label
    # learned with its two copies.
    assert _CountingLogistic.fitted_rows == [90, 30, 60, 90] * 2
    plain = simulate(X, y, **common)
    assert augmented.config["augmented"] and not plain.config["augmented"]
    assert list(augmented.curves["n_labels"]) == list(plain.curves["n_labels"])
    with pytest.raises(ConfigError, match="augmented alone"):
        simulate(
            X,
            y,
            augmented=(copies, sources),
            weak_labels=([None] * 120, [0.0] * 120),
            **common,
        )
