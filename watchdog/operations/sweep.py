"""One watchdog pass over the fleet: list and measure every namespace, evaluate, then act (or say what it would do)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from watchdog.adapters.interface import EndpointGone, Hub, HubError, Listing
from watchdog.core.endpoint_json import validate_raw
from watchdog.core.measure import Signals, measure
from watchdog.core.model import (
    BILLABLE_STATES,
    Decision,
    EndpointResult,
    EndpointSnapshot,
    Evaluation,
    NamespaceResult,
    Outcome,
)
from watchdog.core.open_metrics import NoOpenMetrics, is_refusal
from watchdog.core.outcomes import ACTION_OUTCOMES, actionable, capped_outcomes, safety_cap_exceeded
from watchdog.core.prices import price_notes
from watchdog.operations.pipeline import Pipeline


@dataclass(frozen=True)
class Fleet:
    """Everything listed and measured in one pass, plus the per-endpoint memory to keep for the next run."""

    namespaces: tuple[NamespaceResult, ...]
    snapshots: tuple[EndpointSnapshot, ...]
    memory: dict[str, Any]
    # Namespaces known after this pass to have no open metrics (found now, or remembered): for the state file.
    metrics_unavailable: dict[str, NoOpenMetrics] = field(default_factory=dict)
    notices: tuple[str, ...] = ()  # one per listed namespace with billable endpoints where that verdict holds


def _is_billable_raw(raw: Any) -> bool:
    status = raw.get("status") if isinstance(raw, Mapping) else None
    state = status.get("state") if isinstance(status, Mapping) else None
    return isinstance(state, str) and state in BILLABLE_STATES


def _is_running(raw: Mapping[str, Any]) -> bool:
    return bool(raw["status"]["state"] == "running")  # only called on payloads validate_raw accepted


# The open-metrics gate of one namespace: UNKNOWN until a running endpoint is asked (PROBING: the others wait
# their turn, parked, without holding a thread); its answer makes the namespace AVAILABLE (ask everyone), CLOSED
# (403/404: ask no one else) or UNDECIDED (any other failure: ask everyone, and close on the first 403/404).
UNKNOWN, PROBING, AVAILABLE, UNDECIDED, CLOSED = "unknown", "probing", "available", "undecided", "closed"


class _Namespace:
    """One namespace during the sweep: listing, price list, the measurements by listing index, the gate."""

    def __init__(self, name: str, remembered: NoOpenMetrics | None) -> None:
        self.name = name
        self.lock = threading.Lock()
        self.items: list[Any] = []  # as the pages came
        self.listing: Listing | None = None
        self.error: str | None = None
        self.prices_asked = False
        self.prices_known = False  # answered (or failed): billable endpoints can be measured
        self.prices: Mapping[str, float] = {}
        self.price_note: str | None = None
        self.raws: dict[int, Mapping[str, Any]] = {}  # billable endpoints still waiting for a part
        self.replicas: dict[int, Signals] = {}
        self.metrics: dict[int, Signals] = {}
        self.snapshots: dict[int, tuple[EndpointSnapshot, dict[str, Any]]] = {}
        self.verdict = remembered
        self.gate = CLOSED if remembered else UNKNOWN
        self.parked: list[tuple[int, Mapping[str, Any]]] = []
        self.billable = 0  # measurable billable endpoints listed

    def take_ready(self, index: int) -> Mapping[str, Any] | None:
        """The endpoint at `index` when its replicas, open metrics and prices are all in, once (lock held)."""
        if self.prices_known and index in self.replicas and index in self.metrics:
            return self.raws.pop(index, None)
        return None


class _Sweep:
    """Lists every namespace and measures each page's endpoints while the next page is fetched.

    Each endpoint is measured (core `measure`) by whichever task brings its last missing part, so that work is
    done while other requests are in flight, not after the last one.
    """

    def __init__(self, hub: Hub, memory: Mapping[str, Any], now: datetime) -> None:
        self.hub = hub
        self.memory = memory
        self.now = now
        self.pipeline = Pipeline(hub.concurrency)

    def list_namespace(self, ns: _Namespace) -> None:
        try:
            listed = self.hub.list_raw(ns.name, on_page=lambda items: self.page(ns, items))
            listing = listed if isinstance(listed, Listing) else Listing(list(listed))
            if len(listing.items) > len(ns.items):  # a hub that does not page: the rest is one last page
                self.page(ns, listing.items[len(ns.items):])
            ns.listing = listing
        except HubError as error:
            ns.error = str(error)
            return  # the namespace failed: what its pages started is dropped when the results are gathered
        with ns.lock:
            parked = self._open_if_nobody_can_probe(ns)
        self._dispatch_metrics(ns, parked)

    def page(self, ns: _Namespace, items: list[Any]) -> None:
        for raw in items:
            index = len(ns.items)
            ns.items.append(raw)
            if _is_billable_raw(raw) and not ns.prices_asked:  # one hardware list per namespace with a billable
                ns.prices_asked = True
                self.pipeline.start(self.prices, ns)
            if not _is_billable_raw(raw) or validate_raw(raw) is not None:
                self._measure(ns, index, raw, Signals())  # from the listing alone: no request
                continue
            ns.billable += 1
            with ns.lock:
                ns.raws[index] = raw
            self._dispatch_metrics(ns, [(index, raw)])  # a probe goes before its own replica call
            self.pipeline.start(self.replicas, ns, index, raw)

    def prices(self, ns: _Namespace) -> None:
        prices: Mapping[str, float] = {}
        note = None
        try:
            prices = self.hub.prices(ns.name)
        except HubError as error:
            note = f"price unknown: {error}"
        with ns.lock:
            ns.prices, ns.price_note, ns.prices_known = prices, note, True
            ready = [(index, raw) for index in list(ns.raws) if (raw := ns.take_ready(index)) is not None]
        for index, raw in ready:
            self._measure(ns, index, raw, _signals(ns, index, raw))

    def replicas(self, ns: _Namespace, index: int, raw: Mapping[str, Any]) -> None:
        self._store(ns, index, ns.replicas, self.hub.replicas(ns.name, raw))

    def _store(self, ns: _Namespace, index: int, parts: dict[int, Signals], signals: Signals) -> None:
        with ns.lock:
            parts[index] = signals
            raw = ns.take_ready(index)
        if raw is not None:
            self._measure(ns, index, raw, _signals(ns, index, raw))

    def _measure(self, ns: _Namespace, index: int, raw: Any, signals: Signals) -> None:
        name = raw.get("name") if isinstance(raw, Mapping) else None
        remembered = self.memory.get(f"{ns.name}/{name}") if isinstance(name, str) else None
        ns.snapshots[index] = measure(raw, ns.name, signals, remembered, self.now)

    def _dispatch_metrics(self, ns: _Namespace, jobs: list[tuple[int, Mapping[str, Any]]]) -> None:
        """Start, park or skip each endpoint's open-metrics call according to the namespace's gate."""
        for index, raw in jobs:
            with ns.lock:
                probe = ns.gate == UNKNOWN and _is_running(raw)
                if probe:
                    ns.gate = PROBING
                elif ns.gate in (UNKNOWN, PROBING):
                    ns.parked.append((index, raw))
                    continue
                skip = ns.gate == CLOSED
            if skip:
                self._store(ns, index, ns.metrics, self._not_asked(ns))
            else:
                self.pipeline.start(self.open_metrics, ns, index, raw, probe)

    def open_metrics(self, ns: _Namespace, index: int, raw: Mapping[str, Any], probe: bool) -> None:
        with ns.lock:
            closed = ns.gate == CLOSED  # closed since this call was started (undecided namespaces only)
        if closed:
            self._store(ns, index, ns.metrics, self._not_asked(ns))
            return
        signals = self.hub.open_metrics(ns.name, raw)
        refused = is_refusal(signals.metrics_status) and _is_running(raw)
        released: list[tuple[int, Mapping[str, Any]]] = []
        with ns.lock:
            if refused and (probe or ns.gate == UNDECIDED):
                ns.gate = CLOSED
                ns.verdict = NoOpenMetrics(ns.name, int(signals.metrics_status or 0), f"{ns.name}/{raw['name']}",
                                           self.now)
            elif probe:
                ns.gate = AVAILABLE if signals.metrics_status is None else UNDECIDED
            if probe:  # the parked ones go now, asked or not as the verdict says
                released, ns.parked = ns.parked, []
        self._store(ns, index, ns.metrics, signals)
        self._dispatch_metrics(ns, released)

    def _open_if_nobody_can_probe(self, ns: _Namespace) -> list[tuple[int, Mapping[str, Any]]]:
        """Listing done and no running endpoint came to probe: ask the parked ones each, as before (lock held)."""
        if ns.gate != UNKNOWN or ns.listing is None:
            return []
        ns.gate = UNDECIDED
        released, ns.parked = ns.parked, []
        return released

    @staticmethod
    def _not_asked(ns: _Namespace) -> Signals:
        """The open-metrics part of an endpoint the verdict spares."""
        assert ns.verdict is not None
        return Signals(notes=(ns.verdict.endpoint_note,))


def _signals(ns: _Namespace, index: int, raw: Mapping[str, Any]) -> Signals:
    """One billable endpoint's measurements, in the order the report has always given its notes."""
    replica, metrics = ns.replicas[index], ns.metrics[index]
    listed = raw.get("compute")
    compute: Mapping[str, Any] = listed if isinstance(listed, Mapping) else {}
    return Signals(
        price_per_replica_hour=ns.prices.get(str(compute.get("id"))),
        replica_started_at=replica.replica_started_at,
        replica_starts=replica.replica_starts,
        request_counter=metrics.request_counter,
        notes=(*replica.notes, *metrics.notes, *((ns.price_note,) if ns.price_note else ())),
        tolerated=(*replica.tolerated, *metrics.tolerated, *price_notes(ns.prices, compute.get("id"))),
    )


def collect(hub: Hub, namespaces: Sequence[str], memory: Mapping[str, Any], now: datetime,
            metrics_unavailable: Mapping[str, NoOpenMetrics] | None = None) -> Fleet:
    """List each namespace explicitly and measure its endpoints; a failing namespace never hides the others.

    Requests: the list pages, one hardware call per namespace that has a billable endpoint, and per billable
    endpoint a replicas call and an open-metrics call, except in a namespace found without open metrics (one
    probe, `core/open_metrics.py`) or remembered so (`metrics_unavailable`, from the state: none). Endpoints that
    are not billable cost no extra request. Every call runs on one pipeline of `hub.concurrency` threads: a page's
    endpoints are measured while the next page is fetched, across every namespace at once.
    """
    remembered = dict(metrics_unavailable or {})
    sweep = _Sweep(hub, memory, now)
    spaces = [_Namespace(name, remembered.get(name)) for name in dict.fromkeys(namespaces)]
    for ns in spaces:
        sweep.pipeline.start(sweep.list_namespace, ns)
    sweep.pipeline.wait()

    ns_results: list[NamespaceResult] = []
    snapshots: list[EndpointSnapshot] = []
    new_memory: dict[str, Any] = {}
    verdicts: dict[str, NoOpenMetrics] = {}
    notices: list[str] = []
    for ns in spaces:
        if ns.listing is None:
            ns_results.append(NamespaceResult(ns.name, ok=False, error=ns.error, endpoints=0))
            # Keep what we knew about this namespace: a transient error must not reset its uptime memory.
            new_memory.update({k: v for k, v in memory.items() if k.startswith(f"{ns.name}/")})
            if ns.name in remembered:
                verdicts[ns.name] = remembered[ns.name]
            continue
        items = ns.listing.items
        ns_results.append(NamespaceResult(ns.name, ok=True, endpoints=len(items), warnings=ns.listing.warnings))
        if ns.gate == CLOSED and ns.verdict is not None:
            verdicts[ns.name] = ns.verdict
            if ns.billable:  # every night it holds, in the same words: announced once, never flapping
                notices.append(ns.verdict.notice)
        for index in range(len(items)):
            snapshot, endpoint_memory = ns.snapshots[index]
            snapshots.append(snapshot)
            if endpoint_memory:
                new_memory[snapshot.key] = endpoint_memory
    return Fleet(tuple(ns_results), tuple(sorted(snapshots, key=lambda s: s.key)), new_memory, verdicts,
                 tuple(notices))


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
    cap = safety_cap_exceeded(evaluations, max_actions, planned=False)
    if cap is not None:
        return capped_outcomes(evaluations, planned=False), (cap,)
    todo = actionable(evaluations)

    def do(ev: Evaluation) -> EndpointResult:
        action = ACTION_OUTCOMES.get(ev.decision)
        if ev.decision is Decision.NOTIFY:
            return EndpointResult(ev, Outcome.NOTIFIED)
        if action is None or ev not in todo:
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
