"""Idle evidence from the `http_requests` counter sampled once per run (pure: instants are arguments).

A counter sample is a sampling time, not a request. What the samples prove:

- the counter **moved** between samples at t1 and t2 (grew, or dropped because replicas restarted): a request
  came somewhere in (t1, t2]. The conservative "last activity" is t2 (the shortest idle the evidence allows);
- it has **not moved** since it was first sampled at t0: there was no request since t0, so idle is *at least*
  now - t0 — a lower bound, reported as such, never an instant of activity;
- a **first sample** proves nothing, and a run whose sample failed proves nothing about the time since the
  previous one (the memory is carried forward untouched).

Memory kept per endpoint under `counter`: `value`, `sampled_at` (the last sample), `flat_since` (the sample since
which the value has not changed), `first_sampled_at`, and `moved` = [t1, t2] of the latest observed movement.
State files written before this model stored `last_change_at`, which meant either the first sample or the run
that saw the counter move; the two cannot be told apart, so it is read as possible activity (never a longer
idle than the truth) and migrated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchdog.core.timestamps import format_timestamp, parse_timestamp


@dataclass(frozen=True)
class CounterEvidence:
    """What this run's counter sample, compared with the remembered ones, says about requests."""

    moved_at: datetime | None = None  # conservative instant of the latest request the counter proves
    moved_text: str | None = None
    quiet_since: datetime | None = None  # no request since this sample (when no movement was ever seen)
    quiet_text: str | None = None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


def _remembered(previous: Any) -> dict[str, Any] | None:
    """The remembered samples in the current form (old state files migrated), or None when unusable."""
    if not isinstance(previous, Mapping):
        return None
    value = _number(previous.get("value"))
    sampled = parse_timestamp(previous.get("sampled_at"))
    if value is None or sampled is None:
        return None
    flat = parse_timestamp(previous.get("flat_since"))
    moved = previous.get("moved")
    moved_pair = None
    if isinstance(moved, (list, tuple)) and len(moved) == 2:
        start, end = parse_timestamp(moved[0]), parse_timestamp(moved[1])
        if end is not None:
            moved_pair = (start, end)
    if flat is None:
        legacy = parse_timestamp(previous.get("last_change_at"))
        if legacy is None:
            return None
        # Old format: first sample or observed movement, indistinguishable. Taken as possible activity.
        return {"value": value, "sampled_at": sampled, "flat_since": legacy, "first_sampled_at": None,
                "moved": (None, legacy), "legacy": True}
    return {"value": value, "sampled_at": sampled, "flat_since": flat,
            "first_sampled_at": parse_timestamp(previous.get("first_sampled_at")), "moved": moved_pair,
            "legacy": bool(previous.get("legacy"))}


def _stored(memory: Mapping[str, Any]) -> dict[str, Any]:
    moved = memory.get("moved")
    out: dict[str, Any] = {
        "value": memory["value"],
        "sampled_at": format_timestamp(memory["sampled_at"]),
        "flat_since": format_timestamp(memory["flat_since"]),
        "first_sampled_at": format_timestamp(memory.get("first_sampled_at")),
    }
    if moved is not None:
        out["moved"] = [format_timestamp(moved[0]), format_timestamp(moved[1])]
    if memory.get("legacy"):
        out["legacy"] = True
    return out


def _moved_text(memory: Mapping[str, Any]) -> str:
    start, end = memory["moved"]
    if start is None:
        return (f"request counter last changed by {format_timestamp(end)} (state file from an earlier version: "
                "taken as activity, to be safe)")
    return f"request counter moved between {format_timestamp(start)} and {format_timestamp(end)}"


def counter_evidence(value: float | None, previous: Any, now: datetime) -> tuple[CounterEvidence, dict[str, Any] | None,
                                                                              list[str]]:
    """(evidence, memory to keep or None, notes) for this run's counter sample `value` at `now`."""
    notes: list[str] = []
    memory = _remembered(previous)
    if previous is not None and memory is None:
        notes.append("remembered request-counter samples were unreadable: starting afresh")
    if value is None:
        # No sample this run: nothing is proved about the time since the last one; keep what we had.
        return CounterEvidence(), (_stored(memory) if memory else None), notes
    if memory is None:
        notes.append("first request-counter sample: says nothing about past requests; idle from the counter is "
                     "known from the next run on")
        fresh = {"value": value, "sampled_at": now, "flat_since": now, "first_sampled_at": now, "moved": None}
        return CounterEvidence(), _stored(fresh), notes
    if value != memory["value"]:
        dropped = value < memory["value"]
        moved = {"value": value, "sampled_at": now, "flat_since": now,
                 "first_sampled_at": memory.get("first_sampled_at"), "moved": (memory["sampled_at"], now)}
        text = _moved_text(moved)
        if dropped:
            text = text.replace("moved", "dropped", 1) + " (replicas restarted: counted as activity)"
        return CounterEvidence(moved_at=now, moved_text=text), _stored(moved), notes
    kept = {**memory, "sampled_at": now}
    if memory.get("moved") is not None:
        return CounterEvidence(moved_at=memory["moved"][1], moved_text=_moved_text(memory) + ", not since"), \
            _stored(kept), notes
    first = memory.get("first_sampled_at")
    since = memory["flat_since"]
    label = "the first counter sample" if first is not None and first == since else "the counter sample"
    text = f"no request since {label} at {format_timestamp(since)} (the request counter has not moved)"
    return CounterEvidence(quiet_since=since, quiet_text=text), _stored(kept), notes
