"""Informativeness of whole images, from a detector's boxes.

A detector (or a file of imported predictions) gives each image a list of
boxes, each with a score in [0, 1] and, from some detectors, a probability per
class. The scores here turn those into one number per image in [0, 1], higher
for an image worth labeling, so the loop takes the highest first:

* :func:`least_confident_box`: ``1 - max score`` over the image's boxes. The
  image whose best box the detector is least sure of comes first.
* :func:`mean_box_entropy`: the mean over the image's boxes of each box's
  entropy in bits: the binary entropy of its score, or, when the boxes carry
  class probabilities, the entropy of that distribution divided by
  ``log2(number of classes)``. Both lie in [0, 1].
* :func:`uncertain_box_share`: how many boxes score inside an uncertain band
  (default 0.3 to 0.7), mapped to [0, 1) as ``n / (n + 1)``: the order of the
  counts, with a value that does not depend on the other images of a round
  (dividing by the largest count would). :func:`uncertain_box_count` gives the
  counts themselves.

**An image with no predicted box scores 0** under every strategy (``empty``
changes it): the detector saw nothing there it could be unsure of, and a pool
of mostly empty images would otherwise fill the queue with background. Such an
image still outranks none: the loop puts images without any prediction after
the scored ones, in random order.

Boxes are held flat (:class:`ImageBoxes`): one array of scores for all boxes
and the offsets where each image's boxes start, so ranking 100,000 images is a
handful of numpy reductions (``benchmarks/bench_detection.py``, section
``ranking``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "BOX_STRATEGIES",
    "DEFAULT_BAND",
    "ImageBoxes",
    "least_confident_box",
    "mean_box_entropy",
    "uncertain_box_count",
    "uncertain_box_share",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Scores a detector is unsure of: neither a likely object nor likely nothing.
DEFAULT_BAND: Final = (0.3, 0.7)

# A probability of exactly 0 would give log(0); probabilities are clipped here.
_TINY: Final = 1e-12


@dataclass(frozen=True)
class ImageBoxes:
    """The boxes of many images, flat: image ``i`` owns boxes
    ``offsets[i]:offsets[i + 1]`` of ``scores`` (and of ``class_probabilities``,
    one row per box, when the detector gives them)."""

    scores: FloatArray
    offsets: IntArray
    class_probabilities: FloatArray | None = None

    def __post_init__(self) -> None:
        if self.offsets.ndim != 1 or self.offsets.size == 0 or self.offsets[0] != 0:
            raise ValueError("offsets must start at 0, one more than the images.")
        if int(self.offsets[-1]) != self.scores.size:
            raise ValueError(
                f"offsets end at {int(self.offsets[-1])} but there are "
                f"{self.scores.size} box scores."
            )
        probabilities = self.class_probabilities
        if probabilities is not None and (
            probabilities.ndim != 2 or probabilities.shape[0] != self.scores.size
        ):
            raise ValueError("class_probabilities needs one row per box.")

    @property
    def n_images(self) -> int:
        """How many images the boxes belong to."""
        return int(self.offsets.size - 1)

    @property
    def counts(self) -> IntArray:
        """How many boxes each image has."""
        return np.diff(self.offsets)

    @classmethod
    def from_counts(
        cls,
        scores: npt.ArrayLike,
        counts: npt.ArrayLike,
        class_probabilities: npt.ArrayLike | None = None,
    ) -> ImageBoxes:
        """Boxes given as all scores in image order and each image's box count."""
        offsets = np.zeros(np.size(counts) + 1, dtype=np.int64)
        np.cumsum(np.asarray(counts, dtype=np.int64), out=offsets[1:])
        return cls(
            np.asarray(scores, dtype=np.float64).ravel(),
            offsets,
            None
            if class_probabilities is None
            else np.asarray(class_probabilities, dtype=np.float64),
        )

    @classmethod
    def from_lists(
        cls,
        boxes_per_image: Sequence[Sequence[Mapping[str, Any]]],
        *,
        default_scores: Sequence[float | None] | None = None,
    ) -> ImageBoxes:
        """Boxes as stored (``{"x", "y", "w", "h", "label", "score"?,
        "probabilities"?}`` per box, a list per image).

        A box without ``score`` takes its image's ``default_scores`` entry (an
        imported prediction's own score), else NaN: the loop leaves an image
        with a NaN box unscored. Class probabilities are kept only when every
        box has a list of the same length.
        """
        counts = np.fromiter(
            (len(boxes) for boxes in boxes_per_image),
            dtype=np.int64,
            count=len(boxes_per_image),
        )
        defaults = default_scores or [None] * len(boxes_per_image)
        try:
            if any(d is not None for d in defaults):
                raise KeyError("score")  # some boxes may take their image's
            # Every box scored (a detector's output, most imports): one list
            # comprehension, twice as fast as a generator with defaults (a
            # None score becomes NaN, as below).
            scores = np.array(
                [box["score"] for boxes in boxes_per_image for box in boxes],
                dtype=np.float64,
            )
        except (KeyError, TypeError, ValueError):
            scores = np.fromiter(
                (
                    _box_score(box, default)
                    for boxes, default in zip(boxes_per_image, defaults, strict=True)
                    for box in boxes
                ),
                dtype=np.float64,
                count=int(counts.sum()),
            )
        first = next((boxes[0] for boxes in boxes_per_image if boxes), None)
        probabilities = None
        if first is not None and "probabilities" in first:
            rows = [
                box.get("probabilities") for boxes in boxes_per_image for box in boxes
            ]
            if all(isinstance(r, list | tuple) and r for r in rows):
                widths = {len(r) for r in rows if r is not None}
                if len(widths) == 1:
                    probabilities = np.asarray(rows, dtype=np.float64)
        return cls.from_counts(scores, counts, probabilities)


def _box_score(box: Mapping[str, Any], default: float | None) -> float:
    for value in (box.get("score"), box.get("confidence"), default):
        if value is not None:
            return float(value)
    return float("nan")


def _per_image(
    values: FloatArray, offsets: IntArray, reduce: np.ufunc, empty: float
) -> FloatArray:
    """``reduce`` over each image's boxes; ``empty`` for an image without one."""
    out = np.full(offsets.size - 1, empty, dtype=np.float64)
    counts = np.diff(offsets)
    filled = counts > 0
    if values.size:
        # reduceat over the starts of the non-empty images only: their boxes are
        # contiguous, so each segment ends where the next non-empty one starts.
        out[filled] = reduce.reduceat(values, offsets[:-1][filled])
    return out


def least_confident_box(boxes: ImageBoxes, *, empty: float = 0.0) -> FloatArray:
    """``1 - max score`` of each image's boxes (``empty`` for an image without)."""
    best = _per_image(boxes.scores, boxes.offsets, np.maximum, np.nan)
    out = 1.0 - np.clip(best, 0.0, 1.0)
    out[boxes.counts == 0] = empty
    return out


def box_entropies(boxes: ImageBoxes) -> FloatArray:
    """Each box's entropy in [0, 1]: of its class probabilities (normalised by
    ``log2`` of their number) when given, else the binary entropy of its score."""
    probabilities = boxes.class_probabilities
    if probabilities is not None and probabilities.shape[1] > 1:
        p = np.clip(probabilities, _TINY, None)
        p = p / p.sum(axis=1, keepdims=True)
        return np.asarray(
            -(p * np.log2(p)).sum(axis=1) / np.log2(p.shape[1]), dtype=np.float64
        )
    s = np.clip(boxes.scores, _TINY, 1.0 - _TINY)
    return np.asarray(
        -(s * np.log2(s) + (1.0 - s) * np.log2(1.0 - s)), dtype=np.float64
    )


def mean_box_entropy(boxes: ImageBoxes, *, empty: float = 0.0) -> FloatArray:
    """The mean of :func:`box_entropies` over each image's boxes."""
    counts = boxes.counts
    sums = _per_image(box_entropies(boxes), boxes.offsets, np.add, 0.0)
    out = np.full(boxes.n_images, empty, dtype=np.float64)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out


def uncertain_box_count(
    boxes: ImageBoxes, band: tuple[float, float] = DEFAULT_BAND
) -> IntArray:
    """How many of each image's boxes score within ``band`` (both ends included)."""
    low, high = band
    inside = ((boxes.scores >= low) & (boxes.scores <= high)).astype(np.float64)
    return _per_image(inside, boxes.offsets, np.add, 0.0).astype(np.int64)


def uncertain_box_share(
    boxes: ImageBoxes, band: tuple[float, float] = DEFAULT_BAND, *, empty: float = 0.0
) -> FloatArray:
    """:func:`uncertain_box_count` mapped to [0, 1) as ``n / (n + 1)``."""
    n = uncertain_box_count(boxes, band).astype(np.float64)
    out = n / (n + 1.0)
    out[boxes.counts == 0] = empty
    return out


#: The image strategies a detection project offers, by name (the first is the
#: default): each maps a round's boxes to one score per image in [0, 1].
BOX_STRATEGIES: Final[dict[str, Callable[[ImageBoxes], FloatArray]]] = {
    "least_confident_box": least_confident_box,
    "box_entropy": mean_box_entropy,
    "uncertain_box_count": uncertain_box_share,
}
