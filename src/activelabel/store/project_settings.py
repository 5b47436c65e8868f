"""Change a project's settings as the page's settings dialogs do.

The page (``PATCH /projects/{name}``) and ``activelabel settings`` send any
of: label keys an admin chose, ``retrain_every``, ``overlap``,
``overlap_share``, ``gold_rate``, ``train_on_weak``, auto-labeling
(``auto_accept``, ``auto_accept_max``, ``auto_accept_audit``) and how the
model learns (``model``, ``automl_budget``, ``featurizer``, ``augment``).
They are checked and applied together, here, so both say the same sentences:
a key that cannot be chosen, a value out of range, a featurizer the modality
lacks or whose extra is not installed (naming the install command),
augmentation for a modality without transforms, or a time budget of 0
seconds or less raises ``ConfigError``, and the caller's rollback then leaves
every setting as it was.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError
from activelabel.project_config import (
    ProjectConfig,
    check_augmentable,
    check_time_budget,
)
from activelabel.store.label_keys import set_label_keys
from activelabel.store.models import Project

__all__ = ["RESETTABLE", "change_settings"]

#: Settings whose default is None, so that "leave it" (None) cannot say "back
#: to the default": ``to_default`` names them instead.
RESETTABLE = ("auto_accept", "model", "featurizer", "augment")


def change_settings(
    session: Session,
    project: Project,
    *,
    keys: Mapping[str, str] | None = None,
    retrain_every: int | None = None,
    overlap: int | None = None,
    overlap_share: float | None = None,
    gold_rate: float | None = None,
    train_on_weak: bool | None = None,
    auto_accept: float | None = None,
    auto_accept_max: int | None = None,
    auto_accept_audit: float | None = None,
    model: str | None = None,
    automl_budget: float | None = None,
    featurizer: str | None = None,
    augment: bool | None = None,
    to_default: Collection[str] = (),
) -> ProjectConfig:
    """Apply the settings given (None: leave it); return the project's new settings.

    ``keys`` (label -> key) are chosen on top of the keys chosen before, as
    ``activelabel keys`` does. ``to_default`` names settings of
    :data:`RESETTABLE` set back to their default: ``auto_accept`` switches
    stream auto-labeling off, ``model`` / ``featurizer`` / ``augment`` return
    to the modality's default.
    """
    unknown = sorted(set(to_default) - set(RESETTABLE))
    if unknown:
        raise ConfigError(
            f"The setting {unknown[0]!r} cannot be reset to its default; "
            f"these can: {', '.join(RESETTABLE)}."
        )
    if automl_budget is not None:
        automl_budget = check_time_budget(automl_budget)
    if augment:
        check_augmentable(project.modality)
    if keys is not None:
        set_label_keys(session, project, keys)
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("retrain_every", retrain_every),
            ("overlap", overlap),
            ("overlap_share", overlap_share),
            ("gold_rate", gold_rate),
            ("train_on_weak", train_on_weak),
            ("auto_accept", auto_accept),
            ("auto_accept_max", auto_accept_max),
            ("auto_accept_audit", auto_accept_audit),
            ("model", model),
            ("automl_budget", automl_budget),
            ("featurizer", featurizer),
            ("augment", augment),
        )
        if value is not None
    }
    # Each of these defaults to None, which "leave it" cannot say.
    changes.update(dict.fromkeys(to_default))
    if "featurizer" in changes:
        # Checked before anything is stored: refused for a featurizer the
        # modality lacks, or (naming the install command) whose extra is missing.
        project.settings.replace(**changes).check_featurizer(project.modality)
    if changes:
        project.update_settings(**changes)
    session.flush()
    return project.settings
