"""The `/replica` answer read leniently, and which replica starts can date the current billable stretch (pure).

Split from `measure.py` (which stays under the 400-line limit): the replica as uptime evidence is one concern.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchdog.core.timestamps import parse_timestamp


@dataclass(frozen=True)
class ReplicaReading:
    """What a `/replica` answer says about the current stretch, and what had to be tolerated to read it."""

    started_at: datetime | None = None  # earliest `startedAt` among live replicas
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
    true nor false is skipped (a malformed field never lengthens the uptime).
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
        if item.get("startedAt") is None:
            continue
        started = parse_timestamp(item.get("startedAt"))
        if started is None:
            tolerated.append(f"replica {index} startedAt is not a timestamp ({item.get('startedAt')!r}): skipped")
            continue
        starts.append(started)
    if not starts:
        return ReplicaReading(tolerated=tuple(tolerated), note="no live replica with a start time")
    return ReplicaReading(min(starts), tuple(tolerated))


def earliest_live_replica_start(payload: Any) -> datetime | None:
    """Earliest `startedAt` among live replicas of a `/replica` answer; None when there is none."""
    return read_replicas(payload).started_at
