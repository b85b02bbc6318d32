"""What the current billable stretch has cost in replica-hours, from the replica counts the runs saw (pure).

Replicas change within a stretch (autoscaling, an update), and the API says only how many run now. Multiplying
today's count by the whole stretch once judged an endpoint that ran one replica for 20 h and four for the last ten
minutes at $80.67 against a `max_cost` of $40, and paused it ($20.67 had been billed). So each run remembers the
count it saw, and the stretch is priced piece by piece, never above what the counts allow:

- between two runs, the lower of their two counts (the change came somewhere in between);
- before the first run that saw the stretch, the endpoint's own floor, `max(1, minReplica)` as it was then, never
  more than the count that run saw (nothing says it ran more replicas earlier); and one replica before a change
  of the endpoint (`status.updatedAt`) within that time, since the minimum may have been raised by it.

The figure is exact when every count agrees and the floor is the count (a fixed-size endpoint, the usual case),
and a lower bound otherwise: reasons then say "at least".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from watchdog.core.timestamps import format_timestamp, parse_timestamp

# The memory key, and how many runs of one stretch it keeps (two months of nightly runs; older ones fold into the
# first kept sample, whose count then stands for the time before it as a floor).
SAMPLES_KEY = "replica_samples"
MAX_SAMPLES = 60
# `status.updatedAt` trails a replica's start by seconds when an endpoint comes up: only a later one is a change.
CHANGE_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class StretchCost:
    """What the current billable stretch has cost, and whether that is exact or a lower bound."""

    usd: float
    exact: bool


@dataclass(frozen=True)
class ReplicaSample:
    """What one run saw: when, how many replicas were billed, and the minimum the scaling allowed then."""

    at: datetime
    replicas: int
    min_replicas: int | None = None


def replica_hours(running_since: datetime, earlier: Sequence[ReplicaSample], now: ReplicaSample,
                  changed_at: datetime | None = None) -> tuple[float, bool]:
    """(replica-hours of the stretch from `running_since` to `now.at`, exact?) from the runs that saw it;
    `changed_at` is the endpoint's last change (`status.updatedAt`), which may have set its minimum."""
    points = [s for s in earlier if running_since <= s.at < now.at] + [now]
    first = points[0]
    floor = min(first.replicas, max(1, first.min_replicas or 0))
    exact = floor == first.replicas
    start, seconds = running_since, 0.0
    if changed_at is not None and running_since + CHANGE_SLACK < changed_at < first.at:
        seconds, start = (changed_at - running_since).total_seconds(), changed_at  # one replica before the change
        exact = exact and floor == 1
    seconds += max(0.0, (first.at - start).total_seconds()) * floor
    for before, after in pairwise(points):
        seconds += (after.at - before.at).total_seconds() * min(before.replicas, after.replicas)
        exact = exact and before.replicas == after.replicas
    return seconds / 3600, exact


def remembered_samples(value: Any, running_since: datetime | None) -> tuple[ReplicaSample, ...]:
    """The samples a state entry holds for the current stretch (`[[instant, replicas, min], ...]`), oldest first;
    anything unreadable, or from before the stretch began, is dropped."""
    if running_since is None or not isinstance(value, list):
        return ()
    samples = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 3):
            continue
        at, replicas, minimum = item
        when = parse_timestamp(at)
        if when is None or when < running_since or isinstance(replicas, bool) or not isinstance(replicas, int):
            continue
        if replicas < 1:
            continue
        floor = minimum if isinstance(minimum, int) and not isinstance(minimum, bool) and minimum >= 0 else None
        samples.append(ReplicaSample(when, replicas, floor))
    return tuple(sorted(samples, key=lambda s: s.at))


def samples_memory(earlier: Sequence[ReplicaSample], now: ReplicaSample) -> list[list[Any]]:
    """What to remember for the next run: the earlier samples of this stretch and this one, the newest kept."""
    kept = [*(s for s in earlier if s.at < now.at), now][-MAX_SAMPLES:]
    return [[format_timestamp(s.at), s.replicas, s.min_replicas] for s in kept]
