"""What each role may do, and the one dependency that checks it on every route.

Every API route names the action it performs (``Allowed[Action.LABEL]`` and
the like); :func:`require` turns the action into the route's user
dependency, which answers, in this order:

* 401 without a valid token (or with a revoked one),
* 404 for a project this server does not serve (as if it did not exist),
* 403 when the user's role does not include the action.

The route × role matrix this gives is in ``docs/api.md``. What is checked
object by object (a label is the annotator's own, an item is not leased to
someone else) stays with the store functions that read those objects.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Coroutine, Mapping
from typing import Annotated, Any

from fastapi import Depends, Request

from activelabel.exceptions import PermissionDeniedError, ProjectNotFoundError
from activelabel.server.deps import ServerSettings, get_current_user
from activelabel.store.models import User

__all__ = [
    "ALLOWED",
    "Action",
    "AnnotationsReader",
    "CanLabel",
    "CanManage",
    "CanRead",
    "may",
    "require",
]


class Action(enum.Enum):
    """What a route does, as far as rights go."""

    #: What the labeling page reads: who am I, projects, stats, one's own
    #: labels, items' media.
    READ = "read projects, stats, media and your own labels"
    #: Lease next tasks, label, skip, undo and edit one's own labels.
    LABEL = "label"
    #: Read every annotator's labels of a project.
    READ_ALL_LABELS = "read every annotator's labels"
    #: Review labels: accept, correct or reject them, settle conflicts, see
    #: agreement and the likely-mislabeled list.
    REVIEW = "review labels"
    #: Undo or edit a label someone else gave.
    CHANGE_ANY_LABEL = "change another annotator's labels"
    #: Export, retrain, change a project's settings, see its model versions,
    #: and anything about users.
    MANAGE = "export, retrain, change settings and manage users"


#: The actions of each role (``store.users.ROLES``).
ALLOWED: Mapping[str, frozenset[Action]] = {
    "annotator": frozenset({Action.READ, Action.LABEL}),
    "reviewer": frozenset(
        {Action.READ, Action.LABEL, Action.READ_ALL_LABELS, Action.REVIEW}
    ),
    "admin": frozenset(Action),
}


def _article(role: str) -> str:
    return "an" if role[:1] in tuple("aeiou") else "a"


#: Who may do an action, for the sentence of a 403.
_WHO = {
    action: " or ".join(
        f"{_article(role)} {role}"
        for role, actions in ALLOWED.items()
        if action in actions
    )
    for action in Action
}


def may(user: User, action: Action) -> bool:
    """Whether ``user``'s role includes ``action``."""
    return action in ALLOWED.get(user.role, frozenset())


async def _authorized(request: Request, action: Action) -> User:
    user = await get_current_user(request)
    name = request.path_params.get("name")
    settings: ServerSettings = request.app.state.settings
    if name is not None and not settings.serves(name):
        raise ProjectNotFoundError(f"No project named {name!r} on this server.")
    if not may(user, action):
        raise PermissionDeniedError(
            f"{user.name!r} is {_article(user.role)} {user.role}; only "
            f"{_WHO[action]} may {action.value}."
        )
    return user


@functools.cache
def require(action: Action) -> Callable[[Request], Coroutine[Any, Any, User]]:
    """The dependency of a route that does ``action``: returns the user.

    One function per action (cached), so FastAPI solves it once per request.
    It reads the store and settings from the app, not through sub-dependencies:
    each dependency FastAPI solves costs CPU on the event loop, per request.
    """

    async def dependency(request: Request) -> User:
        return await _authorized(request, action)

    dependency.__name__ = f"require_{action.name.lower()}"
    dependency.__doc__ = f"The user, if their role may {action.value}."
    return dependency


async def annotations_reader(request: Request, mine: bool = True) -> User:
    """``GET annotations``: one's own labels are READ, everyone's READ_ALL_LABELS."""
    return await _authorized(request, Action.READ if mine else Action.READ_ALL_LABELS)


CanRead = Annotated[User, Depends(require(Action.READ))]
CanLabel = Annotated[User, Depends(require(Action.LABEL))]
CanManage = Annotated[User, Depends(require(Action.MANAGE))]
AnnotationsReader = Annotated[User, Depends(annotations_reader)]
