"""Turn raw endpoint JSON plus what earlier runs remembered into an EndpointSnapshot (pure: `now` is an argument)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping

from watchdog.core.idle import counter_evidence
from watchdog.core.model import KNOWN_STATES, EndpointSnapshot, IdleSource, UptimeSource
from watchdog.core.timestamps import format_timestamp, parse_timestamp

# One sample line of the request counter, e.g. `http_requests{replica_id="r1",status_code="200"} 42`.
# The counter is per replica and resets when replicas change (reference: idle signals), so we sum samples
# and treat any drop as a reset.
_COUNTER_LINE = re.compile(r"^http_requests(?:_total)?(?:\{[^}]*\})?\s+([0-9.eE+-]+)(?:\s+\S+)?\s*$")


def parse_request_counter(text: str) -> float | None:
    """Sum every `http_requests` sample in an OpenMetrics body; None when the metric is absent."""
    total = 0.0
    seen = False
    for line in text.splitlines():
        match = _COUNTER_LINE.match(line.strip())
        if match:
            try:
                total += float(match.group(1))
            except ValueError:
                continue
            seen = True
    return total if seen else None


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


def read_replicas(payload: Any) -> ReplicaReading:
    """Read the replica list leniently: `{"items": [...]}`, `{"replicas": [...]}` or a bare list.

    The wrapper is undocumented (only the item, `ReplicaStatus {live, stage, startedAt?, stoppedAt?, ...}`, is
    named), so the three plausible forms are read; any other shape is named, never turned into "no live replica".
    A replica without a `live` flag counts as live only when it has no `stoppedAt`.
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
        live = item.get("live")
        if live is False:
            continue
        if not isinstance(live, bool):
            stopped = item.get("stoppedAt") is not None
            tolerated.append(f"replica {index} has no 'live' flag ({_shape(live)}): "
                             + ("skipped, it has a stoppedAt" if stopped else "taken as live, it has no stoppedAt"))
            if stopped:
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


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def describe_raw(raw: Mapping[str, Any], namespace: str) -> EndpointSnapshot:
    """The static part of a snapshot: identity, config and status, with no measurements yet."""
    status = raw.get("status") if isinstance(raw.get("status"), Mapping) else {}
    compute = raw.get("compute") if isinstance(raw.get("compute"), Mapping) else {}
    scaling = compute.get("scaling") if isinstance(compute.get("scaling"), Mapping) else {}
    model = raw.get("model") if isinstance(raw.get("model"), Mapping) else {}
    provider = raw.get("provider") if isinstance(raw.get("provider"), Mapping) else {}
    tags = raw.get("tags") if isinstance(raw.get("tags"), list) else []
    return EndpointSnapshot(
        namespace=namespace,
        name=str(raw.get("name") or "?"),
        state=str(status.get("state") or "unknown"),
        repository=model.get("repository"),
        revision=model.get("revision"),
        task=model.get("task"),
        url=status.get("url"),
        instance=compute.get("id"),
        instance_type=compute.get("instanceType"),
        vendor=provider.get("vendor"),
        region=provider.get("region"),
        tags=tuple(str(t) for t in tags),
        min_replicas=_int_or_none(scaling.get("minReplica")),
        max_replicas=_int_or_none(scaling.get("maxReplica")),
        scale_to_zero_timeout_minutes=_int_or_none(scaling.get("scaleToZeroTimeout")),
        ready_replicas=_int_or_none(status.get("readyReplica")),
        target_replicas=_int_or_none(status.get("targetReplica")),
        created_at=parse_timestamp(status.get("createdAt")),
        updated_at=parse_timestamp(status.get("updatedAt")),
        message=status.get("message"),
    )


def validate_raw(raw: Any) -> str | None:
    """Why an endpoint payload cannot be trusted enough to act on, or None when it is sound."""
    if not isinstance(raw, Mapping):
        return "endpoint payload is not a JSON object"
    if not isinstance(raw.get("name"), str) or not raw.get("name"):
        return "endpoint payload has no name"
    status = raw.get("status")
    if not isinstance(status, Mapping):
        return "endpoint payload has no status"
    state = status.get("state")
    if state not in KNOWN_STATES:
        return f"unknown state {state!r}"
    for key in ("createdAt", "updatedAt"):
        if parse_timestamp(status.get(key)) is None:
            return f"status.{key} is missing or not a timestamp ({status.get(key)!r})"
    return None


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
    memory = dict(memory or {})
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


def _uptime(
    base: EndpointSnapshot,
    signals: Signals,
    memory: Mapping[str, Any],
    now: datetime,
    notes: list[str],
    new_memory: dict[str, Any],
) -> tuple[datetime | None, UptimeSource]:
    if not base.billable:
        return None, UptimeSource.NOT_BILLABLE
    remembered = parse_timestamp(memory.get("first_billable_at"))
    if remembered is not None and base.updated_at is not None and base.updated_at > remembered:
        # Someone changed the endpoint since we first saw it billable (perhaps paused and resumed it):
        # never claim a longer stretch than we can vouch for.
        remembered = base.updated_at
    first_billable = remembered or now
    new_memory["first_billable_at"] = format_timestamp(first_billable)
    if signals.replica_started_at is not None:
        return signals.replica_started_at, UptimeSource.REPLICA
    if remembered is not None:
        return remembered, UptimeSource.STATE
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
    status = raw.get("status") if isinstance(raw.get("status"), Mapping) else {}
    evidence: list[tuple[datetime, IdleSource, str]] = []
    last_used = parse_timestamp(status.get("lastUsedAt"))
    if last_used is not None:
        evidence.append((last_used, IdleSource.LAST_USED_AT, f"status.lastUsedAt {format_timestamp(last_used)}"))
    if counter.moved_at is not None and counter.moved_text:
        evidence.append((counter.moved_at, IdleSource.METRICS, counter.moved_text))
    floor = running_since or base.updated_at
    if evidence:
        activity, source, text = max(evidence, key=lambda e: e[0])  # the newest sign of life wins
        if base.billable and floor is not None and activity < floor:
            activity = floor  # idle cannot be longer than the current running stretch
            text += f"; before the current billable stretch, so idle counts from its start {format_timestamp(floor)}"
        return {"last_activity": activity, "last_activity_source": source, "last_activity_evidence": text}
    if counter.quiet_since is not None and counter.quiet_text:
        since, text = counter.quiet_since, counter.quiet_text
        if base.billable and floor is not None and since < floor:
            since = floor
            text += f"; capped at the start of the billable stretch {format_timestamp(floor)}"
        return {"no_request_since": since, "last_activity_source": IdleSource.METRICS,
                "last_activity_evidence": text + ": idle is at least the time since"}
    return {"last_activity_source": IdleSource.UNKNOWN}
