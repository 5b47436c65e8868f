"""Change a project's settings as the page's settings panel does.

The panel (and ``activelabel settings``) sends any of: label keys an admin
chose, ``retrain_every``, ``overlap``, ``overlap_share``, ``gold_rate`` and
``train_on_weak``. They are applied together, inside the caller's transaction:
a key that cannot be chosen or a value out of range raises ``ConfigError``
naming it, and the caller's rollback then leaves every setting as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from activelabel.project_config import ProjectConfig
from activelabel.store.label_keys import set_label_keys
from activelabel.store.models import Project

__all__ = ["change_settings"]


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
    auto_accept_off: bool = False,
    auto_accept_max: int | None = None,
    auto_accept_audit: float | None = None,
) -> ProjectConfig:
    """Apply the settings given (None: leave it); return the project's new settings.

    ``keys`` (label -> key) are chosen on top of the keys chosen before, as
    ``activelabel keys`` does. ``auto_accept_off`` switches stream
    auto-labeling off (its threshold back to None).
    """
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
        )
        if value is not None
    }
    if auto_accept_off:
        # Off is the setting's None, which "leave it" cannot say.
        changes["auto_accept"] = None
    if changes:
        project.update_settings(**changes)
    session.flush()
    return project.settings
