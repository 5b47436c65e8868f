"""Typed dependencies: the store, the settings, the current annotator, the project."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from activelabel.server.last_use import LastUse
from activelabel.store.engine import Store
from activelabel.store.models import Project, User
from activelabel.store.projects import get_project, read_project
from activelabel.store.users import find_user, user_for_token

__all__ = [
    "LOCAL_USER",
    "AnnotatorCache",
    "CurrentUser",
    "ProjectCache",
    "ProjectDep",
    "RecentValues",
    "ServerSettings",
    "SessionDep",
    "SettingsDep",
    "StoreDep",
    "app_store",
    "labeling_project",
    "project_transaction",
]

T = TypeVar("T")

#: The annotator a token-less request is attributed to on an open-access server.
LOCAL_USER = "local"


@dataclass(frozen=True)
class ServerSettings:
    """How this server runs (set by ``activelabel serve``)."""

    #: Accept requests without a token as the ``local`` annotator.
    open_access: bool = True
    #: Start the background trainer (tests of the API alone turn it off).
    background_trainer: bool = True
    #: Seconds between the trainer's checks for work.
    trainer_poll_seconds: float = 1.0
    #: Items kept in the queue (the top of the pool by priority).
    queue_size: int = 500
    #: The projects this server serves (``activelabel serve NAME``); any other
    #: answers 404 as if it did not exist. None: every project in the database.
    projects: frozenset[str] | None = None
    #: The address the server listens on (a Host it answers to, unless 0.0.0.0).
    bind_host: str = "127.0.0.1"
    #: More Host names it answers to (``--allowed-host``), besides the loopback.
    allowed_hosts: tuple[str, ...] = ()
    #: Longest request body accepted, in bytes (longer: 413).
    max_body_bytes: int = 1 << 20

    def serves(self, name: str) -> bool:
        """Whether this server serves the project called ``name``."""
        return self.projects is None or name in self.projects


# The dependencies that do no I/O are ``async``: FastAPI runs a plain ``def``
# dependency on the thread pool, one hand-off (and one wait for the event loop)
# per dependency per request.


def app_store(request: Request) -> Store:
    """The store opened when the app was created.

    :data:`StoreDep` for most routes; the labeling routes and the annotator
    dependency call this in their body instead, because each dependency
    FastAPI solves costs CPU on the event loop, per request.
    """
    store: Store = request.app.state.store
    return store


async def get_store(request: Request) -> Store:
    """:func:`app_store` as a dependency."""
    return app_store(request)


async def get_settings(request: Request) -> ServerSettings:
    """The server's settings."""
    settings: ServerSettings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]


#: Methods that change something; their transaction is a writing one.
_WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_session(request: Request, store: StoreDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, else rolled back.

    For the routes that read. A request that changes something (POST, PUT,
    PATCH, DELETE) gets a writing transaction, so on SQLite concurrent writers
    queue in the server instead of retrying inside SQLite; but the routes that
    write open theirs in their body with :func:`project_transaction` instead,
    so the writer lock is never held across the hand-offs between the event
    loop and the thread pool that a dependency's setup and teardown cost.
    """
    with store.session(write=request.method in _WRITING_METHODS) as session:
        yield session


# scope="function": commit *before* the response is sent. With FastAPI's default
# for yield dependencies the commit ran after the client had its 201, so a crash
# in between lost a label the page had been told was stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


#: What :class:`AnnotatorCache` keeps of a user: expiry, id, name, role, revoked_at.
_Remembered = tuple[float, int, str, str, "dt.datetime | None"]


class AnnotatorCache:
    """Users by token, remembered for a few seconds.

    Every request names its user; looking the token up once per request was
    one more query on the hottest paths. A user is never renamed and a token
    never changes hands; what can change is the role and a revocation
    (``activelabel user revoke``), which a server sees within ``seconds``
    (:meth:`forget_all` makes it see them at once). A token not found is
    never remembered.
    """

    def __init__(self, seconds: float = 10.0) -> None:
        self.seconds = seconds
        self._found: dict[str, _Remembered] = {}

    def remembered(self, token: str | None) -> User | None:
        """The user if this token was looked up in the last few seconds."""
        hit = self._found.get("" if token is None else token)
        if hit is None or hit[0] < time.monotonic():
            return None
        # A detached copy: safe to share between requests, never written back.
        return User(id=hit[1], name=hit[2], role=hit[3], revoked_at=hit[4])

    def forget_all(self) -> None:
        """Look every token up again (a user was revoked or changed)."""
        self._found.clear()

    def look_up(self, store: Store, token: str | None) -> User | None:
        """The annotator whose token this is (``None``: the ``local`` annotator)."""
        with store.session() as session:
            if token is None:
                user = find_user(session, LOCAL_USER)
            else:
                user = user_for_token(session, token)
            if user is None:
                return None
            hit: _Remembered = (
                time.monotonic() + self.seconds,
                user.id,
                user.name,
                user.role,
                user.revoked_at,
            )
        self._found["" if token is None else token] = hit
        return User(id=hit[1], name=hit[2], role=hit[3], revoked_at=hit[4])

    async def get(self, store: Store, token: str | None) -> User | None:
        """:meth:`remembered`, else :meth:`look_up` on the thread pool."""
        user = self.remembered(token)
        if user is None:
            user = await run_in_threadpool(self.look_up, store, token)
        return user


class RecentValues(Generic[T]):
    """Values by name, remembered for a few seconds, computed once at a time.

    For what many requests ask and few change. When the value of a name is
    missing or too old, the first request computes it and the requests that
    come meanwhile wait for that one instead of each computing it again.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._found: dict[str, tuple[float, T]] = {}
        self._computing: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, name: str, compute: Callable[[], T]) -> T:
        """The value of ``name``: remembered, else ``compute()`` (which may raise)."""
        hit = self._found.get(name)
        if hit is not None and hit[0] >= time.monotonic():
            return hit[1]
        with self._guard:
            lock = self._computing.setdefault(name, threading.Lock())
        with lock:
            hit = self._found.get(name)  # computed while this request waited
            if hit is not None and hit[0] >= time.monotonic():
                return hit[1]
            value = compute()
            self._found[name] = (time.monotonic() + self.seconds, value)
            return value

    def forget(self, name: str) -> None:
        """Compute the value of ``name`` afresh next time (it just changed)."""
        self._found.pop(name, None)


class ProjectCache(RecentValues[Project]):
    """Projects by name, as detached copies, remembered for a couple of seconds.

    "Next task" and "submit label" need the project (its id, labels and
    settings) on every call; reading it was one more statement per label,
    and on PostgreSQL one more round trip. A project's name, id, task and
    labels never change; its settings (keys, retrain_every, overlap) do, by
    ``PATCH``, which makes this server forget the project at once. Another
    server on the same database sees the change within ``seconds``.
    """

    def __init__(self, seconds: float = 2.0) -> None:
        super().__init__(seconds)

    def project(self, store: Store, name: str) -> Project:
        """The project called ``name`` (raises ``ProjectNotFoundError`` if none)."""

        def read() -> Project:
            with store.session() as session:
                return read_project(session, name)

        return self.get(name, read)


def labeling_project(request: Request, name: str) -> Project:
    """The project for the labeling routes, from the app's :class:`ProjectCache`.

    A detached copy shared between requests: read it, never change it. A route
    that changes the project must use :func:`project_transaction`.
    """
    cache: ProjectCache = request.app.state.projects
    return cache.project(app_store(request), name)


async def get_current_user(request: Request) -> User:
    """The user behind the request's bearer token (or ``local`` on open access).

    Outside the request's transaction: a remembered token costs no query and
    no hand-off to the thread pool. The store and settings are read from the
    app directly rather than as sub-dependencies: every request resolves this
    one, and each dependency FastAPI solves costs CPU on the event loop.
    What the user may do is checked by ``server.roles.require``.
    """
    store = app_store(request)
    settings: ServerSettings = request.app.state.settings
    cache: AnnotatorCache = request.app.state.annotators
    header = request.headers.get("authorization", "")
    user: User | None = None
    if header.lower().startswith("bearer "):
        user = await cache.get(store, header[7:].strip())
        if user is None:
            raise HTTPException(
                401,
                "This token is not valid; ask for a new one with `activelabel user add`.",
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif settings.open_access:
        user = await cache.get(store, None)
    if user is not None:
        if user.revoked_at is not None:
            raise HTTPException(
                401,
                f"The token of {user.name!r} was revoked on "
                f"{user.revoked_at:%Y-%m-%d %H:%M} UTC; ask an admin for a new one.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        last_use: LastUse | None = getattr(request.app.state, "last_use", None)
        if last_use is not None:
            last_use.seen(user.id)
        return user
    raise HTTPException(
        401,
        "Sign in with your annotator token (Authorization: Bearer <token>).",
        headers={"WWW-Authenticate": "Bearer"},
    )


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_project_dep(name: str, session: SessionDep) -> Project:
    """The project named in the path."""
    return get_project(session, name)


ProjectDep = Annotated[Project, Depends(get_project_dep)]


@contextlib.contextmanager
def project_transaction(store: Store, name: str) -> Iterator[tuple[Session, Project]]:
    """A writing transaction and the project named ``name`` in it.

    The routes that write call this in their body, so the transaction (and on
    SQLite the server's writer lock) is opened, used and committed on one
    thread without waiting for the event loop in between. Committed before the
    route returns, so a response never acknowledges a write that a crash could
    still lose.
    """
    with store.session(write=True) as session:
        yield session, get_project(session, name)
