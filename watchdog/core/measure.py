"""Turn raw endpoint JSON plus what earlier runs remembered into an EndpointSnapshot (pure: `now` is an argument)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from watchdog.core.endpoint_json import describe_raw, validate_raw
from watchdog.core.endpoint_memory import STOPPED_AT
from watchdog.core.idle import counter_evidence
from watchdog.core.lenient import section
from watchdog.core.model import EndpointSnapshot, IdleSource, UptimeSource
from watchdog.core.timestamps import format_timestamp, parse_timestamp

# One sample of the request counter, e.g. `http_requests{replica_id="r1",status_code="200"} 42`, optionally with
# a timestamp and an exemplar. The counter is per replica and resets when replicas change (reference: idle
# signals), so samples are summed and any drop is treated as a reset.
_COUNTER_LINE = re.compile(
    r'^http_requests(?:_total)?(?:\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+[0-9.eE+-]+)?(?:\s+#.*)?$')


def read_request_counter(text: str) -> tuple[float | None, tuple[str, ...]]:
    """(sum of every `http_requests` sample, what was tolerated); None when no usable sample is there."""
    total = 0.0
    seen = False
    unusable = 0
    for line in text.splitlines():
        match = _COUNTER_LINE.match(line.strip())
        if not match:
            continue
        try:
            value = float(match.group(1))
        except ValueError:
            value = float("nan")
        if not math.isfinite(value) or value < 0:
            unusable += 1
            continue
        total += value
        seen = True
    tolerated = (f"open-metrics: {unusable} http_requests sample(s) were not finite non-negative numbers: "
                 "ignored",) if unusable else ()
    return (total if seen else None), tolerated


def parse_request_counter(text: str) -> float | None:
    """Sum every `http_requests` sample in an OpenMetrics body; None when the metric is absent."""
    return read_request_counter(text)[0]


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


@dataclass(frozen=True)
class Signals:
    """What the adapter fetched beside the listing for one endpoint (None = not fetched or failed)."""

    price_per_replica_hour: float | None = None
    replica_started_at: datetime | None = None
    request_counter: float | None = None
    notes: tuple[str, ...] = ()  # why a signal is missing ("replica route answered 500", ...)
    tolerated: tuple[str, ...] = ()  # answers read leniently ("replica list came as a bare list", ...)
    metrics_status: int | None = None  # HTTP status of an open-metrics call that was refused (403, 404, ...)


def measure(
    raw: Mapping[str, Any],
    namespace: str,
    signals: Signals,
    memory: Mapping[str, Any] | None,
    now: datetime,
) -> tuple[EndpointSnapshot, dict[str, Any]]:
    """Build the snapshot and the memory to keep for this endpoint until the next run.

    Uptime, strongest first: earliest live replica `startedAt`; the first run that saw the endpoint billable
    (reset when a run saw it not billable, and never earlier than `updatedAt`, since a resume between two runs
    is invisible otherwise); `status.updatedAt` alone (weak). Idle: `status.lastUsedAt`; else request-counter
    deltas between runs; else unknown. Idle is never longer than uptime: a just-resumed endpoint last used a
    month ago is not "idle for a month" (that would pause it at once).
    """
    memory = dict(memory) if isinstance(memory, Mapping) else {}  # a corrupt state entry reads as nothing
    base = describe_raw(raw, namespace)
    notes = list(signals.notes)
    problem = validate_raw(raw)
    if problem is not None:
        snapshot = replace(base, unmeasurable=problem, measurement_notes=tuple(notes),
                           tolerated=(*base.tolerated, *signals.tolerated))
        return snapshot, memory

    remembered_created = memory.get("created_at")
    if remembered_created and base.created_at is not None and remembered_created != format_timestamp(base.created_at):
        # Deleted and re-created under the same name: what we remembered belongs to another endpoint.
        notes.append(f"re-created since the last run (status.createdAt {format_timestamp(base.created_at)}, was "
                     f"{remembered_created}): earlier measurements discarded")
        memory = {}
    new_memory: dict[str, Any] = {}
    running_since, uptime_source = _uptime(base, signals, memory, now, notes, new_memory)
    idle = _last_activity(raw, base, signals, memory, now, running_since, notes, new_memory)
    if signals.price_per_replica_hour is None and base.billable:
        notes.append(f"no price for instance {base.instance!r} in the namespace's hardware list")
    snapshot = replace(
        base,
        price_per_replica_hour=signals.price_per_replica_hour,
        running_since=running_since,
        running_since_source=uptime_source,
        **idle,
        measurement_notes=tuple(notes),
        tolerated=(*base.tolerated, *signals.tolerated),
    )
    if new_memory and base.created_at is not None:
        new_memory["created_at"] = format_timestamp(base.created_at)
    return snapshot, new_memory


# A replica that started this long after the first run that saw the endpoint billable is a new replica, not the
# runner's and the API's clocks disagreeing.
_RESTART_SLACK = timedelta(minutes=5)


def _uptime(
    base: EndpointSnapshot,
    signals: Signals,
    memory: Mapping[str, Any],
    now: datetime,
    notes: list[str],
    new_memory: dict[str, Any],
) -> tuple[datetime | None, UptimeSource]:
    stopped = parse_timestamp(memory.get(STOPPED_AT))
    if not base.billable:
        if stopped is not None:  # kept until it bills again: then it was resumed after this watchdog stopped it
            new_memory[STOPPED_AT] = format_timestamp(stopped)
        return None, UptimeSource.NOT_BILLABLE
    remembered = parse_timestamp(memory.get("first_billable_at"))
    if remembered is not None and base.updated_at is not None and base.updated_at > remembered:
        # Someone changed the endpoint since we first saw it billable (perhaps paused and resumed it):
        # never claim a longer stretch than we can vouch for.
        remembered = base.updated_at
    first_billable = remembered or now
    new_memory["first_billable_at"] = format_timestamp(first_billable)
    replica = signals.replica_started_at
    can_sleep = base.min_replicas is None or base.min_replicas < 1
    if replica is not None:
        if remembered is not None and not can_sleep and replica > remembered + _RESTART_SLACK:
            # It cannot scale itself to zero, yet its replica is newer than our first sighting: a replica restart
            # (billing went on) or a pause and resume that did not move status.updatedAt (reference §12: unknown).
            notes.append(f"replica started {format_timestamp(replica)}, but runs have seen it billable since "
                         f"{format_timestamp(remembered)} with status.updatedAt unchanged: a replica restart, or a "
                         "pause and resume that left no trace; uptime counts from the earlier runs (weak)")
            return remembered, UptimeSource.STATE_ACROSS_RESTART
        return replica, UptimeSource.REPLICA
    if remembered is not None:
        if can_sleep:
            notes.append(f"runs have seen it billable since {format_timestamp(remembered)}, but min_replica "
                         f"{base.min_replicas if base.min_replicas is not None else 'unknown'} lets it scale itself to "
                         "zero in between, and no replica start time says when it last woke (weak)")
            return remembered, UptimeSource.SIGHTINGS
        return remembered, UptimeSource.STATE
    if stopped is not None and (base.updated_at is None or base.updated_at <= stopped):
        # Resumed after our own pause, and updatedAt did not move: it dates from before the pause, so it says
        # nothing about this stretch. The next run measures from this sighting.
        notes.append(f"resumed since this watchdog stopped it at {format_timestamp(stopped)}; status.updatedAt "
                     "predates that and no replica start time is known, so uptime is unknown until the next run")
        return None, UptimeSource.UNKNOWN
    if base.updated_at is not None:
        notes.append("uptime from status.updatedAt only (weak): no replica start time and no earlier run saw it")
        return base.updated_at, UptimeSource.UPDATED_AT
    return None, UptimeSource.UNKNOWN


def _last_activity(
    raw: Mapping[str, Any],
    base: EndpointSnapshot,
    signals: Signals,
    memory: Mapping[str, Any],
    now: datetime,
    running_since: datetime | None,
    notes: list[str],
    new_memory: dict[str, Any],
) -> dict[str, Any]:
    """Last activity = the latest *evidence* of a request (lastUsedAt, counter movement), never a sampling time.

    With no evidence but a counter that has not moved since it was first sampled, idle is at least the time since
    that sample (`no_request_since`). Either way idle never exceeds the current billable stretch.
    """
    counter, counter_memory, counter_notes = counter_evidence(signals.request_counter, memory.get("counter"), now)
    notes.extend(counter_notes)
    if counter_memory is not None:
        new_memory["counter"] = counter_memory
    status = section(raw, "status")
    evidence: list[tuple[datetime, IdleSource, str]] = []
    last_used = parse_timestamp(status.get("lastUsedAt"))
    if last_used is not None:
        evidence.append((last_used, IdleSource.LAST_USED_AT, f"status.lastUsedAt {format_timestamp(last_used)}"))
    if counter.moved_at is not None and counter.moved_text:
        evidence.append((counter.moved_at, IdleSource.METRICS, counter.moved_text))
    # Idle never exceeds the shortest stretch the evidence allows: after a replica restart, idle counts from the
    # new replica even when uptime counts from the earlier runs (a pause on idle must never rest on a guess).
    starts = [s for s in (running_since, signals.replica_started_at) if s is not None]
    floor = max(starts) if starts else base.updated_at
    # Resumed after this watchdog stopped it, at an unknown instant: a sign of life from before the stop says
    # nothing about the new stretch, and capping idle at the stop would overstate it (the resume came later).
    resumed_after = parse_timestamp(memory.get(STOPPED_AT)) if base.billable and running_since is None else None
    if evidence:
        activity, source, text = max(evidence, key=lambda e: e[0])  # the newest sign of life wins
        if resumed_after is not None and activity < resumed_after:
            notes.append(f"idle unknown: the last sign of life ({text}) predates this watchdog's stop at "
                         f"{format_timestamp(resumed_after)}, and when it was resumed since is unknown")
            return {"last_activity_source": IdleSource.UNKNOWN}
        if base.billable and floor is not None and activity < floor:
            activity = floor  # idle cannot be longer than the current running stretch
            text += f"; before the current billable stretch, so idle counts from its start {format_timestamp(floor)}"
        return {"last_activity": activity, "last_activity_source": source, "last_activity_evidence": text}
    if counter.quiet_since is not None and counter.quiet_text:
        since, text = counter.quiet_since, counter.quiet_text
        if resumed_after is not None and since < resumed_after:
            notes.append(f"idle unknown: the request counter has been flat since before this watchdog's stop at "
                         f"{format_timestamp(resumed_after)}, and when it was resumed since is unknown")
            return {"last_activity_source": IdleSource.UNKNOWN}
        if base.billable and floor is not None and since < floor:
            since = floor
            text += f"; capped at the start of the billable stretch {format_timestamp(floor)}"
        return {"no_request_since": since, "last_activity_source": IdleSource.METRICS,
                "last_activity_evidence": text + ": idle is at least the time since"}
    return {"last_activity_source": IdleSource.UNKNOWN}
