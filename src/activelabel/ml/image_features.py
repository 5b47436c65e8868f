"""Image features computed with numpy and Pillow, or a user's embedding.

The built-in vector (documented so people can reason about it) concatenates:

1. **Thumbnail** – the image resized to 8×8 RGB, pixel values in [0, 1]
   (192 numbers): overall layout and colour.
2. **Colour histogram** – HSV hue, saturation and value histograms with
   ``color_bins`` bins each, normalised to sum to 1 (3 × ``color_bins``).
3. **Gradient histogram** – a HOG-style descriptor: the grayscale image at
   ``size``×``size`` is cut into ``grid``×``grid`` cells; each cell gets a
   histogram of unsigned gradient orientations (``orientations`` bins)
   weighted by gradient magnitude, L2-normalised per cell
   (``grid² × orientations``): shape and texture.

``fit`` learns a per-feature mean and scale so the blocks weigh alike in a
linear model. Pass ``embed`` (a function from a list of RGB PIL images to an
array of shape (n, d)) to use your own embedding instead, e.g. a CNN.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from activelabel.exceptions import ConfigError, MediaError
from activelabel.ml.featurizer import Featurizer

__all__ = ["ImageFeaturizer", "image_feature_vector", "load_image"]

ImageInput = str | Path | Image.Image | npt.NDArray[Any]
F32 = npt.NDArray[np.float32]


def load_image(item: ImageInput) -> Image.Image:
    """Open a path, PIL image or uint8 array as an RGB PIL image."""
    if isinstance(item, Image.Image):
        return item.convert("RGB")
    if isinstance(item, np.ndarray):
        return Image.fromarray(np.asarray(item, dtype=np.uint8)).convert("RGB")
    try:
        with Image.open(item) as img:
            return img.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise MediaError(f"Cannot read image {str(item)!r}: {exc}") from exc


def _hog(gray: F32, grid: int, orientations: int) -> F32:
    gy, gx = np.gradient(gray)
    magnitude = np.hypot(gx, gy)
    angle = np.mod(np.arctan2(gy, gx), np.pi)  # unsigned orientation
    bins = np.minimum((angle / np.pi * orientations).astype(int), orientations - 1)
    size = gray.shape[0]
    cell = size // grid
    out = np.zeros((grid, grid, orientations), dtype=np.float32)
    for i in range(grid):
        for j in range(grid):
            sl = (slice(i * cell, (i + 1) * cell), slice(j * cell, (j + 1) * cell))
            out[i, j] = np.bincount(
                bins[sl].ravel(), weights=magnitude[sl].ravel(), minlength=orientations
            )
    norms = np.linalg.norm(out, axis=2, keepdims=True)
    out /= np.maximum(norms, 1e-6)
    return out.ravel()


def image_feature_vector(
    image: Image.Image,
    *,
    size: int = 32,
    color_bins: int = 8,
    grid: int = 4,
    orientations: int = 9,
) -> F32:
    """The built-in feature vector of one RGB image (see the module docstring)."""
    thumb = np.asarray(
        image.resize((8, 8), Image.Resampling.BILINEAR), dtype=np.float32
    )
    hsv = np.asarray(image.convert("HSV"), dtype=np.float32).reshape(-1, 3)
    hist = [
        np.histogram(hsv[:, c], bins=color_bins, range=(0, 256))[0] for c in range(3)
    ]
    color = np.concatenate(hist).astype(np.float32) / max(hsv.shape[0], 1)
    gray = np.asarray(
        image.convert("L").resize((size, size), Image.Resampling.BILINEAR),
        dtype=np.float32,
    )
    return np.concatenate(
        [thumb.ravel() / 255.0, color, _hog(gray / 255.0, grid, orientations)]
    ).astype(np.float32)


class ImageFeaturizer(Featurizer):
    """Feature vectors for images: built-in numpy/Pillow features or ``embed``.

    Parameters
    ----------
    size : int, default=32
        Side of the grayscale image the gradient histogram is computed on.
    color_bins : int, default=8
        Bins per HSV channel.
    grid : int, default=4
        Cells per side for the gradient histogram (``size`` must be a multiple).
    orientations : int, default=9
        Orientation bins per cell.
    embed : callable or None, default=None
        ``embed(list_of_pil_images) -> array (n, d)``; replaces the built-in
        features.
    batch_size : int, default=256
        Images loaded and embedded per batch.
    """

    family: ClassVar[str] = "image"

    def __init__(
        self,
        *,
        size: int = 32,
        color_bins: int = 8,
        grid: int = 4,
        orientations: int = 9,
        embed: Callable[[list[Image.Image]], Any] | None = None,
        batch_size: int = 256,
    ) -> None:
        self.size = size
        self.color_bins = color_bins
        self.grid = grid
        self.orientations = orientations
        self.embed = embed
        self.batch_size = batch_size

    @property
    def persistable(self) -> bool:
        """A user function cannot be saved with skops, the built-in features can."""
        return self.embed is None

    def _check(self) -> None:
        for name in ("size", "color_bins", "grid", "orientations", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(
                    f"The {name!r} parameter of ImageFeaturizer must be an int >= 1. "
                    f"Got {value!r} instead."
                )
        if self.size % self.grid:
            raise ConfigError(
                f"The 'size' parameter of ImageFeaturizer ({self.size}) must be a "
                f"multiple of 'grid' ({self.grid})."
            )

    def _raw(self, X: Sequence[ImageInput]) -> F32:
        self._check()
        items = list(X)
        rows: list[F32] = []
        for start in range(0, len(items), self.batch_size):
            images = [load_image(it) for it in items[start : start + self.batch_size]]
            if self.embed is not None:
                out = np.asarray(self.embed(images), dtype=np.float32)
                if out.ndim != 2 or out.shape[0] != len(images):
                    raise ConfigError(
                        "The 'embed' function of ImageFeaturizer must return an array "
                        f"of shape ({len(images)}, d); got {out.shape}."
                    )
                rows.extend(out)
            else:
                rows.extend(
                    image_feature_vector(
                        img,
                        size=self.size,
                        color_bins=self.color_bins,
                        grid=self.grid,
                        orientations=self.orientations,
                    )
                    for img in images
                )
        if not rows:
            raise ConfigError("ImageFeaturizer got no images.")
        return np.vstack(rows).astype(np.float32)

    def _scale(self, raw: F32) -> F32:
        return np.asarray((raw - self.mean_) / self.scale_, dtype=np.float32)

    def fit(self, X: Sequence[ImageInput], y: Any = None) -> ImageFeaturizer:
        """Learn the per-feature mean and scale."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Sequence[ImageInput], y: Any = None, **_: Any) -> F32:
        """Compute features once, learn the scaling, return the scaled matrix."""
        raw = self._raw(X)
        self.mean_ = raw.mean(axis=0)
        std = raw.std(axis=0)
        self.scale_ = np.where(std > 1e-6, std, 1.0).astype(np.float32)
        return self._scale(raw)

    def transform(self, X: Sequence[ImageInput]) -> F32:
        """Dense float32 features, one row per image."""
        if not hasattr(self, "mean_"):
            raise ConfigError("ImageFeaturizer is not fitted yet; call fit first.")
        return self._scale(self._raw(X))
