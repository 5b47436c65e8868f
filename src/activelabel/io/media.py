"""Media files: find them under a root, refuse paths that escape it, check they decode."""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from activelabel.exceptions import MediaError

__all__ = [
    "AUDIO_SUFFIXES",
    "IMAGE_SUFFIXES",
    "describe_media",
    "file_digest",
    "image_pixel_limit",
    "iter_media_files",
    "media_kind",
    "resolve_inside",
]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"})
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".mp3"})


def media_kind(path: Path) -> str | None:
    """``"image"``, ``"audio"`` or None, from the file's suffix."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in AUDIO_SUFFIXES:
        return "audio"
    return None


def resolve_inside(root: Path, candidate: str | Path) -> Path:
    """Resolve ``candidate`` (relative to ``root`` unless absolute) and check it stays inside.

    Symlinks are followed before the check, so a link pointing out of the root is
    refused just like ``../secret``.
    """
    root = root.resolve()
    path = Path(candidate)
    resolved = (path if path.is_absolute() else root / path).resolve()
    if not resolved.is_relative_to(root):
        raise MediaError(
            f"The media path {str(candidate)!r} is outside the media root {root}; "
            "move the file under the root or pass a wider --media-root."
        )
    return resolved


def iter_media_files(folder: Path, *, kinds: frozenset[str]) -> Iterator[Path]:
    """Every media file of the given kinds under ``folder``, recursively, in sorted order."""
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            if media_kind(path) in kinds:
                yield path


def file_digest(path: Path) -> str:
    """BLAKE2b hash of a file's bytes (32 hex chars), read in blocks."""
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _too_many_pixels(shown_as: str, pillow_message: str) -> str:
    """The sentence for an image over Pillow's pixel limit (a decompression bomb guard)."""
    # Pillow says "Image size (N pixels) exceeds limit of M pixels, ..."; its
    # figures are the useful part, so they are read back out of the message.
    figures = [int(n) for n in re.findall(r"\d+", pillow_message)][:2]
    size = (
        f" ({figures[0]:,} pixels, over the limit of {figures[1]:,})"
        if len(figures) == 2
        else ""
    )
    return (
        f"The image {shown_as!r} is larger than the image size limit{size}, which "
        "guards against decompression bombs. If the image is genuine, raise the limit "
        "with activelabel import --max-image-pixels (PIL.Image.MAX_IMAGE_PIXELS in "
        "Python), or shrink the image."
    )


@contextmanager
def image_pixel_limit(pixels: int | None) -> Iterator[None]:
    """Within the block, accept images of up to ``pixels`` pixels (None: Pillow's default).

    The limit is Pillow's, one setting for the process, and is put back after.
    """
    if pixels is None:
        yield
        return
    from PIL import Image

    previous = Image.MAX_IMAGE_PIXELS
    # Pillow refuses images over twice MAX_IMAGE_PIXELS; between once and twice
    # it only warns, which describe_media silences.
    Image.MAX_IMAGE_PIXELS = (pixels + 1) // 2
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def describe_media(path: Path, *, shown_as: str) -> dict[str, Any]:
    """Open the file enough to prove it decodes; return its basic properties.

    Raises :class:`MediaError` naming the file when it is missing, broken, or not
    the kind of media its suffix says.
    """
    kind = media_kind(path)
    if not path.is_file():
        raise MediaError(f"The media file {shown_as!r} does not exist ({path}).")
    # Decoders are imported on first use: the server imports this module for
    # path checks alone and should not carry them.
    if kind == "image":
        from PIL import Image, UnidentifiedImageError

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    width, height, fmt = image.width, image.height, image.format
                    image.verify()
                # verify() checks structure; load() decodes the pixels, which is what
                # catches a truncated JPEG.
                with Image.open(path) as image:
                    image.load()
        except Image.DecompressionBombError as exc:
            raise MediaError(_too_many_pixels(shown_as, str(exc))) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise MediaError(
                f"The image {shown_as!r} is broken or not an image: {exc}."
            ) from None
        return {"width": width, "height": height, "format": fmt}
    if kind == "audio":
        import soundfile

        try:
            info = soundfile.info(str(path))
        except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
            raise MediaError(
                f"The audio file {shown_as!r} is broken or not audio: {exc}."
            ) from None
        if info.frames <= 0 or info.samplerate <= 0:
            raise MediaError(f"The audio file {shown_as!r} contains no samples.")
        return {
            "duration": round(info.frames / info.samplerate, 4),
            "samplerate": info.samplerate,
            "channels": info.channels,
        }
    raise MediaError(
        f"{shown_as!r} is not a supported media file; images: "
        f"{', '.join(sorted(IMAGE_SUFFIXES))}; audio: {', '.join(sorted(AUDIO_SUFFIXES))}."
    )
