"""How long a project's queue is and how often it retrains, from how fast it is labeled.

The settings suit one person: a round every ``retrain_every`` (10) labels and a
queue of ``--queue-size`` (500) entries. A team labeling 100 items a second
meets them differently: 10 labels arrive every 0.1 s, so a round is due again
before the last one is written, and rounds run back to back, each writing
its queue under the writer lock the labels wait for; and 500 entries last
five seconds, less than a round over a large pool takes, so the queue runs
dry between rounds. The trainer therefore measures each project's labeling
rate (:class:`LabelRate`, from the label counts it reads anyway) and how long
its last round took, and from them:

* **the queue holds what the team labels in three rounds' time**
  (:func:`queue_size_for`): the round being computed, the rest after it, and
  one more for a burst or a slower round, never fewer than ``--queue-size``,
  at most :data:`MAX_QUEUE_SIZE`;
* **a round asked for by labels waits as long as the last round took**
  (:func:`rest_seconds`), so that rounds take at most half the time while
  labels pour in and a fast team is not slowed by writes of queues its next
  round replaces at once. At one person's pace ``retrain_every`` labels take
  longer than that, and nothing changes.

"Next task" adapts its own top-up batch to how fast batches go
(:class:`~activelabel.store.next_tasks.QueueTopUp`).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

__all__ = [
    "MAX_QUEUE_SIZE",
    "RATE_WINDOW_SECONDS",
    "LabelRate",
    "queue_size_for",
    "rest_seconds",
]

#: The longest queue a round writes: 20,000 entries are written in about a
#: second of slices, and a team of 16 at 200 labels/s takes 100 s to label them.
MAX_QUEUE_SIZE = 20_000

#: Labels counted over this many seconds make the rate.
RATE_WINDOW_SECONDS = 30.0

#: Rounds a queue must last: the one being computed, the rest after it, and
#: one more for a burst (or a round that takes longer than the last).
ROUNDS_OF_LABELS = 3.0


@dataclass
class LabelRate:
    """Labels per second of one project over the last ``window`` seconds.

    Fed with the project's label count each time the trainer reads it (about
    once a second while labels arrive); reads only what it was fed.
    """

    window: float = RATE_WINDOW_SECONDS
    _samples: deque[tuple[float, int]] = field(default_factory=deque, repr=False)

    def add(self, now: float, labels: int) -> None:
        """Record that the project had ``labels`` labels at time ``now`` (seconds)."""
        self._samples.append((now, labels))
        # Keep one sample at or before the window's start, for a full window.
        while len(self._samples) > 2 and self._samples[1][0] <= now - self.window:
            self._samples.popleft()

    def per_second(self) -> float:
        """Labels per second over the window (0 until two samples a moment apart)."""
        if len(self._samples) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._samples[0], self._samples[-1]
        if t1 - t0 < 0.5:
            return 0.0
        return max(0, n1 - n0) / (t1 - t0)


def queue_size_for(rate: float, round_seconds: float, *, base: int) -> int:
    """Entries a round queues: what the team labels in :data:`ROUNDS_OF_LABELS`
    rounds of ``round_seconds`` at ``rate`` labels/s, in hundreds, never fewer
    than ``base`` (the server's ``--queue-size``) nor more than
    :data:`MAX_QUEUE_SIZE` (unless ``base`` asks for more)."""
    wanted = rate * max(round_seconds, 1.0) * ROUNDS_OF_LABELS
    if wanted <= base:
        return base
    return max(base, min(MAX_QUEUE_SIZE, math.ceil(wanted / 100) * 100))


def rest_seconds(last_round_seconds: float) -> float:
    """How long after a round ends another round asked for by labels waits:
    as long as that round took, so rounds take at most half the time."""
    return max(0.0, last_round_seconds)
