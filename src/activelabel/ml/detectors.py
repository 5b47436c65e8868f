"""Detector plug-ins: the protocol the loop fits and asks, and how one is found.

A detection project names a detector in its ``detector`` setting. The name is
an entry point of the group :data:`ENTRY_POINT_GROUP` (``activelabel.detectors``)
that any installed distribution may declare, so a team plugs in its own model
without changing this package::

    [project.entry-points."activelabel.detectors"]
    my-detector = "my_package.detector:make_detector"

The entry point is a callable ``make_detector(weights=None, **options)``
returning a :class:`Detector`. ``weights`` is the project's
``detector_weights`` setting: a file the detector starts from (a detector
never downloads one). The loop, in the worker process, calls
:meth:`Detector.fit` on the labeled images, then
:meth:`FittedDetector.predict` on the pool in batches of :data:`PREDICT_BATCH`,
and stores :meth:`FittedDetector.to_bytes` as the model version's artifact
(read back with :meth:`Detector.load`).

A box is a dict ``{"x", "y", "w", "h", "label", "score"}``: the top-left
corner and size relative to the image's width and height (0..1), as a
detection label stores it, and a score in [0, 1]. A detector may add
``"probabilities"``: one probability per label, in the order of ``labels``
(the box entropy reads it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Final, Protocol, runtime_checkable

from activelabel.exceptions import ConfigError

__all__ = [
    "ENTRY_POINT_GROUP",
    "PREDICT_BATCH",
    "Box",
    "Detector",
    "DetectorImage",
    "FittedDetector",
    "installed_detectors",
    "load_detector",
    "predict_in_batches",
]

#: The entry-point group detector plug-ins register under.
ENTRY_POINT_GROUP: Final = "activelabel.detectors"
#: Images handed to :meth:`FittedDetector.predict` at a time: a batch's decoded
#: images are alive together, so memory stays bounded in the size of the pool.
PREDICT_BATCH: Final = 32

#: A box: ``{"x", "y", "w", "h", "label", "score", "probabilities"?}``.
Box = dict[str, Any]


@dataclass(frozen=True)
class DetectorImage:
    """An image as a detector reads it: its file and its pixel size (when the
    import stored it), with the item it belongs to."""

    item_id: int
    path: str
    width: int | None = None
    height: int | None = None


@runtime_checkable
class FittedDetector(Protocol):
    """A detector fitted on labeled images: predicts, and stores itself."""

    #: The labels it predicts, in the order of a box's ``probabilities``.
    labels: Sequence[str]

    def predict(self, images: Sequence[DetectorImage]) -> list[list[Box]]:
        """The boxes of each image (a list per image, possibly empty)."""
        ...

    def to_bytes(self) -> bytes:
        """Everything needed to predict again, as bytes (never a pickle that
        runs code on load: the model version stores these)."""
        ...


@runtime_checkable
class Detector(Protocol):
    """A detector plug-in, configured but not fitted."""

    #: Its entry-point name.
    name: str
    #: The options it was made with (stored with the model version).
    options: Mapping[str, Any]

    def fit(
        self,
        images: Sequence[DetectorImage],
        boxes: Sequence[Sequence[Box]],
        *,
        labels: Sequence[str],
    ) -> FittedDetector:
        """Fit on ``images`` and their labeled ``boxes`` (no ``score``), the
        project's ``labels`` in their order. Runs in the worker process, never
        in a request."""
        ...

    def load(self, data: bytes) -> FittedDetector:
        """A fitted detector read back from :meth:`FittedDetector.to_bytes`."""
        ...


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def installed_detectors() -> list[str]:
    """The names of the detector plug-ins installed, sorted."""
    return sorted(_entry_points())


def load_detector(
    name: str,
    *,
    weights: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Detector:
    """The installed detector ``name``, made with ``weights`` and ``options``.

    Raises :class:`ConfigError` naming the installed detectors when there is
    no such plug-in, and when the plug-in does not load or make a detector.
    """
    found = _entry_points()
    entry = found.get(name)
    if entry is None:
        installed = ", ".join(sorted(found)) or "none"
        raise ConfigError(
            f"No detector named {name!r} is installed; the installed detectors are: "
            f"{installed} (entry points of the group {ENTRY_POINT_GROUP!r}; "
            "pip install 'activelabel[detector]' adds 'yolo')."
        )
    try:
        make: Callable[..., Any] = entry.load()
    except Exception as exc:  # any import failure of a third-party plug-in
        raise ConfigError(
            f"The detector {name!r} ({entry.value}) could not be loaded: {exc}"
        ) from exc
    try:
        detector = make(weights=weights, **dict(options or {}))
    except Exception as exc:  # a plug-in's own refusal of its options or weights
        raise ConfigError(
            f"The detector {name!r} ({entry.value}) could not start: {exc}"
        ) from exc
    if not isinstance(detector, Detector):
        raise ConfigError(
            f"The detector {name!r} ({entry.value}) made a {type(detector).__name__}, "
            "which lacks fit/load/name/options of activelabel.ml.detectors.Detector."
        )
    return detector


def predict_in_batches(
    fitted: FittedDetector,
    images: Sequence[DetectorImage],
    *,
    batch_size: int = PREDICT_BATCH,
) -> Iterator[tuple[Sequence[DetectorImage], list[list[Box]]]]:
    """Each batch of ``images`` with the boxes ``fitted`` predicts for it.

    A detector that answers a batch with the wrong number of images is refused
    with a sentence, rather than its boxes landing on the wrong images.
    """
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        predicted = fitted.predict(batch)
        if len(predicted) != len(batch):
            raise ConfigError(
                f"The detector returned boxes for {len(predicted)} images when "
                f"asked about {len(batch)} (images {start + 1}-{start + len(batch)})."
            )
        yield batch, [list(boxes) for boxes in predicted]
