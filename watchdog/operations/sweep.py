"""One watchdog pass over the fleet: list and measure every namespace, evaluate, then act (or say what it would do)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping, Sequence

from watchdog.adapters.interface import EndpointGone, Hub, HubError, Listing
from watchdog.core.measure import Signals, measure, validate_raw
from watchdog.core.outcomes import ACTION_OUTCOMES
from watchdog.core.prices import price_notes
from watchdog.core.model import (
    BILLABLE_STATES,
    Decision,
    EndpointResult,
    EndpointSnapshot,
    Evaluation,
    NamespaceResult,
    Outcome,
)


@dataclass(frozen=True)
class Fleet:
    """Everything listed and measured in one pass, plus the per-endpoint memory to keep for the next run."""

    namespaces: tuple[NamespaceResult, ...]
    snapshots: tuple[EndpointSnapshot, ...]
    memory: dict[str, Any]


def _is_billable_raw(raw: Any) -> bool:
    status = raw.get("status") if isinstance(raw, Mapping) else None
    state = status.get("state") if isinstance(status, Mapping) else None
    return isinstance(state, str) and state in BILLABLE_STATES


def collect(hub: Hub, namespaces: Sequence[str], memory: Mapping[str, Any], now: datetime) -> Fleet:
    """List each namespace explicitly and measure its endpoints; a failing namespace never hides the others.

    Requests: the list pages, one hardware call per namespace that has a billable endpoint, and two calls
    (replicas, open-metrics) per billable endpoint. Endpoints that are not billable cost no extra request.
    """
    def list_one(namespace: str) -> tuple[str, Listing | None, Mapping[str, float], str | None]:
        try:
            listed = hub.list_raw(namespace)
        except HubError as error:
            return namespace, None, {}, str(error)
        listing = listed if isinstance(listed, Listing) else Listing(list(listed))
        items = listing.items
        prices: Mapping[str, float] = {}
        price_note = None
        if any(_is_billable_raw(item) for item in items):
            try:
                prices = hub.prices(namespace)
            except HubError as error:
                price_note = f"price unknown: {error}"
        return namespace, listing, prices, price_note

    ns_results: list[NamespaceResult] = []
    jobs: list[tuple[str, Any, Mapping[str, float], str | None]] = []
    new_memory: dict[str, Any] = {}
    for namespace, listing, prices, note in hub.map(list_one, list(dict.fromkeys(namespaces))):
        if listing is None:
            ns_results.append(NamespaceResult(namespace, ok=False, error=note, endpoints=0))
            # Keep what we knew about this namespace: a transient error must not reset its uptime memory.
            new_memory.update({k: v for k, v in memory.items() if k.startswith(f"{namespace}/")})
            continue
        ns_results.append(NamespaceResult(namespace, ok=True, endpoints=len(listing.items), warnings=listing.warnings))
        jobs.extend((namespace, item, prices, note) for item in listing.items)

    def measure_one(job: tuple[str, Any, Mapping[str, float], str | None]) -> tuple[EndpointSnapshot, dict[str, Any]]:
        namespace, raw, prices, note = job
        signals = Signals()
        if validate_raw(raw) is None and _is_billable_raw(raw):
            signals = hub.signals(namespace, raw, prices)
            if note:
                signals = replace(signals, notes=(*signals.notes, note))
            compute = raw.get("compute") if isinstance(raw.get("compute"), Mapping) else {}
            said = price_notes(prices, compute.get("id"))
            if said:
                signals = replace(signals, tolerated=(*signals.tolerated, *said))
        name = raw.get("name") if isinstance(raw, Mapping) else None
        return measure(raw, namespace, signals, memory.get(f"{namespace}/{name}") if isinstance(name, str) else None, now)

    snapshots = []
    for snapshot, endpoint_memory in hub.map(measure_one, jobs):
        snapshots.append(snapshot)
        if endpoint_memory:
            new_memory[snapshot.key] = endpoint_memory
    return Fleet(tuple(ns_results), tuple(sorted(snapshots, key=lambda s: s.key)), new_memory)


def act(
    hub: Hub,
    evaluations: Sequence[Evaluation],
    *,
    max_actions: int | None,
) -> tuple[tuple[EndpointResult, ...], tuple[str, ...]]:
    """Carry out pause / scale-to-zero / reconfigure decisions; returns results and run-level errors.

    Over `max_actions` (the policy's safety cap) nothing is touched: a runaway policy must not pause a whole
    fleet; `pause-all` is the explicit brake for that. A deleted endpoint is `gone`, not a failure.
    """
    actionable = [ev for ev in evaluations if ev.decision in ACTION_OUTCOMES and ev.endpoint.billable and not ev.endpoint.unmeasurable]
    if max_actions is not None and len(actionable) > max_actions:
        error = (
            f"safety cap: {len(actionable)} endpoints to pause, scale or reconfigure exceed "
            f"max_actions_per_run={max_actions}; "
            "acted on none. Check the policy, raise the cap, or use pause-all deliberately."
        )
        capped = tuple(
            EndpointResult(ev, Outcome.NONE, "not acted on: safety cap exceeded" if ev in actionable else None)
            if ev.decision in ACTION_OUTCOMES
            else EndpointResult(ev, Outcome.NOTIFIED if ev.decision is Decision.NOTIFY else Outcome.NONE)
            for ev in evaluations
        )
        return capped, (error,)

    def do(ev: Evaluation) -> EndpointResult:
        action = ACTION_OUTCOMES.get(ev.decision)
        if ev.decision is Decision.NOTIFY:
            return EndpointResult(ev, Outcome.NOTIFIED)
        if action is None or ev not in actionable:
            return EndpointResult(ev, Outcome.NONE)
        method, done, _ = action
        # A reconfigure sends the new scaling settings; pause and scale-to-zero take no arguments.
        reconfigure = ev.decision is Decision.RECONFIGURE and ev.reconfiguration is not None
        arguments = ev.reconfiguration.update_arguments() if reconfigure else {}  # type: ignore[union-attr]
        try:
            getattr(hub, method)(ev.endpoint.namespace, ev.endpoint.name, **arguments)
        except EndpointGone:
            return EndpointResult(ev, Outcome.GONE, "endpoint no longer exists (deleted before the watchdog acted)")
        except HubError as error:
            return EndpointResult(ev, Outcome.FAILED, str(error))
        return EndpointResult(ev, done)

    return tuple(hub.map(do, list(evaluations))), ()
