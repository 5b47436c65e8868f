"""Annotators: create one with a fresh token, find one by token."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError, UserNotFoundError
from activelabel.store.models import User

__all__ = ["add_user", "get_user", "hash_token", "list_users", "user_for_token"]


def hash_token(token: str) -> str:
    """SHA-256 of a token: only the hash is stored, so a leaked database leaks no token."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    session: Session, *, name: str, token: str | None = None, is_admin: bool = False
) -> tuple[User, str]:
    """Create an annotator; return it and its token (shown once, stored hashed)."""
    name = name.strip()
    if not name:
        raise ConfigError("An annotator name cannot be empty.")
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise ConfigError(f"An annotator named {name!r} exists already.")
    token = token or secrets.token_urlsafe(24)
    user = User(name=name, token_hash=hash_token(token), is_admin=is_admin)
    session.add(user)
    session.flush()
    return user, token


def get_user(session: Session, name: str) -> User:
    """The annotator called ``name``."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserNotFoundError(
            f"No annotator named {name!r}; add one with `activelabel user add`."
        )
    return user


def user_for_token(session: Session, token: str) -> User | None:
    """The annotator whose token this is, or None."""
    return session.scalar(select(User).where(User.token_hash == hash_token(token)))


def list_users(session: Session) -> list[User]:
    """Every annotator, oldest first."""
    return list(session.scalars(select(User).order_by(User.id)))
