"""Users: create one with a role and a fresh token, find one by token, revoke one."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError, UserNotFoundError
from activelabel.store.models import User, utcnow

__all__ = [
    "ROLES",
    "add_user",
    "find_user",
    "get_user",
    "hash_token",
    "list_users",
    "record_last_use",
    "revoke_user",
    "user_for_token",
]

#: The roles, from the fewest rights to the most. What each may do is in
#: ``activelabel.server.roles``.
ROLES = ("annotator", "reviewer", "admin")


def hash_token(token: str) -> str:
    """SHA-256 of a token: only the hash is stored, so a leaked database leaks no token."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    session: Session,
    *,
    name: str,
    token: str | None = None,
    role: str = "annotator",
) -> tuple[User, str]:
    """Create a user; return it and its token (shown once, stored hashed)."""
    name = name.strip()
    if not name:
        raise ConfigError("A user name cannot be empty.")
    if role not in ROLES:
        raise ConfigError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    if find_user(session, name) is not None:
        raise ConfigError(f"A user named {name!r} exists already.")
    token = token or secrets.token_urlsafe(24)
    user = User(
        name=name, token_hash=hash_token(token), role=role, is_admin=role == "admin"
    )
    session.add(user)
    session.flush()
    return user, token


def find_user(session: Session, name: str) -> User | None:
    """The user called ``name``, or None."""
    return session.scalar(select(User).where(User.name == name))


def get_user(session: Session, name: str) -> User:
    """The user called ``name``."""
    user = find_user(session, name)
    if user is None:
        raise UserNotFoundError(
            f"No user named {name!r}; add one with `activelabel user add`."
        )
    return user


def user_for_token(session: Session, token: str) -> User | None:
    """The user whose token this is (revoked or not), or None."""
    return session.scalar(select(User).where(User.token_hash == hash_token(token)))


def list_users(session: Session) -> list[User]:
    """Every user, oldest first."""
    return list(session.scalars(select(User).order_by(User.id)))


def revoke_user(session: Session, name: str, *, now: dt.datetime | None = None) -> User:
    """Refuse ``name``'s token from now on (a user revoked already stays as is)."""
    user = get_user(session, name)
    if user.revoked_at is None:
        user.revoked_at = now or utcnow()
        session.flush()
    return user


def record_last_use(
    session: Session, user_ids: Iterable[int], *, now: dt.datetime | None = None
) -> None:
    """Note that these users' tokens were used at ``now``."""
    ids = sorted(set(user_ids))
    if ids:
        session.execute(
            update(User).where(User.id.in_(ids)).values(last_used_at=now or utcnow())
        )
