"""Timestamps come back from the store with their timezone, on both backends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from activelabel.store.engine import Store
from activelabel.store.models import User
from activelabel.store.users import add_user


def test_a_stored_timestamp_reads_back_aware_and_in_utc(store: Store) -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    written = dt.datetime(2026, 7, 14, 12, 30, tzinfo=paris)
    with store.session() as session:
        user, _ = add_user(session, name="alice")
        user.created_at = written
    with store.session() as session:
        read = session.scalar(select(User.created_at).where(User.name == "alice"))
    assert read is not None and read.utcoffset() == dt.timedelta(0)
    assert read == written  # the same instant: 10:30 UTC


def test_a_default_timestamp_is_aware(store: Store) -> None:
    with store.session() as session:
        add_user(session, name="bob")
    with store.session() as session:
        user = session.scalar(select(User).where(User.name == "bob"))
        assert user is not None and user.created_at.tzinfo is not None
