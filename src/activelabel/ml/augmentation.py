"""Augmented copies of labeled media: the feasible form of query synthesis.

Instead of asking a person about synthesized items, the loop learns from
altered copies of items people already labeled, under the same label: a
brighter or flipped photo of a cat is still a cat, a quieter or shifted
recording of "seven" is still "seven". The copies are training rows only;
they are never stored, queued or exported.

==========  =================================================================
modality    transforms (each copy draws all of them at random)
==========  =================================================================
image       brightness ×0.7–1.3, contrast ×0.7–1.3, a horizontal flip (half
            the copies), a crop keeping 80–100 % of each side, resized back
audio       gain −6…+6 dB, white noise 20–40 dB below the clip, a time shift
            of up to 0.1 s (zeros fill the gap; nothing wraps around)
==========  =================================================================

Text and tables have no transforms: word dropout and word swaps on SMS spam
did not help the learning curve (see ``docs/benchmarks.md``), and a table's
columns have no meaning-preserving change a library could guess.

Everything is NumPy and Pillow: albumentations would add 200 MB installed
(opencv-python-headless 180 MB of it) and audiomentations 200 MB (llvmlite,
numba, librosa) for four image and three audio operations.

A copy is a pure function of the item's content hash, the seed and the copy's
number (:func:`copy_rng`), so the same labels give the same training rows in
every round and on every machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageEnhance

from activelabel.exceptions import ConfigError

# Which modalities augment, and by default, are settings' facts: the server
# reads them without importing NumPy's transforms. Re-exported here.
from activelabel.project_config import (
    AUGMENT_DEFAULT,
    augment_default,
    augmentable,
    check_augmentable,
)

__all__ = [
    "AUGMENTED_COPIES",
    "AUGMENT_DEFAULT",
    "TRANSFORMS_VERSION",
    "add_noise",
    "adjust_brightness",
    "adjust_contrast",
    "augment_audio",
    "augment_default",
    "augment_image",
    "augmentable",
    "augmented_features",
    "check_augmentable",
    "copy_rng",
    "crop_resized",
    "flip_horizontal",
    "resolve_augment",
    "scale_gain",
    "shift_time",
]

F32 = npt.NDArray[np.float32]

#: Augmented copies made of each labeled item.
AUGMENTED_COPIES: Final = 4

#: Bumped whenever a transform changes, so cached copies are not reused.
TRANSFORMS_VERSION: Final = 1


def resolve_augment(setting: bool | None, modality: str) -> bool:
    """The project's ``augment`` setting, else its modality's default; always
    False for a modality without transforms."""
    chosen = augment_default(modality) if setting is None else setting
    return chosen and augmentable(modality)


def copy_rng(seed: int, content_hash: str, copy: int) -> np.random.Generator:
    """The random draws of one copy of one item: from the seed, the item's
    content and the copy's number only (not the order items come in)."""
    digest = hashlib.sha256(f"{seed}:{content_hash}:{copy}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


# Images ---------------------------------------------------------------------


def adjust_brightness(image: Image.Image, factor: float) -> Image.Image:
    """``image`` with its brightness times ``factor`` (1: unchanged)."""
    return ImageEnhance.Brightness(image).enhance(factor)


def adjust_contrast(image: Image.Image, factor: float) -> Image.Image:
    """``image`` with its contrast times ``factor`` (1: unchanged)."""
    return ImageEnhance.Contrast(image).enhance(factor)


def flip_horizontal(image: Image.Image) -> Image.Image:
    """``image`` mirrored left to right."""
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def crop_resized(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """The ``(left, top, right, bottom)`` part of ``image``, resized back to
    the image's size (the features then see the same geometry)."""
    return image.crop(box).resize(image.size, Image.Resampling.BILINEAR)


def augment_image(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """One augmented copy of an RGB image: brightness, contrast, maybe a flip,
    a small crop (see the module docstring); same size and mode."""
    out = adjust_brightness(image, float(rng.uniform(0.7, 1.3)))
    out = adjust_contrast(out, float(rng.uniform(0.7, 1.3)))
    if rng.random() < 0.5:
        out = flip_horizontal(out)
    width, height = out.size
    keep = float(rng.uniform(0.8, 1.0))
    w, h = max(1, round(width * keep)), max(1, round(height * keep))
    left = int(rng.integers(0, width - w + 1))
    top = int(rng.integers(0, height - h + 1))
    return crop_resized(out, (left, top, left + w, top + h))


# Audio ----------------------------------------------------------------------


def scale_gain(wave: F32, decibels: float) -> F32:
    """``wave`` louder (or quieter) by ``decibels``, clipped to [-1, 1]."""
    louder = wave * np.float32(10 ** (decibels / 20))
    return np.asarray(np.clip(louder, -1.0, 1.0), dtype=np.float32)


def add_noise(wave: F32, snr_db: float, rng: np.random.Generator) -> F32:
    """``wave`` with white noise ``snr_db`` decibels below its own power."""
    power = float(np.mean(wave.astype(np.float64) ** 2)) if wave.size else 0.0
    if power == 0.0:
        return wave.copy()
    sd = np.sqrt(power / 10 ** (snr_db / 10))
    noisy = wave + rng.normal(0.0, sd, size=wave.shape)
    return np.asarray(np.clip(noisy, -1.0, 1.0), dtype=np.float32)


def shift_time(wave: F32, samples: int) -> F32:
    """``wave`` moved later by ``samples`` (earlier if negative); zeros fill
    the gap, the end that moves out is dropped (a word never wraps around)."""
    out = np.zeros_like(wave)
    if samples >= 0:
        out[samples:] = wave[: wave.size - samples] if samples < wave.size else 0
    elif -samples < wave.size:
        out[:samples] = wave[-samples:]
    return out


def augment_audio(wave: F32, sample_rate: int, rng: np.random.Generator) -> F32:
    """One augmented copy of a mono clip: gain, noise, a time shift (see the
    module docstring); same length and dtype."""
    out = scale_gain(np.asarray(wave, dtype=np.float32), float(rng.uniform(-6, 6)))
    out = add_noise(out, float(rng.uniform(20, 40)), rng)
    limit = round(0.1 * sample_rate)
    return shift_time(out, int(rng.integers(-limit, limit + 1)))


# Features of the copies -------------------------------------------------------


def _image_copies(
    featurizer: Any, item: Any, content_hash: str, copies: int, seed: int
) -> F32:
    from activelabel.ml.image_features import load_image

    image = load_image(item)
    altered = [
        augment_image(image, copy_rng(seed, content_hash, c)) for c in range(copies)
    ]
    return np.asarray(featurizer.transform(altered), dtype=np.float32)


def _audio_copies(
    featurizer: Any, item: Any, content_hash: str, copies: int, seed: int
) -> F32:
    from activelabel.ml.audio_features import load_audio

    rate = int(featurizer.sample_rate)
    wave = load_audio(item, sample_rate=rate)
    altered = [
        (augment_audio(wave, rate, copy_rng(seed, content_hash, c)), rate)
        for c in range(copies)
    ]
    return np.asarray(featurizer.transform(altered), dtype=np.float32)


_AUGMENTERS = {"image": _image_copies, "audio": _audio_copies}


def augmented_features(
    featurizer: Any,
    modality: str,
    items: Sequence[Any],
    content_hashes: Sequence[str],
    *,
    copies: int = AUGMENTED_COPIES,
    seed: int = 0,
) -> F32:
    """Feature rows of ``copies`` augmented copies of each of ``items``.

    ``featurizer`` is the project's fitted image or audio featurizer; rows
    come item by item, ``copies`` per item (row ``i * copies + c`` is copy
    ``c`` of item ``i``). Raises :class:`ConfigError` for a modality without
    transforms.
    """
    check_augmentable(modality)
    make = _AUGMENTERS[modality]
    if len(items) != len(content_hashes):
        raise ConfigError(
            f"Got {len(items)} items but {len(content_hashes)} content hashes; "
            "give one hash per item."
        )
    blocks = [
        make(featurizer, item, h, copies, seed)
        for item, h in zip(items, content_hashes, strict=True)
    ]
    if not blocks:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack(blocks)
