"""The one place a featurizer is chosen, by name, and where its matrices are cached.

A project names its featurizer in its settings (``featurizer``; one of
:data:`activelabel.project_config.FEATURIZERS` for its modality), or leaves it
unset for its modality's default. The round and ``activelabel simulate`` both
build theirs with :func:`make_featurizer`.

========== ========================================================================
name       featurizer
========== ========================================================================
tfidf      TF-IDF over word and character n-grams; a pool of more than
           :data:`LARGE_TEXT_POOL` texts gets hashed word n-grams instead
hashing    hashed word n-grams, idf-weighted: no vocabulary, memory that does not
           grow with the pool
embeddings sentence embeddings (the ``embeddings`` extra and its offline model)
both       TF-IDF and sentence embeddings side by side, each half of equal norm
           (:mod:`activelabel.ml.combined_features`; the ``embeddings`` extra)
auto       chosen by cross-validation among tfidf, embeddings and both once the
           labels allow it, tfidf before (:mod:`activelabel.loop.featurizer_choice`);
           here, outside a round, the tfidf it starts from
tabular    scaled numbers and one-hot categories
image      colour histograms and gradient orientations
audio      mel-spectrogram statistics
========== ========================================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from activelabel import extras
from activelabel.exceptions import ConfigError
from activelabel.extras import EMBEDDING_FEATURIZERS, missing_embeddings_sentence
from activelabel.ml.featurizer import Featurizer
from activelabel.project_config import DEFAULT_FEATURIZER, FEATURIZERS

if TYPE_CHECKING:
    from activelabel.store.engine import Store

__all__ = [
    "LARGE_TEXT_POOL",
    "cache_dir_for",
    "feature_cache_dir",
    "make_featurizer",
]

#: Text pools larger than this are featurized with hashed word n-grams
#: (:mod:`activelabel.ml.hashed_ngrams`): no vocabulary to hold, and about
#: eight times fewer non-zeros than with character n-grams, so a round over a
#: million texts stays within a few GiB. Not lower: without character n-grams
#: AG News learned far less from the same labels (accuracy over the learning
#: curve 0.611 against TF-IDF's 0.689, docs/benchmarks.md).
LARGE_TEXT_POOL = 200_000


def make_featurizer(
    modality: str, name: str | None = None, *, pool_size: int = 0
) -> Featurizer:
    """The featurizer called ``name`` (None: the modality's default), unfitted.

    ``pool_size`` is the number of items it will featurize: the default text
    featurizer switches to hashing above :data:`LARGE_TEXT_POOL`. A name the
    modality cannot use raises :class:`ConfigError` listing the ones it can.
    """
    allowed = FEATURIZERS.get(modality)
    if allowed is None:
        raise ConfigError(
            f"No featurizer for the modality {modality!r}; the modalities are: "
            f"{', '.join(FEATURIZERS)}."
        )
    chosen = name or DEFAULT_FEATURIZER[modality]
    if chosen not in allowed:
        raise ConfigError(
            f"A {modality} project cannot use the featurizer {chosen!r}; "
            f"choose one of: {', '.join(allowed)}."
        )
    if chosen in EMBEDDING_FEATURIZERS and not extras.embeddings_installed():
        raise ConfigError(missing_embeddings_sentence(chosen))
    if chosen == "auto":
        # The round chooses (activelabel.loop.featurizer_choice); it starts here.
        chosen = "tfidf"
    # Imported by name: each family pulls in its own libraries (PIL, torch).
    if chosen == "tfidf" and pool_size <= LARGE_TEXT_POOL:
        from activelabel.ml.text_features import TextFeaturizer

        return TextFeaturizer()
    if chosen in ("tfidf", "hashing"):
        from activelabel.ml.text_features import TextFeaturizer

        return TextFeaturizer(kind="hashing", char_ngrams=None)
    if chosen == "embeddings":
        from activelabel.ml.text_features import SentenceEmbeddingFeaturizer

        return SentenceEmbeddingFeaturizer()
    if chosen == "both":
        from activelabel.ml.combined_features import CombinedTextFeaturizer

        return CombinedTextFeaturizer()
    if chosen == "tabular":
        from activelabel.ml.tabular_features import TabularFeaturizer

        return TabularFeaturizer()
    if chosen == "image":
        from activelabel.ml.image_features import ImageFeaturizer

        return ImageFeaturizer()
    from activelabel.ml.audio_features import AudioFeaturizer

    return AudioFeaturizer()


def cache_dir_for(store: Store) -> Path:
    """Where feature matrices are cached by default: beside a SQLite file, else
    ./.activelabel-cache."""
    url = store.engine.url
    if (
        url.get_backend_name() == "sqlite"
        and url.database
        and url.database != ":memory:"
    ):
        db = Path(url.database)
        return db.with_name(db.name + ".activelabel-cache")
    return Path(".activelabel-cache")


def feature_cache_dir(store: Store, cache_dir: Path | None = None) -> Path:
    """The feature cache of a round: ``cache_dir`` if given, else the
    ``cache_dir`` setting (``ACTIVELABEL_CACHE_DIR``), else :func:`cache_dir_for`."""
    if cache_dir is not None:
        return cache_dir
    from activelabel.config import Settings

    return Settings().cache_dir or cache_dir_for(store)
