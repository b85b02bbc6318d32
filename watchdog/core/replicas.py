"""The `/replica` answer read leniently, and which replica starts can date the current billable stretch (pure).

Split from `measure.py`: what a replica list says (`read_replicas`) and whether a start it gives is plausible
(`plausible_start`) are one concern, the replica as uptime evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from watchdog.core.lenient import preview
from watchdog.core.timestamps import format_timestamp, parse_timestamp


@dataclass(frozen=True)
class ReplicaReading:
    """What a `/replica` answer says about the current stretch, and what had to be tolerated to read it."""

    started_at: datetime | None = None  # earliest `startedAt` among live replicas
    starts: tuple[datetime, ...] = ()  # every live replica's `startedAt`: `measure` skips the implausible ones
    tolerated: tuple[str, ...] = ()
    note: str | None = None  # "no live replica with a start time" when the answer was readable but had none


def _shape(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "keys " + (", ".join(sorted(map(str, value))) or "(none)")
    return type(value).__name__


_ABSENT = object()


def read_replicas(payload: Any) -> ReplicaReading:
    """Read the replica list leniently: `{"items": [...]}`, `{"replicas": [...]}` or a bare list.

    The wrapper is undocumented (only the item, `ReplicaStatus {live, stage, startedAt?, stoppedAt?, ...}`, is
    named), so the three plausible forms are read; any other shape is named, never turned into "no live replica".
    A replica without a `live` flag counts as live only when it has no `stoppedAt`; one whose `live` is neither
    true nor false is skipped (a malformed field never lengthens the uptime). One that says `live: true` but has a
    `stoppedAt` is skipped too: the two contradict each other, and a stopped replica's start (days old, perhaps)
    says nothing about the current stretch, so the contradiction may only shorten the uptime, never lengthen it.
    """
    tolerated: list[str] = []
    if isinstance(payload, list):
        items, tolerated = payload, ["replica list came as a bare list (not under 'items')"]
    elif isinstance(payload, Mapping) and isinstance(payload.get("items"), list):
        items = payload["items"]
    elif isinstance(payload, Mapping) and isinstance(payload.get("replicas"), list):
        items, tolerated = payload["replicas"], ["replica list came under 'replicas' (not 'items')"]
    else:
        what = _shape(payload)
        if isinstance(payload, Mapping) and "items" in payload:
            what = f"items is {_shape(payload['items'])}"
        return ReplicaReading(tolerated=(f"replica route answered an unrecognized shape: {what}",))
    starts = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            tolerated.append(f"replica list item {index} is not an object ({_shape(item)}): skipped")
            continue
        live = item.get("live", _ABSENT)
        if live is False:
            continue
        if live is _ABSENT:
            stopped = item.get("stoppedAt") is not None
            tolerated.append(f"replica {index} has no 'live' flag: "
                             + ("skipped, it has a stoppedAt" if stopped else "taken as live, it has no stoppedAt"))
            if stopped:
                continue
        elif live is not True:
            tolerated.append(f"replica {index} 'live' is {_shape(live)}, not true or false: skipped")
            continue
        elif item.get("stoppedAt") is not None:
            tolerated.append(f"replica {index} is live but has a stoppedAt ({preview(item.get('stoppedAt'))}): "
                             "not evidence of the current stretch, skipped")
            continue
        if item.get("startedAt") is None:
            continue
        started = parse_timestamp(item.get("startedAt"))
        if started is None:
            tolerated.append(f"replica {index} startedAt is not a timestamp ({item.get('startedAt')!r}): skipped")
            continue
        starts.append(started)
    if not starts:
        return ReplicaReading(tolerated=tuple(tolerated), note="no live replica with a start time")
    return ReplicaReading(min(starts), tuple(starts), tuple(tolerated))


def earliest_live_replica_start(payload: Any) -> datetime | None:
    """Earliest `startedAt` among live replicas of a `/replica` answer; None when there is none."""
    return read_replicas(payload).started_at


# How far the runner's and the API's clocks may disagree; beyond it an instant cannot be what it claims to be.
CLOCK_SKEW = timedelta(minutes=1)


def plausible_start(candidates: Iterable[datetime], created: datetime | None, seen_not_billing: datetime | None,
                    now: datetime) -> tuple[datetime | None, tuple[str, ...]]:
    """(the earliest replica start that can belong to the current stretch, a tolerated note per one that cannot).

    A replica start is the strongest uptime source (it may pause on its own), so one from before the endpoint
    existed (Go's zero time, the epoch, a stale replica), from before a run saw the endpoint not billing, or from
    the future is not evidence: trusting it paused endpoints created minutes before. Skipping it leaves uptime to
    the weaker sources, which only notify.
    """
    plausible, skipped = [], []
    for start in candidates:
        why = _implausible(start, created, seen_not_billing, now)
        if why is None:
            plausible.append(start)
        else:
            skipped.append(f"replica startedAt {format_timestamp(start)} is {why}: not evidence of the current "
                           "stretch, skipped")
    return min(plausible, default=None), tuple(skipped)


def _implausible(start: datetime, created: datetime | None, seen: datetime | None, now: datetime) -> str | None:
    if created is not None and start < created - CLOCK_SKEW:
        return f"before status.createdAt {format_timestamp(created)}"
    if seen is not None and start < seen - CLOCK_SKEW:
        return f"before {format_timestamp(seen)}, when a run saw the endpoint not billing"
    if start > now + CLOCK_SKEW:
        return f"in the future (now {format_timestamp(now)})"
    return None
