"""AutoML: search estimators and their hyperparameters under a time budget.

:func:`search_model` tries the learners of :mod:`activelabel.ml.automl_learners`
(logistic regressions with L1 and L2 penalties, random forest, extra trees,
k nearest neighbours, and for TF-IDF-like features Kili's chi-squared
``SelectKBest`` + logistic pipeline) on the labeled rows, and scores every
trial by cross-validated macro-F1 on the folds the default model is scored on
(:func:`activelabel.ml.training.cross_validate_model`: the few-labels rules,
rows of a class seen once kept in training). Multilabel tasks search the
one-vs-rest model of each configuration, scored as the default one-vs-rest
model is.

Why FLAML's tuner and not its AutoML class: the AutoML class imports xgboost,
whose Linux wheel pulls NVIDIA libraries, and wraps each model in its own
class, which a skops file could not hold. The tuner (FLAML's core, NumPy
only) runs one cost-frugal search (CFO) per learner; each starts from the
learner's cheapest setting and grows only what pays. Between learners the
next trial goes to the learner with the best upper bound (its best macro-F1
plus an exploration term that shrinks as it is tried), as FLAML's learner
selection favours the promising and the untried.

The default model (balanced logistic regression) is scored on the same folds
first; the winner replaces it only if its macro-F1 is higher
(:attr:`AutoMLSearch.winner` is None otherwise). The search keeps back the
time the best so far needs to be fit on every label (0.6 times its trial:
the fit reuses the trial's cross-validation); no trial starts that the rest cannot hold by the learner's last trial
time, and a trial still running at the deadline stops before its next fold.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.multiclass import OneVsRestClassifier

from activelabel.exceptions import ConfigError
from activelabel.ml.automl_learners import LEARNERS, learners_for
from activelabel.ml.automl_scoring import Deadline, OutOfTime, TrialScorer
from activelabel.ml.training import (
    make_estimator,
)

# The check lives with the settings, so the server checks a budget without
# importing this module's model stack; re-exported here for the search.
from activelabel.project_config import check_time_budget

__all__ = [
    "AutoMLSearch",
    "build_estimator",
    "check_time_budget",
    "search_estimator",
    "search_model",
]

#: The winner's fit on every label costs about this share of its trial: one
#: fit on all rows (its trial made five on four fifths each) and calibration,
#: its cross-validation reused. The search stops early enough to leave it that
#: time, and at least :data:`MIN_RESERVE` of the budget.
REFIT_FACTOR = 0.6
MIN_RESERVE = 0.05

#: Weight of the exploration term when choosing the next learner.
EXPLORATION = 0.1

#: The learner whose start (C=1, balanced) is the default model.
DEFAULT_LEARNER = "lrl2"


@dataclass
class AutoMLSearch:
    """What a search found: the best configuration, the default's score, the trials."""

    #: The best trial's ``{"learner", "params"}`` (None if no trial scored).
    best: dict[str, Any] | None
    best_macro_f1: float | None
    #: The default model's (balanced logistic regression) macro-F1 on the same folds.
    baseline_macro_f1: float | None
    trials: list[dict[str, Any]] = field(default_factory=list)
    time_budget: float = 0.0
    seconds: float = 0.0
    note: str = ""
    #: The cross-validations of the best trial and of the default model, as
    #: ``train_model(cross_validated=...)`` reuses them (never stored).
    best_cv: tuple[Any, ...] | None = field(default=None, repr=False)
    baseline_cv: tuple[Any, ...] | None = field(default=None, repr=False)

    @property
    def chosen_cv(self) -> tuple[Any, ...] | None:
        """The cross-validation of the model the search chose (winner or default)."""
        return self.baseline_cv if self.winner is None else self.best_cv

    @property
    def winner(self) -> dict[str, Any] | None:
        """The best configuration if it beats the default model, else None."""
        if self.best is None or self.best_macro_f1 is None:
            return None
        if (
            self.baseline_macro_f1 is not None
            and self.best_macro_f1 <= self.baseline_macro_f1
        ):
            return None
        return self.best

    def record(self) -> dict[str, Any]:
        """The search as JSON for a model version's metrics."""
        winner = self.winner
        return {
            "winner": winner,
            "winner_title": None
            if winner is None
            else LEARNERS[winner["learner"]].title,
            "best": self.best,
            "best_macro_f1": self.best_macro_f1,
            "baseline_macro_f1": self.baseline_macro_f1,
            "time_budget": self.time_budget,
            "seconds": round(self.seconds, 3),
            "trials": self.trials,
            "note": self.note,
        }


def build_estimator(
    setting: Mapping[str, Any], *, multilabel: bool = False, random_state: int = 0
) -> BaseEstimator:
    """The unfitted scikit-learn estimator of a setting ``{"learner", "params"}``
    (a search's winner, as recorded), one-vs-rest for ``multilabel``."""
    name = setting.get("learner")
    if name not in LEARNERS:
        raise ConfigError(
            f"Unknown AutoML learner {name!r}; the learners are: {', '.join(LEARNERS)}."
        )
    estimator = LEARNERS[str(name)].build(dict(setting.get("params", {})), random_state)
    return OneVsRestClassifier(estimator) if multilabel else estimator


def _plain(value: Any) -> Any:
    """A hyperparameter as a JSON builtin (the tuner hands out NumPy scalars)."""
    return value.item() if isinstance(value, np.generic) else value


class _LearnerSearch:
    """One learner's tuner and what its trials gave."""

    def __init__(
        self, name: str, n_rows: int, n_cols: int, seed: int, known: float | None
    ) -> None:
        # flaml is imported (quietly) by automl_learners before this.
        from flaml.tune.searcher.blendsearch import CFO

        learner = LEARNERS[name]
        self.name = name
        self.searcher = CFO(
            metric="macro_f1",
            mode="max",
            space=learner.space(n_rows, n_cols),
            low_cost_partial_config=learner.low_cost(n_rows, n_cols) or None,
            # The first trial: the cheap setting, the rest at sensible defaults.
            points_to_evaluate=[
                {**learner.low_cost(n_rows, n_cols), **learner.start(n_rows, n_cols)}
            ],
            # The start's score when it was measured already (the default model).
            evaluated_rewards=None if known is None else [known],
            seed=seed,
        )
        self.best = -1.0 if known is None else known
        self.tries = 0 if known is None else 1
        self.last_seconds = 0.0
        self.done = False

    def upper_bound(self, total: int) -> float:
        if self.tries == 0:
            return math.inf
        return self.best + EXPLORATION * math.sqrt(math.log(max(total, 2)) / self.tries)


def search_model(
    X: Any,
    y: Any,
    *,
    time_budget: float,
    multilabel: bool = False,
    cv: int = 5,
    random_state: int = 0,
    sample_weight: Any = None,
    n_scored: int | None = None,
    extra_sources: Any = None,
    learners: list[str] | None = None,
    on_trial: Callable[[dict[str, Any], float], None] | None = None,
) -> AutoMLSearch:
    """Search the learners on ``X``/``y`` for at most ``time_budget`` seconds.

    ``y``, ``sample_weight``, ``n_scored`` and ``extra_sources`` mean what
    they mean to :func:`activelabel.ml.training.train_model`. ``learners``
    limits the search (default: every learner that fits ``X``). ``on_trial``
    is called after each trial with it and the seconds spent so far.
    """
    budget = check_time_budget(time_budget)
    started = time.monotonic()
    scorer = TrialScorer(
        X,
        y,
        multilabel=multilabel,
        cv=cv,
        random_state=random_state,
        sample_weight=None if sample_weight is None else np.asarray(sample_weight),
        n_scored=n_scored,
        extra_sources=None if extra_sources is None else np.asarray(extra_sources),
    )
    t = time.monotonic()
    baseline, note = scorer(make_estimator("logistic", multilabel=multilabel))
    baseline_seconds = time.monotonic() - t
    result = AutoMLSearch(None, None, baseline, time_budget=budget, note=note)
    result.baseline_cv = scorer.last
    if baseline is None:
        result.note = "No search: " + note[0].lower() + note[1:]
        result.seconds = time.monotonic() - started
        return result
    names = learners or learners_for(X)
    unknown = sorted(set(names) - set(LEARNERS))
    if unknown:
        raise ConfigError(
            f"Unknown AutoML learner {unknown[0]!r}; the learners are: {', '.join(LEARNERS)}."
        )
    n_rows, n_cols = int(X.shape[0]), int(X.shape[1])
    # lrl2 at C=1 is the default model: its first trial is the score above.
    searches = [
        _LearnerSearch(
            n, n_rows, n_cols, random_state, baseline if n == DEFAULT_LEARNER else None
        )
        for n in names
    ]
    if DEFAULT_LEARNER in names:
        result.trials.append(
            {
                "learner": DEFAULT_LEARNER,
                "params": {"C": 1.0},
                "macro_f1": baseline,
                "seconds": round(baseline_seconds, 3),
            }
        )
        result.best = {"learner": DEFAULT_LEARNER, "params": {"C": 1.0}}
        result.best_macro_f1 = baseline
        result.best_cv = result.baseline_cv
    best_seconds = baseline_seconds
    while True:
        # Leave the best so far the time to be fit on every label.
        reserve = max(REFIT_FACTOR * best_seconds, MIN_RESERVE * budget)
        deadline = started + budget - reserve
        remaining = deadline - time.monotonic()
        # A learner whose last trial would not fit in what is left sits out.
        able = [s for s in searches if not s.done and s.last_seconds < remaining]
        if not able or remaining <= 0:
            break
        total = sum(s.tries for s in searches)
        chosen = max(able, key=lambda s: s.upper_bound(total))
        trial = _run_trial(
            chosen, scorer, len(result.trials), multilabel, random_state, deadline
        )
        if trial is None:
            continue
        result.trials.append(trial)
        score = trial.get("macro_f1")
        if score is not None and (
            result.best_macro_f1 is None or score > result.best_macro_f1
        ):
            result.best_macro_f1 = score
            result.best = {"learner": trial["learner"], "params": trial["params"]}
            result.best_cv = scorer.last
            best_seconds = float(trial["seconds"])
        if on_trial is not None:
            on_trial(trial, time.monotonic() - started)
    result.seconds = time.monotonic() - started
    return result


def _run_trial(
    search: _LearnerSearch,
    scorer: TrialScorer,
    number: int,
    multilabel: bool,
    random_state: int,
    deadline: float,
) -> dict[str, Any] | None:
    """Ask the learner's tuner for a setting, score it, and tell the tuner.

    A trial still running at ``deadline`` stops before its next fold's fit.
    """
    trial_id = f"{search.name}-{number}"
    config = search.searcher.suggest(trial_id)
    if config is None:
        # The tuner has nothing left to propose (a one-dimensional space converged).
        search.done = True
        return None
    params = {key: _plain(value) for key, value in config.items()}
    t = time.monotonic()
    trial: dict[str, Any] = {"learner": search.name, "params": params}
    try:
        score, _ = scorer(
            Deadline(
                build_estimator(
                    trial, multilabel=multilabel, random_state=random_state
                ),
                deadline,
            )
        )
    except OutOfTime:
        score = None
        trial["error"] = "stopped: the time budget ran out during this trial"
    except (ValueError, ArithmeticError, MemoryError) as exc:
        # A setting the data cannot fit (more neighbours than rows in a fold, ...):
        # the tuner learns it failed and moves on.
        score = None
        trial["error"] = (
            str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        )
    seconds = time.monotonic() - t
    search.tries += 1
    search.last_seconds = seconds
    if score is not None:
        search.best = max(search.best, score)
    search.searcher.on_trial_complete(
        trial_id,
        # The tuner finds the trial's setting in its result, under "config".
        None
        if score is None
        else {"macro_f1": score, "time_total_s": seconds, "config": config},
        error=score is None,
    )
    trial["macro_f1"] = score
    trial["seconds"] = round(seconds, 3)
    return trial


def search_estimator(
    X: Any,
    y: Any,
    *,
    time_budget: float,
    multilabel: bool = False,
    random_state: int = 0,
) -> BaseEstimator:
    """The unfitted winner of a search on ``X``/``y``, or the default model
    when nothing beats it on cross-validated macro-F1."""
    found = search_model(
        X, y, time_budget=time_budget, multilabel=multilabel, random_state=random_state
    )
    if found.winner is None:
        return make_estimator(
            "logistic", multilabel=multilabel, random_state=random_state
        )
    return build_estimator(
        found.winner, multilabel=multilabel, random_state=random_state
    )
