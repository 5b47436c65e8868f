"""Augmented copies of the labeled media as extra training rows of a round.

A project with ``augment`` on (or unset, where its modality augments by
default: :func:`activelabel.ml.augmentation.resolve_augment`) learns, beside
each item people labeled, :data:`~activelabel.ml.augmentation.AUGMENTED_COPIES`
altered copies of it under the same label. The copies exist only as feature
rows of the round: nothing is stored in items, queued or exported.

They come after the people's rows (and after the label model's, with
``train_on_weak``), past ``n_scored``: cross-validation never holds them out,
and a fold leaves out the copies of the items it holds out
(``extra_sources``), so the CV score still measures the model on items it
never saw in any form.

Each item's copies are cached as one small ``.npy`` under the feature cache's
``augmented/`` folder, keyed by the item's content hash, the seed, the number
of copies, the transforms' version and the fitted featurizer (its id and its
learned scaling): a round decodes only the items labeled since the last one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from activelabel.exceptions import MediaError
from activelabel.io.media_roots import media_file, root_paths
from activelabel.loop.featurizers import feature_cache_dir, make_featurizer
from activelabel.loop.pool_memo import PoolMemo, PoolRow
from activelabel.ml.augmentation import (
    AUGMENTED_COPIES,
    TRANSFORMS_VERSION,
    augmented_features,
    resolve_augment,
)
from activelabel.ml.feature_cache import FeatureCache
from activelabel.ml.featurizer import Featurizer
from activelabel.store.engine import Store
from activelabel.store.models import Item, Project

__all__ = ["AugmentedTraining", "augmented_copies", "with_augmented_rows"]

#: Item ids per query when reading the labeled items' media files.
_IDS_PER_QUERY = 1_000


@dataclass
class AugmentedTraining:
    """A round's training rows: the labeled rows, then any augmented copies."""

    X: Any
    y: list[Any]
    #: Keyword options for the model family's training (n_scored,
    #: extra_sources, sample_weight when the round weighs rows).
    options: dict[str, Any]
    #: Augmented copies among the rows (0: augmentation off or not possible).
    copies: int = 0


def with_augmented_rows(
    store: Store,
    project: Project,
    rows: list[PoolRow],
    X: Any,
    train_rows: npt.NDArray[np.intp],
    y_train: list[Any],
    options: dict[str, Any],
    *,
    n_labels: int,
    cache_dir: Path | None = None,
    memo: PoolMemo | None = None,
    seed: int = 0,
) -> AugmentedTraining:
    """The round's training rows ``X[train_rows]``, with augmented copies of
    the first ``n_labels`` (the people's labels) appended when the project
    augments.

    ``options`` (what the round passes to the model family) come back with
    ``n_scored`` and ``extra_sources`` set and ``sample_weight``, if any,
    extended by 1 per copy.
    """
    base = X[train_rows]
    y = list(y_train)
    if not resolve_augment(project.settings.augment, project.modality) or not n_labels:
        return AugmentedTraining(base, y, options)
    people = np.asarray(train_rows[:n_labels], dtype=np.intp)
    copied = augmented_copies(
        store, project, rows, people, cache_dir=cache_dir, memo=memo, seed=seed
    )
    if copied is None:
        return AugmentedTraining(base, y, options)
    X_copies, sources = copied
    n_extra = len(y) - n_labels
    extra_sources = np.concatenate(
        [np.full(n_extra, -1, dtype=np.intp), sources.astype(np.intp)]
    )
    changed = dict(options, n_scored=n_labels, extra_sources=extra_sources)
    if options.get("sample_weight") is not None:
        changed["sample_weight"] = np.concatenate(
            [np.asarray(options["sample_weight"]), np.ones(sources.size)]
        )
    return AugmentedTraining(
        np.vstack([np.asarray(base), X_copies]),
        y + [y[int(s)] for s in sources],
        changed,
        copies=int(sources.size),
    )


def augmented_copies(
    store: Store,
    project: Project,
    rows: list[PoolRow],
    positions: npt.NDArray[np.intp],
    *,
    cache_dir: Path | None = None,
    memo: PoolMemo | None = None,
    seed: int = 0,
    copies: int = AUGMENTED_COPIES,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.intp]] | None:
    """Feature rows of ``copies`` augmented copies of each of ``rows[positions]``,
    and for each row the index in ``positions`` of the item it copies.

    None when the pool's fitted featurizer is neither kept in ``memo`` nor in
    the feature cache (the round then trains without copies).
    """
    directory = feature_cache_dir(store, cache_dir)
    featurizer = _fitted_featurizer(project, rows, directory, memo)
    if featurizer is None:
        return None
    folder = directory / "augmented"
    folder.mkdir(parents=True, exist_ok=True)
    fitted = _fitted_digest(featurizer)
    hashes = [rows[int(p)][1] for p in positions]
    keys = [_copy_key(fitted, h, seed, copies) for h in hashes]
    blocks: dict[int, npt.NDArray[np.float32]] = {}
    missing = []
    for index, key in enumerate(keys):
        path = folder / f"{key}.npy"
        if path.exists():
            blocks[index] = np.load(path)
        else:
            missing.append(index)
    if missing:
        files = _media_files(
            store, project.id, [rows[int(positions[i])][0] for i in missing]
        )
        for index, file in zip(missing, files, strict=True):
            block = augmented_features(
                featurizer,
                project.modality,
                [file],
                [hashes[index]],
                copies=copies,
                seed=seed,
            )
            _save(folder / f"{keys[index]}.npy", block)
            blocks[index] = block
    X_copies = np.vstack([blocks[i] for i in range(len(keys))])
    sources = np.repeat(np.arange(len(keys), dtype=np.intp), copies)
    return X_copies.astype(np.float32, copy=False), sources


def _fitted_featurizer(
    project: Project, rows: list[PoolRow], directory: Path, memo: PoolMemo | None
) -> Featurizer | None:
    """The featurizer fitted on the pool: kept by the worker, else the one the
    feature cache stored beside the pool's matrix."""
    featurizer_id = make_featurizer(
        project.modality, project.settings.featurizer, pool_size=len(rows)
    ).featurizer_id
    kept = memo.kept_featurizer(featurizer_id, len(rows)) if memo is not None else None
    if kept is not None:
        return kept
    cache = FeatureCache(directory)
    return cache.load_featurizer(cache.key(featurizer_id, [r[1] for r in rows]))


def _fitted_digest(featurizer: Featurizer) -> str:
    """The featurizer's id and what it learned (its fitted arrays): copies
    featurized before the pool's scaling changed are not reused."""
    digest = hashlib.sha256(featurizer.featurizer_id.encode())
    for name in sorted(vars(featurizer)):
        value = getattr(featurizer, name)
        if name.endswith("_") and isinstance(value, np.ndarray):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


def _copy_key(fitted: str, content_hash: str, seed: int, copies: int) -> str:
    parts = f"{fitted}:{content_hash}:{seed}:{copies}:v{TRANSFORMS_VERSION}"
    return hashlib.sha256(parts.encode()).hexdigest()[:40]


def _save(path: Path, block: npt.NDArray[np.float32]) -> None:
    """Write one item's copies; a temporary file renamed into place, so a
    crash never leaves half a block that a later round would read."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            np.save(fh, block)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _media_files(store: Store, project_id: int, item_ids: list[int]) -> list[Path]:
    """The media file of each of ``item_ids``, in their order."""
    placed: dict[int, tuple[int | None, str | None]] = {}
    with store.session() as session:
        # In slices: a first round may copy thousands of imported labels.
        for start in range(0, len(item_ids), _IDS_PER_QUERY):
            for item_id, root_id, path in session.execute(
                select(Item.id, Item.media_root_id, Item.media_path).where(
                    Item.project_id == project_id,
                    Item.id.in_(item_ids[start : start + _IDS_PER_QUERY]),
                )
            ):
                placed[item_id] = (root_id, path)
        roots = root_paths(session, (root for root, _ in placed.values()))
    files = []
    for item_id in item_ids:
        root_id, path = placed.get(item_id, (None, None))
        if root_id not in roots or not path:
            raise MediaError(
                f"Item {item_id} has no media file to augment; import media items "
                "from a folder or with --media-column."
            )
        files.append(media_file(roots[root_id], path))
    return files
