""" "Next task"'s top-up batch follows how fast a team takes the batches."""

from __future__ import annotations

from activelabel.store.next_tasks import MAX_TOP_UP, QueueTopUp


class Clock:
    """Seconds that move only when the test says."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Team:
    """A server's top-up of project 7, a pool with plenty of items, and the
    batches the top-ups asked for."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.top_up = QueueTopUp(below=50, batch=50, clock=self.clock)
        self.asked: list[int] = []

    def fill(self, count: int) -> int:
        self.asked.append(count)
        return count

    def top_up_now(self) -> None:
        seen = self.top_up.top_ups(7)
        self.top_up.refill(7, short=False, wanted=1, seen=seen, fill=self.fill)


def test_batches_taken_within_two_seconds_double_up_to_the_cap() -> None:
    team = Team()
    for _ in range(8):
        team.top_up_now()
        team.clock.now += 0.5
    assert team.asked == [50, 100, 200, 400, 800, 1000, 1000, 1000]
    assert team.top_up.batch_for(7) == MAX_TOP_UP
    # The mark grows with the batch: a queue under one batch is topped up.
    assert team.top_up.due(7, size=999, short=False, seen=team.top_up.top_ups(7))
    assert not team.top_up.due(7, size=1000, short=False, seen=team.top_up.top_ups(7))


def test_one_person_keeps_the_servers_batch() -> None:
    team = Team()
    for _ in range(4):
        team.top_up_now()
        team.clock.now += 10.0
    assert team.asked == [50, 50, 50, 50]
    assert not team.top_up.due(7, size=50, short=False, seen=team.top_up.top_ups(7))


def test_a_team_that_slowed_down_starts_over_from_the_servers_batch() -> None:
    team = Team()
    for _ in range(3):
        team.top_up_now()
        team.clock.now += 1.0
    team.clock.now += 60.0
    team.top_up_now()
    assert team.asked == [50, 100, 200, 50]


def test_each_project_has_its_own_batch() -> None:
    team = Team()
    for _ in range(3):
        team.top_up_now()
    assert team.top_up.batch_for(7) == 200
    assert team.top_up.batch_for(8) == 50
