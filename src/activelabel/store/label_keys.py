"""Choose a project's label keys (``activelabel keys``); the rules are in keymap.py."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from activelabel.keymap import assign_keys, choose_keys
from activelabel.store.models import Project

__all__ = ["set_label_keys"]


def set_label_keys(
    session: Session,
    project: Project,
    new: Mapping[str, str],
    *,
    reset: bool = False,
) -> dict[str, str]:
    """Store ``new`` (label → key) as chosen keys; return every label's key.

    ``reset`` forgets the keys chosen before, so labels without a key in
    ``new`` go back to their automatic key. Raises ``ConfigError`` (nothing
    stored) when a key cannot be chosen; see :func:`keymap.choose_keys`.
    """
    stored = {} if reset else project.settings.keys
    chosen = choose_keys(project.labels, project.modality, stored, new)
    project.update_settings(keys=chosen)
    session.flush()
    return assign_keys(project.labels, project.modality, chosen)
