"""Variants of the default, run in the same harness as the strategies.

A variant changes one thing about what activelabel does by default and is
compared, seed by seed, with the default strategy and with random sampling
on the same splits and starts:

* a strategy configuration (registered under its own name for the run);
* the model (``model=auto``: the AutoML search, on a cadence);
* the featurizer (``embeddings``, ``both``, ``auto``) of a text set;
* augmentation (``augment``) of image and audio sets.

Variants whose module is not installed yet report so and are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from label_efficiency.datasets import Dataset
from label_efficiency.runner import Progress, Schedule, simulate_runs

#: What a variant runs: (data, seeds, schedule, its name, progress) -> curves.
VariantRun = Callable[[Dataset, Sequence[int], Schedule, str, Progress | None], Any]


@dataclass(frozen=True)
class Variant:
    """A named change to the default, the sets it applies to, and how to run it."""

    description: str
    run: Callable[..., Any]
    modalities: tuple[str, ...] = ("text", "table", "tabular", "image", "audio")
    options: dict[str, Any] = field(default_factory=dict)
    #: Run on at most this many seeds (the AutoML variants: a search costs
    #: its budget three times per run).
    max_seeds: int | None = None

    def applies(self, data: Dataset) -> bool:
        """Whether this variant means something for ``data``."""
        return (
            data.modality in self.modalities
            or f"{data.modality}-{data.featurizer}" in self.modalities
        )


def _strategy_variant(
    factory: Callable[[Any], Any],
) -> VariantRun:
    """Run a strategy built by ``factory(random_state)`` under the variant's name."""

    def run(
        data: Dataset,
        seeds: Sequence[int],
        schedule: Schedule,
        name: str,
        progress: Progress | None,
    ) -> Any:
        from activelabel.al import _registry

        # simulate builds strategies by name: the variant gets one for the run.
        _registry._FACTORIES[name] = factory
        return simulate_runs(data, [name], seeds, schedule, progress=progress)[name]

    return run


def _diverse(**options: Any) -> Callable[[Any], Any]:
    def factory(rs: Any) -> Any:
        from activelabel.al import DiverseUncertaintySampling

        return DiverseUncertaintySampling(**options, random_state=rs)

    return factory


def _text_matrices(data: Dataset) -> tuple[Any, Any]:
    """TF-IDF and sentence embeddings of a text set's texts (cached)."""
    from label_efficiency.datasets import featurize

    assert data.raw is not None
    tfidf = (
        data.X
        if data.featurizer == "tfidf"
        else featurize("text", "tfidf", data.raw, data.name)
    )
    return tfidf, featurize("text", "embeddings", data.raw, data.name)


def _featurizer_variant(
    name_in_activelabel: str, *, automl: bool = False
) -> VariantRun:
    """The default strategy and model (or ``model=auto``) on another
    featurizer's matrix."""

    def run(
        data: Dataset,
        seeds: Sequence[int],
        schedule: Schedule,
        name: str,
        progress: Progress | None,
    ) -> Any:
        from activelabel.ml.combined_features import (
            EMBEDDING_WEIGHT,
            combine_text_features,
        )
        from label_efficiency.model_variants import (
            AutoFeaturizerModel,
            CadencedAutoML,
            fresh,
        )

        tfidf, embedded = _text_matrices(data)
        model = CadencedAutoML(AUTOML_BUDGET) if automl else None
        template: Any = model
        if name_in_activelabel == "embeddings":
            X = embedded
        else:
            X = combine_text_features(tfidf, embedded)
        if name_in_activelabel == "auto":
            template = AutoFeaturizerModel(
                n_tfidf=int(tfidf.shape[1]),
                weight=EMBEDDING_WEIGHT,
                max_labels=schedule.budget,
                model=model,
            )
        estimator = None if template is None else lambda: fresh(template)
        return simulate_runs(
            data,
            ["default"],
            seeds,
            schedule,
            run_names=[name],
            estimator=estimator,
            X=X,
            progress=progress,
        )[name]

    return run


def _automl(
    data: Dataset,
    seeds: Sequence[int],
    schedule: Schedule,
    name: str,
    progress: Progress | None,
) -> Any:
    """The default strategy with ``model=auto`` (searches at 50, 100, 200 labels)."""
    from label_efficiency.model_variants import CadencedAutoML, fresh

    template = CadencedAutoML(AUTOML_BUDGET)
    return simulate_runs(
        data,
        ["default"],
        seeds,
        schedule,
        run_names=[name],
        estimator=lambda: fresh(template),
        progress=progress,
    )[name]


def _augment(
    data: Dataset,
    seeds: Sequence[int],
    schedule: Schedule,
    name: str,
    progress: Progress | None,
    *,
    automl: bool = False,
) -> Any:
    """The default with augmented copies of each labeled item in its training
    rows (``augment``), as the round adds them; copies are featurized once.
    With ``automl``, also ``model=auto``."""
    from activelabel.loop.featurizers import make_featurizer
    from activelabel.ml.augmentation import AUGMENTED_COPIES, augmented_features
    from label_efficiency.datasets import cached_matrix

    assert data.raw is not None
    featurizer = make_featurizer(data.modality, data.featurizer)
    featurizer.fit(data.raw[:1])
    copies = cached_matrix(
        f"{data.name}-augmented-{AUGMENTED_COPIES}",
        lambda: augmented_features(
            featurizer,
            data.modality,
            data.raw,
            data.raw,
            copies=AUGMENTED_COPIES,
            seed=0,
        ),
    )
    sources = np.repeat(np.arange(len(data.raw)), AUGMENTED_COPIES)
    return simulate_runs(
        data,
        ["default"],
        seeds,
        schedule,
        run_names=[name],
        options={"augmented": (copies, sources)},
        estimator=_automl_factory() if automl else None,
        progress=progress,
    )[name]


def _automl_factory() -> Callable[[], Any]:
    from label_efficiency.model_variants import CadencedAutoML, fresh

    template = CadencedAutoML(AUTOML_BUDGET)
    return lambda: fresh(template)


def _augment_automl(
    data: Dataset,
    seeds: Sequence[int],
    schedule: Schedule,
    name: str,
    progress: Progress | None,
) -> Any:
    return _augment(data, seeds, schedule, name, progress, automl=True)


def _herding_start(warm_labels: int, **options: Any) -> Callable[[Any], Any]:
    def factory(rs: Any) -> Any:
        from label_efficiency.candidates import HerdingStart

        return HerdingStart(warm_labels, random_state=rs, **options)

    return factory


def _large_pool_featurizer(
    data: Dataset,
    seeds: Sequence[int],
    schedule: Schedule,
    name: str,
    progress: Progress | None,
) -> Any:
    """The default strategy and model on the features a pool of more than
    ``LARGE_TEXT_POOL`` texts gets (hashed word n-grams), same seeds."""
    from label_efficiency.datasets import featurize

    X = featurize("text", "hashing", data.raw, data.name)
    return simulate_runs(
        data, ["default"], seeds, schedule, run_names=[name], X=X, progress=progress
    )[name]


#: Seconds per AutoML search. A project's default is 60; three searches per
#: run on a shared two-core machine would make the table take hours, so the
#: benchmark gives each a sixth of that (fewer trials, the same search).
AUTOML_BUDGET = 10.0
#: Seeds the AutoML variants run on.
AUTOML_SEEDS = 5

#: Variants for a text set featurized with TF-IDF (not its embeddings twin).
_TFIDF_TEXT = ("text-tfidf",)

VARIANTS: dict[str, Variant] = {
    "model_auto": Variant(
        f"model=auto: AutoML searches ({AUTOML_BUDGET:g} s) at 50, 100 and 200 "
        "labels, the winner refitted in between",
        _automl,
        max_seeds=AUTOML_SEEDS,
    ),
    "featurizer_auto_model_auto": Variant(
        "featurizer=auto and model=auto together (the goal's configuration)",
        _featurizer_variant("auto", automl=True),
        _TFIDF_TEXT,
        max_seeds=AUTOML_SEEDS,
    ),
    "augment_model_auto": Variant(
        "augment and model=auto together",
        _augment_automl,
        ("image", "audio"),
        max_seeds=AUTOML_SEEDS,
    ),
    "augment": Variant(
        "augmented copies of each labeled image or clip learned beside it (augment)",
        _augment,
        ("image", "audio"),
    ),
    "featurizer_embeddings": Variant(
        "sentence embeddings instead of TF-IDF (featurizer=embeddings)",
        _featurizer_variant("embeddings"),
        _TFIDF_TEXT,
    ),
    "featurizer_both": Variant(
        "TF-IDF and sentence embeddings side by side (featurizer=both)",
        _featurizer_variant("both"),
        _TFIDF_TEXT,
    ),
    "featurizer_auto": Variant(
        "tfidf, embeddings or both chosen by cross-validation (featurizer=auto)",
        _featurizer_variant("auto"),
        _TFIDF_TEXT,
    ),
    "featurizer_large_pool": Variant(
        "the large pool's featurizer (hashed word 1-2-grams, no char n-grams)",
        _large_pool_featurizer,
        _TFIDF_TEXT,
    ),
    "herding_start_50": Variant(
        "coverage picks (MaxHerding) until 50 labels, then the default",
        _strategy_variant(_herding_start(50)),
    ),
    "beta_30": Variant(
        "the default pre-selecting the 30 × batch most uncertain rows (not 10 ×)",
        _strategy_variant(_diverse(beta=30)),
    ),
    "coverage_weight": Variant(
        "diverse margin weighted by the full coverage gain (no fading)",
        _strategy_variant(_diverse(weight="coverage")),
    ),
    "uncertainty_weight": Variant(
        "diverse margin weighted by uncertainty alone (Zhdanov 2019)",
        _strategy_variant(_diverse(weight="uncertainty")),
    ),
}


def run_variant(
    spec: Variant,
    data: Dataset,
    seeds: Sequence[int],
    schedule: Schedule,
    *,
    progress: Progress | None = None,
    compute: bool = True,
) -> list[dict[str, Any]]:
    """The variant's curves on ``data`` (cached per seed like every run);
    with ``compute=False`` only the seeds already cached."""
    from label_efficiency.runner import cached_curve

    name = next(k for k, v in VARIANTS.items() if v is spec)
    if spec.max_seeds is not None:
        seeds = list(seeds)[: spec.max_seeds]
    if not compute:
        found = [cached_curve(data.name, name, s, schedule) for s in seeds]
        return [p for p in found if p is not None]
    result: list[dict[str, Any]] = spec.run(data, seeds, schedule, name, progress)
    return result
