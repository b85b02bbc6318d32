"""Turn raw endpoint JSON plus what earlier runs remembered into an EndpointSnapshot (pure: `now` is an argument)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from watchdog.core.endpoint_json import describe_raw, validate_raw
from watchdog.core.endpoint_memory import SEEN_NOT_BILLING, STOPPED_AT
from watchdog.core.idle import counter_evidence
from watchdog.core.lenient import section
from watchdog.core.model import EndpointSnapshot, IdleSource, UptimeSource
from watchdog.core.replicas import CLOCK_SKEW, ReplicaReading, plausible_start
from watchdog.core.replicas import earliest_live_replica_start as earliest_live_replica_start
from watchdog.core.replicas import read_replicas as read_replicas
from watchdog.core.stretch_cost import SAMPLES_KEY, ReplicaSample, remembered_samples, samples_memory
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
class Signals:
    """What the adapter fetched beside the listing for one endpoint (None = not fetched or failed)."""

    price_per_replica_hour: float | None = None
    replica_started_at: datetime | None = None
    # Every live replica's start, when the adapter read them (else `replica_started_at` alone is the candidate).
    replica_starts: tuple[datetime, ...] = ()
    request_counter: float | None = None
    notes: tuple[str, ...] = ()  # why a signal is missing ("replica route answered 500", ...)
    tolerated: tuple[str, ...] = ()  # answers read leniently ("replica list came as a bare list", ...)
    metrics_status: int | None = None  # HTTP status of an open-metrics call that was refused (403, 404, ...)


def replica_signals(reading: ReplicaReading) -> Signals:
    """The replica part of an endpoint's signals, as the adapter hands it to `measure`."""
    return Signals(replica_started_at=reading.started_at, replica_starts=reading.starts,
                   notes=(reading.note,) if reading.note else (), tolerated=reading.tolerated)


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
    latest = _latest_instant(memory)
    if latest is not None and latest > now + CLOCK_SKEW:
        # Written by a run at a later instant (a replay at an earlier --now, a clock that went back): its sightings
        # and counter samples would date this stretch from the future ("running 0s", "no request since" later on).
        notes.append(f"the state remembers this endpoint at {format_timestamp(latest)}, after this run's instant "
                     f"{format_timestamp(now)}: a state from a later run, ignored for it")
        memory = {}
    new_memory: dict[str, Any] = {}
    tolerated: list[str] = []
    replica = _replica_start(base, signals, memory, now, tolerated)
    running_since, uptime_source = _uptime(base, replica, memory, now, notes, new_memory)
    idle = _last_activity(raw, base, signals, replica, memory, now, running_since, notes, tolerated, new_memory)
    if signals.price_per_replica_hour is None and base.billable:
        notes.append(f"no price for instance {base.instance!r} in the namespace's hardware list")
    samples = remembered_samples(memory.get(SAMPLES_KEY), running_since) if base.billable else ()
    if base.billable and running_since is not None:
        new_memory[SAMPLES_KEY] = samples_memory(samples, ReplicaSample(now, base.billed_replicas, base.min_replicas))
    snapshot = replace(
        base,
        price_per_replica_hour=signals.price_per_replica_hour,
        running_since=running_since,
        running_since_source=uptime_source,
        replica_samples=samples,
        **idle,
        measurement_notes=tuple(notes),
        tolerated=(*base.tolerated, *signals.tolerated, *tolerated),
    )
    if new_memory and base.created_at is not None:
        new_memory["created_at"] = format_timestamp(base.created_at)
    return snapshot, new_memory


def _latest_instant(value: Any) -> datetime | None:
    """The latest timestamp anywhere in a memory entry (sightings, counter samples, replica samples)."""
    if isinstance(value, str):
        return parse_timestamp(value) if len(value) >= 20 and value[4:5] == "-" else None
    children = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else ()
    found = [t for t in map(_latest_instant, children) if t is not None]
    return max(found) if found else None


# A replica that started this long after the first run that saw the endpoint billable is a new replica, not the
# runner's and the API's clocks disagreeing.
_RESTART_SLACK = timedelta(minutes=5)
def _replica_start(base: EndpointSnapshot, signals: Signals, memory: Mapping[str, Any], now: datetime,
                   tolerated: list[str]) -> datetime | None:
    """The earliest replica start that can belong to the current stretch (`core/replicas.py`); the rest are named."""
    if not base.billable:
        return None
    candidates = signals.replica_starts or ((signals.replica_started_at,) if signals.replica_started_at else ())
    start, skipped = plausible_start(candidates, base.created_at, parse_timestamp(memory.get(SEEN_NOT_BILLING)), now)
    tolerated.extend(skipped)
    return start


def _uptime(
    base: EndpointSnapshot,
    replica: datetime | None,
    memory: Mapping[str, Any],
    now: datetime,
    notes: list[str],
    new_memory: dict[str, Any],
) -> tuple[datetime | None, UptimeSource]:
    stopped = parse_timestamp(memory.get(STOPPED_AT))
    seen = parse_timestamp(memory.get(SEEN_NOT_BILLING))
    if not base.billable:
        if stopped is not None:  # kept until it bills again: then it was resumed after this watchdog stopped it
            new_memory[STOPPED_AT] = format_timestamp(stopped)
        # Whoever stopped it, the next stretch starts after this run: nothing measured later may reach back before.
        new_memory[SEEN_NOT_BILLING] = format_timestamp(now)
        return None, UptimeSource.NOT_BILLABLE
    if seen is not None:
        new_memory[SEEN_NOT_BILLING] = format_timestamp(seen)
    remembered = parse_timestamp(memory.get("first_billable_at"))
    if remembered is not None and base.created_at is not None and remembered < base.created_at - CLOCK_SKEW:
        # Billable before it existed: an edited or foreign state entry, not a sighting.
        notes.append(f"the state says it was billable from {format_timestamp(remembered)}, before it was created "
                     f"({format_timestamp(base.created_at)}): ignored")
        remembered = None
    if remembered is not None and base.updated_at is not None and base.updated_at > remembered:
        # Someone changed the endpoint since we first saw it billable (perhaps paused and resumed it):
        # never claim a longer stretch than we can vouch for.
        remembered = base.updated_at
    first_billable = remembered or now
    new_memory["first_billable_at"] = format_timestamp(first_billable)
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
    if seen is not None and (base.updated_at is None or base.updated_at <= seen):
        # Stopped by someone else and resumed since, with updatedAt unmoved: the same reasoning as for our own stop.
        notes.append(f"billing again since a run saw it not billing at {format_timestamp(seen)}; status.updatedAt "
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
    replica: datetime | None,
    memory: Mapping[str, Any],
    now: datetime,
    running_since: datetime | None,
    notes: list[str],
    tolerated: list[str],
    new_memory: dict[str, Any],
) -> dict[str, Any]:
    """Last activity = the latest *evidence* of a request (lastUsedAt, counter movement), never a sampling time.

    With no evidence but a counter that has not moved since it was first sampled, idle is at least the time since
    that sample (`no_request_since`). Either way idle never exceeds the current billable stretch, and never reaches
    back before a run that saw the endpoint not billing.
    """
    previous = memory.get("counter")
    if not base.billable:
        # A later stretch has new replicas and new counters: a flat counter then proves nothing about the time
        # before this sighting (it once read "no request since" across a night the endpoint was seen paused).
        if previous is not None:
            notes.append("not billing: the remembered request-counter samples are dropped; a later stretch is "
                         "sampled afresh")
        previous = None
    counter, counter_memory, counter_notes = counter_evidence(signals.request_counter if base.billable else None,
                                                              previous, now)
    notes.extend(counter_notes)
    if counter_memory is not None:
        new_memory["counter"] = counter_memory
    status = section(raw, "status")
    evidence: list[tuple[datetime, IdleSource, str]] = []
    last_used = parse_timestamp(status.get("lastUsedAt"))
    if last_used is not None and last_used > now + CLOCK_SKEW:
        # Not a request yet to come: a wrong clock or field. Read as evidence it would claim idle 0s.
        tolerated.append(f"status.lastUsedAt {format_timestamp(last_used)} is in the future (now "
                         f"{format_timestamp(now)}): ignored")
        last_used = None
    if last_used is not None:
        evidence.append((last_used, IdleSource.LAST_USED_AT, f"status.lastUsedAt {format_timestamp(last_used)}"))
    if counter.moved_at is not None and counter.moved_text:
        evidence.append((counter.moved_at, IdleSource.METRICS, counter.moved_text))
    # Idle never exceeds the shortest stretch the evidence allows: after a replica restart, idle counts from the
    # new replica even when uptime counts from the earlier runs (a pause on idle must never rest on a guess).
    seen = parse_timestamp(memory.get(SEEN_NOT_BILLING))
    starts = [s for s in (running_since, replica, seen) if s is not None]
    floor = max(starts) if starts else base.updated_at
    # Resumed after it stopped billing, at an unknown instant: a sign of life from before the stop says nothing
    # about the new stretch, and capping idle at the stop would overstate it (the resume came later).
    resumed_after, gap = _last_gap(memory) if base.billable and running_since is None else (None, "")
    if evidence:
        activity, source, text = max(evidence, key=lambda e: e[0])  # the newest sign of life wins
        if resumed_after is not None and activity < resumed_after:
            notes.append(f"idle unknown: the last sign of life ({text}) predates {gap} at "
                         f"{format_timestamp(resumed_after)}, and when it was resumed since is unknown")
            return {"last_activity_source": IdleSource.UNKNOWN}
        if base.billable and floor is not None and activity < floor:
            activity = floor  # idle cannot be longer than the current running stretch
            text += f"; before the current billable stretch, so idle counts from its start {format_timestamp(floor)}"
        return {"last_activity": activity, "last_activity_source": source, "last_activity_evidence": text}
    if counter.quiet_since is not None and counter.quiet_text:
        since, text = counter.quiet_since, counter.quiet_text
        if resumed_after is not None and since < resumed_after:
            notes.append(f"idle unknown: the request counter has been flat since before {gap} at "
                         f"{format_timestamp(resumed_after)}, and when it was resumed since is unknown")
            return {"last_activity_source": IdleSource.UNKNOWN}
        if base.billable and floor is not None and since < floor:
            since = floor
            text += f"; capped at the start of the billable stretch {format_timestamp(floor)}"
        return {"no_request_since": since, "last_activity_source": IdleSource.METRICS,
                "last_activity_evidence": text + ": idle is at least the time since"}
    return {"last_activity_source": IdleSource.UNKNOWN}


def _last_gap(memory: Mapping[str, Any]) -> tuple[datetime | None, str]:
    """The latest instant the endpoint is known not to have billed (this watchdog's stop, or a run's sighting of it
    not billing), and how to name it; (None, "") when there is none."""
    known = ((parse_timestamp(memory.get(STOPPED_AT)), "this watchdog's stop"),
             (parse_timestamp(memory.get(SEEN_NOT_BILLING)), "a run that saw it not billing"))
    gaps = [(t, label) for t, label in known if t is not None]
    return max(gaps, key=lambda g: g[0]) if gaps else (None, "")
