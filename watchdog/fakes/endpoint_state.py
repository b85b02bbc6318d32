"""One fake endpoint's life: the billing state machine, computed lazily from the clock, and its JSON shapes.

Transitions are scheduled as instants and applied when the endpoint is next read (`settle(now)`), so a test
advances a `FakeClock` by ten simulated minutes and the next GET sees `running`, with no sleeping.

Choices where the real service is undocumented (reference: states and transitions):
- pause works from every state (also `paused`: idempotent) and keeps `url` and the scaling settings;
- resume of `running` is a 400 "already running"; of `pending`/`initializing`/`updating` a no-op 200;
  from `paused`, `scaledToZero`, `failed` or `updateFailed` it starts a new billable stretch;
- scale-to-zero works from billable states and `scaledToZero`; from `paused`/`failed`/`updateFailed` it is a 400;
- pause, resume and scale-to-zero are user actions, so they move `updatedAt`; automatic transitions do not;
- a `running` endpoint with `minReplica: 0`, a `scaleToZeroTimeout` and no traffic scales itself to zero
  that many minutes after its last request (endpoints with a steady request rate stay awake);
- `updateFailed` is served as not billable with no replicas (the fake's own billing table: `api_facts`).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from watchdog.fakes.api_facts import BILLED_STATES as BILLABLE_STATES
from watchdog.fakes.clock import iso_z
from watchdog.fakes.fleet import EndpointSpec, fake_revision
from watchdog.fakes.hardware import Compute, compute_by_id

MESSAGES = {
    "pending": "Endpoint waiting to be scheduled",
    "initializing": "Endpoint is initializing",
    "updating": "Endpoint is updating",
    "running": "Endpoint is ready",
    "paused": "Endpoint is paused",
    "scaledToZero": "Endpoint is scaled to zero",
    "failed": "Endpoint failed to deploy",
    "updateFailed": "Endpoint update failed",
}
_DEFAULT_STRETCH = {"running": 3600, "updating": 3600, "initializing": 60, "pending": 30}


class ActionError(Exception):
    """An action the API refuses: carries the HTTP status and the `{"error": ...}` text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Transition:
    at: datetime
    state: str
    message: str
    error: str | None = None


def _hex(*parts: object, length: int = 16) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:length]


def default_image(task: str) -> dict[str, Any]:
    """The serving container the UI would pick for a task: TGI for generation, TEI for embeddings."""
    if task == "text-generation":
        return {"tgi": {"url": "ghcr.io/huggingface/text-generation-inference:3.3.4", "port": 80,
                        "healthRoute": "/health", "maxInputLength": 4095, "maxTotalTokens": 4096}}
    if task in {"sentence-embeddings", "feature-extraction", "sentence-similarity"}:
        return {"tei": {"url": "ghcr.io/huggingface/text-embeddings-inference:1.7.2", "port": 80,
                        "healthRoute": "/health"}}
    return {"huggingface": {}}


class LiveEndpoint:
    """Mutable state of one endpoint. Not thread-safe by itself: the server holds its lock around every call."""

    def __init__(self, namespace: str, spec: EndpointSpec, *, now: datetime, owner: str,
                 resume_delay: int, pending_delay: int) -> None:
        self.namespace = namespace
        self.spec = spec
        self.name = spec.name
        self.compute: Compute = compute_by_id(spec.instance)
        self.owner = spec.created_by or owner
        self.resume_delay = spec.ready_in if spec.ready_in is not None else resume_delay
        self.pending_delay = pending_delay
        self.replicas = spec.replicas or max(1, spec.min_replica)
        self.state = spec.state
        self.message = spec.message or MESSAGES[spec.state]
        self.error_message: str | None = None
        self.transitions: list[_Transition] = []
        self.generation = 0  # bumps with each billable stretch: new replicas, new replica ids

        billable = spec.state in BILLABLE_STATES
        running_for = spec.running_for if spec.running_for is not None else _DEFAULT_STRETCH.get(spec.state, 0)
        self.billable_since: datetime | None = now - timedelta(seconds=running_for) if billable else None
        created_ago = spec.created_ago if spec.created_ago is not None else running_for + 3 * 86400
        self.created_at = now - timedelta(seconds=created_ago)
        if spec.updated_ago is not None:
            self.updated_at = now - timedelta(seconds=spec.updated_ago)
        elif self.billable_since is not None:
            self.updated_at = max(self.created_at, self.billable_since)
        else:
            self.updated_at = max(self.created_at, now - timedelta(days=1))
        # `url` is null until the first successful deploy, then kept through pause, scale-to-zero and resume.
        never_deployed = spec.state in {"pending", "initializing", "failed"}
        self.url: str | None = None if never_deployed else self._url()
        if spec.state == "failed":
            self.error_message = spec.start_fails or "Endpoint failed to start: health check timed out"
        self.history: list[tuple[datetime, str]] = [(self.billable_since or self.updated_at, spec.state)]

        # Request counter (open-metrics) and last request: the counter is `requests_base` at `metered_since`
        # and grows at `requests_per_hour` while running.
        self.metered_since: datetime | None = now if spec.state == "running" else None
        # When the endpoint last became ready: idle time for the automatic scale-to-zero counts from here.
        self.ready_since: datetime | None = self.billable_since if spec.state == "running" else None
        if spec.requests_total is not None:
            self.requests_base = spec.requests_total
        else:
            self.requests_base = math.floor(spec.requests_per_hour * running_for / 3600) if billable else 0
        self.last_request_at: datetime | None = (
            now - timedelta(seconds=spec.last_used_ago) if spec.last_used_ago is not None else None)

        if spec.state in {"pending", "initializing", "updating"}:
            ready_at = now + timedelta(seconds=self.resume_delay)
            if spec.state == "pending":
                self._schedule(now + timedelta(seconds=self.resume_delay / 2), "initializing")
            self._schedule_final(ready_at, updating=spec.state == "updating")

    # -- state machine -------------------------------------------------------------------------------------

    def _url(self) -> str:
        return (f"https://{_hex(self.namespace, self.name)}.{self.compute.region}.{self.compute.vendor}"
                ".endpoints.huggingface.cloud")

    def _schedule(self, at: datetime, state: str, error: str | None = None) -> None:
        message = MESSAGES[state] if error is None else f"{MESSAGES[state]}: {error}"
        self.transitions.append(_Transition(at, state, message, error))

    def _schedule_final(self, at: datetime, *, updating: bool = False) -> None:
        if self.spec.start_fails:
            self._schedule(at, "updateFailed" if updating else "failed", self.spec.start_fails)
        else:
            self._schedule(at, "running")

    def _enter(self, at: datetime, state: str, message: str | None = None) -> None:
        was_billable = self.state in BILLABLE_STATES
        if self.state == "running" and state != "running":
            self._checkpoint(at)
        self.state = state
        self.message = message or MESSAGES[state]
        self.history.append((at, state))
        if state == "running":
            self.url = self.url or self._url()
            self.metered_since = at
            self.ready_since = at
            self.error_message = None
        if was_billable and state not in BILLABLE_STATES:
            self.billable_since = None

    def _checkpoint(self, at: datetime) -> None:
        """Freeze the counter and last request time at `at` (leaving `running`)."""
        self.last_request_at = self.last_request(at)
        self.requests_base = self.requests(at)
        self.metered_since = None

    def settle(self, now: datetime) -> None:
        """Apply every transition due by `now`, in order, then the automatic scale-to-zero."""
        while self.transitions and self.transitions[0].at <= now:
            step = self.transitions.pop(0)
            self._enter(step.at, step.state, step.message)
            if step.error is not None:
                self.error_message = step.error
        timeout = self.spec.scale_to_zero_timeout
        if (self.state == "running" and self.spec.min_replica == 0 and timeout
                and self.spec.requests_per_hour == 0 and self.ready_since is not None):
            idle_from = max(self.last_request_at or self.ready_since, self.ready_since)
            at = idle_from + timedelta(minutes=timeout)
            if at <= now:
                self._enter(at, "scaledToZero")

    def _start_stretch(self, now: datetime) -> None:
        self.generation += 1
        self.billable_since = now
        self.requests_base = 0  # new replicas, new per-replica counters
        self.transitions.clear()
        if self.pending_delay > 0:
            self._enter(now, "pending")
            self._schedule(now + timedelta(seconds=self.pending_delay), "initializing")
        else:
            self._enter(now, "initializing")
        self._schedule_final(now + timedelta(seconds=self.pending_delay + self.resume_delay))

    def pause(self, now: datetime) -> None:
        """Stop billing at once; url and scaling are kept."""
        self.settle(now)
        self.transitions.clear()
        if self.state != "paused":
            self._enter(now, "paused")
            self.updated_at = now

    def resume(self, now: datetime) -> None:
        """Start a new billable stretch; 400 when already running (huggingface_hub's running_ok relies on it)."""
        self.settle(now)
        if self.state == "running":
            raise ActionError(400, "Bad Request: Endpoint is already running")
        if self.state in BILLABLE_STATES:
            return  # already starting or updating: nothing to do
        self._start_stretch(now)
        self.updated_at = now

    def scale_to_zero(self, now: datetime) -> None:
        """Drop to zero replicas at once (GPU quota stays held)."""
        self.settle(now)
        if self.state in {"paused", "failed", "updateFailed"}:
            raise ActionError(400, f"Bad Request: Endpoint is {self.state}, it cannot be scaled to zero")
        self.transitions.clear()
        if self.state != "scaledToZero":
            self._enter(now, "scaledToZero")
            self.updated_at = now

    def reconfigure(self, now: datetime, spec: EndpointSpec, delay: float) -> None:
        """Take new settings (a PUT, see endpoint_update.py): `running` passes through `updating` for `delay` seconds
        and comes back with them; other states keep their state. Scale-to-zero follows the new timeout."""
        self.settle(now)
        self.spec = spec
        self.replicas = min(max(self.replicas, max(1, spec.min_replica)), spec.max_replica)
        self.updated_at = now
        if self.state == "running":
            self.transitions.clear()
            self._enter(now, "updating")
            self._schedule(now + timedelta(seconds=delay), "running")

    def record_traffic(self, now: datetime, requests: int) -> bool:
        """Simulate data-plane requests at `now`; a scaled-to-zero endpoint wakes up. False when refused."""
        self.settle(now)
        if self.state == "scaledToZero":
            self._start_stretch(now)
            self.last_request_at = now
            return True
        if self.state != "running":
            return False  # paused answers 400 and is not woken; starting endpoints answer 503
        self.requests_base += requests
        self.last_request_at = now
        return True

    # -- measurements --------------------------------------------------------------------------------------

    def requests(self, now: datetime) -> int:
        """Total of the request counter at `now` (summed over replicas)."""
        if self.metered_since is None:
            return self.requests_base
        elapsed = max(0.0, (now - self.metered_since).total_seconds())
        return self.requests_base + math.floor(self.spec.requests_per_hour * elapsed / 3600)

    def last_request(self, now: datetime) -> datetime | None:
        """Instant of the most recent request: the counter's last increment, or the recorded one."""
        rate = self.spec.requests_per_hour
        latest = self.last_request_at
        if self.metered_since is not None and rate > 0:
            elapsed = max(0.0, (now - self.metered_since).total_seconds())
            served = math.floor(rate * elapsed / 3600)
            if served >= 1:
                counted = self.metered_since + timedelta(seconds=served * 3600 / rate)
                latest = counted if latest is None else max(latest, counted)
        return latest

    def billable_seconds(self, now: datetime) -> float:
        """Simulated seconds spent billing, from the fleet's start of history to `now`."""
        total = 0.0
        for (start, state), (end, _) in zip(self.history, [*self.history[1:], (now, "")], strict=True):
            if state in BILLABLE_STATES:
                total += max(0.0, (end - start).total_seconds())
        return total

    def replica_counts(self) -> tuple[int, int]:
        """(readyReplica, targetReplica) for the current state."""
        if self.state == "running":
            return self.replicas, self.replicas
        if self.state in BILLABLE_STATES:
            return 0, self.replicas
        return 0, 0

    def replica_ids(self) -> list[str]:
        """Pod-like replica names, stable within a billable stretch and new after each resume."""
        stem = _hex(self.namespace, self.name, self.generation, length=10)
        return [f"{self.name}-{stem}-{_hex(stem, i, length=5)}" for i in range(self.replicas)]

    # -- JSON shapes ---------------------------------------------------------------------------------------

    def payload(self, now: datetime) -> dict[str, Any]:
        """The `EndpointWithStatus` object, with every key huggingface_hub 2.4.0 reads."""
        spec = self.spec
        ready, target = self.replica_counts()
        user = {"id": _hex("user", self.owner, length=24), "name": self.owner}
        status: dict[str, Any] = {
            "state": self.state, "message": self.message, "url": self.url,
            "readyReplica": ready, "targetReplica": target,
            "createdAt": iso_z(self.created_at), "createdBy": user,
            "updatedAt": iso_z(self.updated_at), "updatedBy": user,
            "private": None, "errorMessage": self.error_message,
        }
        # `lastUsedAt` was seen once in a live read and is in no spec: served only when the fleet opts in,
        # so the watchdog is tested both with and without it.
        if spec.last_used_ago is not None:
            last = self.last_request(now)
            status["lastUsedAt"] = iso_z(last) if last is not None else None
        return {
            "accountId": None,
            "name": self.name, "type": spec.type, "healthRoute": "/health",
            "provider": {"vendor": self.compute.vendor, "region": self.compute.region},
            "compute": {
                "id": self.compute.id, "accelerator": self.compute.accelerator,
                "instanceType": self.compute.instance_type, "instanceSize": self.compute.instance_size,
                "scaling": {"minReplica": spec.min_replica, "maxReplica": spec.max_replica,
                            "scaleToZeroTimeout": spec.scale_to_zero_timeout,
                            "metric": "hardwareUsage", "measure": {"hardwareUsage": 80}},
            },
            "model": {
                "repository": spec.repository, "revision": spec.revision or fake_revision(spec.repository),
                "task": spec.task, "framework": spec.framework,
                "image": dict(spec.image) if spec.image is not None else default_image(spec.task),
                "env": dict(spec.env),
                # Secret values are never sent back: names only, values null.
                "secrets": {"HF_TOKEN": None}, "args": [], "fromCatalog": False,
            },
            "tags": list(spec.tags),
            "cacheHttpResponses": False, "experimentalFeatures": {"cacheHttpResponses": False},
            "notifications": {"email": True, "push": False}, "route": None, "privateService": None,
            "status": status,
        }

    def replica_items(self) -> list[dict[str, Any]]:
        """`GET .../replica` items: one per replica while billable, a dead one after a failed start."""
        if self.state in BILLABLE_STATES and self.billable_since is not None:
            stage = "running" if self.state == "running" else self.state
            started = iso_z(self.billable_since)
            return [{"name": rid, "live": True, "updating": self.state == "updating", "stage": stage,
                     "startedAt": started} for rid in self.replica_ids()]
        if self.state == "failed" and len(self.history) > 1:
            stopped_at, started_at = self.history[-1][0], self.history[-2][0]
            return [{"name": rid, "live": False, "updating": False, "stage": "failed",
                     "startedAt": iso_z(started_at), "stoppedAt": iso_z(stopped_at), "exitCode": 1}
                    for rid in self.replica_ids()[:1]]
        return []

    def open_metrics(self, now: datetime) -> str:
        """OpenMetrics text: per-replica `http_requests` counters, a latency summary and a CPU gauge."""
        lines = ["# HELP http_requests Number of HTTP requests handled by the replica.",
                 "# TYPE http_requests counter"]
        live = self.state in BILLABLE_STATES
        ids = self.replica_ids() if live else []
        total = self.requests(now)
        # Spread the total so every replica's counter only ever grows while the total grows.
        for i, rid in enumerate(ids):
            share = total // len(ids) + (1 if i < total % len(ids) else 0)
            lines.append(f'http_requests{{replica_id="{rid}",status_code="200"}} {share}')
        lines += ["# HELP latency_distribution Request latency in seconds.", "# TYPE latency_distribution summary"]
        for i, rid in enumerate(ids):
            for quantile, value in (("0.5", 0.12), ("0.9", 0.31), ("0.99", 0.74)):
                lines.append(f'latency_distribution{{replica_id="{rid}",quantile="{quantile}"}} {value}')
            share = total // len(ids) + (1 if i < total % len(ids) else 0)
            lines.append(f'latency_distribution_count{{replica_id="{rid}"}} {share}')
            lines.append(f'latency_distribution_sum{{replica_id="{rid}"}} {share * 0.15:.3f}')
        lines += ["# HELP cpu_usage_percent CPU usage of the replica.", "# TYPE cpu_usage_percent gauge"]
        busy = self.state == "running" and self.spec.requests_per_hour > 0
        for rid in ids:
            usage = min(95.0, 3.0 + self.spec.requests_per_hour / 50) if busy else 1.5
            lines.append(f'cpu_usage_percent{{replica_id="{rid}"}} {usage:.1f}')
        lines.append("# EOF")
        return "\n".join(lines) + "\n"
