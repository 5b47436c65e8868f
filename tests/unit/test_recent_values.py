"""RecentValues: what many requests ask, computed once per few seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from activelabel.server.deps import RecentValues


def counting() -> tuple[list[int], Callable[[], str]]:
    """A computation that returns v1, v2, ... and the list of its calls."""
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return f"v{len(calls)}"

    return calls, compute


def test_a_value_is_computed_once_while_it_is_recent() -> None:
    values = RecentValues[str](seconds=60)
    calls, compute = counting()
    assert values.get("a", compute) == "v1"
    assert values.get("a", compute) == "v1"
    assert len(calls) == 1


def test_a_value_is_computed_again_once_it_is_too_old() -> None:
    values = RecentValues[str](seconds=0.05)
    calls, compute = counting()
    values.get("a", compute)
    time.sleep(0.1)
    assert values.get("a", compute) == "v2" and len(calls) == 2


def test_names_are_remembered_apart_and_forgotten_one_at_a_time() -> None:
    values = RecentValues[str](seconds=60)
    assert values.get("a", lambda: "A") == "A"
    assert values.get("b", lambda: "B") == "B"
    values.forget("a")
    values.forget("never asked")
    assert values.get("a", lambda: "A2") == "A2"
    assert values.get("b", lambda: "B2") == "B"


def test_requests_that_come_during_a_computation_wait_for_it() -> None:
    values = RecentValues[int](seconds=60)
    started = threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return 42

    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(values.get("a", slow)))
    first.start()
    started.wait(5)
    others = [
        threading.Thread(target=lambda: results.append(values.get("a", slow)))
        for _ in range(8)
    ]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(5)
    assert results == [42] * 9 and len(calls) == 1


def test_a_computation_that_raises_is_not_remembered() -> None:
    values = RecentValues[str](seconds=60)

    def broken() -> str:
        raise KeyError("gone")

    with pytest.raises(KeyError):
        values.get("a", broken)
    assert values.get("a", lambda: "back") == "back"
