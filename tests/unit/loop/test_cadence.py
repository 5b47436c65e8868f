"""The queue's length and the rounds' rest follow the labeling rate."""

from __future__ import annotations

from activelabel.loop.cadence import (
    MAX_QUEUE_SIZE,
    LabelRate,
    queue_size_for,
    rest_seconds,
)


def test_the_rate_is_the_labels_counted_over_the_window() -> None:
    rate = LabelRate(window=30.0)
    assert rate.per_second() == 0.0
    rate.add(0.0, 100)
    assert rate.per_second() == 0.0  # one count says nothing of a rate
    for second in range(1, 11):
        rate.add(float(second), 100 + 50 * second)
    assert rate.per_second() == 50.0


def test_the_rate_forgets_labels_older_than_the_window() -> None:
    rate = LabelRate(window=10.0)
    # 100 labels/s for a minute, then 2 labels/s for 20 s.
    for second in range(61):
        rate.add(float(second), 100 * second)
    for second in range(61, 81):
        rate.add(float(second), 6000 + 2 * (second - 60))
    assert rate.per_second() == 2.0


def test_a_count_that_goes_down_is_no_negative_rate() -> None:
    # Labels undone or rejected lower the count.
    rate = LabelRate()
    rate.add(0.0, 50)
    rate.add(5.0, 40)
    assert rate.per_second() == 0.0


def test_one_person_keeps_the_servers_queue_size() -> None:
    # 0.5 labels/s, rounds of 5 s: 7.5 labels in three rounds' time.
    assert queue_size_for(0.5, 5.0, base=500) == 500
    assert queue_size_for(0.0, 0.0, base=500) == 500


def test_a_fast_team_gets_what_it_labels_in_three_rounds_in_hundreds() -> None:
    # 150 labels/s, rounds of 8 s: 3,600 entries.
    assert queue_size_for(150.0, 8.0, base=500) == 3600
    assert queue_size_for(151.0, 8.0, base=500) == 3700


def test_the_queue_is_capped_unless_the_server_asks_for_more() -> None:
    assert queue_size_for(200.0, 200.0, base=500) == MAX_QUEUE_SIZE
    assert queue_size_for(200.0, 200.0, base=50_000) == 50_000


def test_a_round_rests_as_long_as_the_last_one_took() -> None:
    assert rest_seconds(12.5) == 12.5
    assert rest_seconds(-1.0) == 0.0
