"""Fault injection and the request log of the fake Endpoints API (no token is ever recorded)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Route names, as faults and the request counters call them.
ROUTES = ("whoami", "list", "get", "pause", "resume", "scale-to-zero", "delete", "provider", "replica",
          "open-metrics", "update")
# Routes whose successful answer is an endpoint object (or a list of them): where payload faults apply.
ENDPOINT_ROUTES = frozenset({"list", "get", "pause", "resume", "scale-to-zero", "update"})
PAYLOAD_FAULTS = ("malformed", "incomplete", "unknown-state", "bad-timestamp")


@dataclass(frozen=True)
class Fault:
    """One injected failure. `None` in route/namespace/name matches anything; `times=None` never wears out.

    Effects (at least one):
    - `status`: answer with this HTTP status and `{"error": message}` instead of doing the work; with 429,
      `retry_after` adds `Retry-After` and `rate_limit_reset` adds the Hub's `RateLimit: "api";r=0;t=N`;
    - `latency`: sleep this many real seconds before answering (keep it tiny in tests);
    - `payload`: corrupt the endpoint JSON served for the matching endpoint(s): `malformed` (invalid JSON
      text; on the list route the whole page, as JSON cannot hold one broken item), `incomplete` (drop the keys
      in `missing`, dotted paths allowed), `unknown-state`, `bad-timestamp` (`+00:00` instead of the `Z`
      huggingface_hub requires);
    - `disappear`: delete the endpoint right after a response that showed it (list it, then act on it: 404).

    On the list route a fault naming an endpoint only corrupts or removes that item; status and latency
    faults for the list match through their namespace.
    """

    route: str | None = None
    namespace: str | None = None
    name: str | None = None
    status: int | None = None
    times: int | None = 1
    latency: float = 0.0
    retry_after: int | None = None
    rate_limit_reset: int | None = None
    message: str | None = None
    payload: str | None = None
    missing: tuple[str, ...] = ("status",)
    disappear: bool = False

    def __post_init__(self) -> None:
        if self.route is not None and self.route not in ROUTES:
            raise ValueError(f"unknown route {self.route!r}; one of {', '.join(ROUTES)}")
        if self.payload is not None and self.payload not in PAYLOAD_FAULTS:
            raise ValueError(f"unknown payload fault {self.payload!r}; one of {', '.join(PAYLOAD_FAULTS)}")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError(f"fault status must be 4xx or 5xx, got {self.status}")
        if self.status is None and not self.latency and self.payload is None and not self.disappear:
            raise ValueError("a fault needs an effect: status, latency, payload or disappear")
        if (self.payload is not None or self.disappear) and self.route not in (None, *ENDPOINT_ROUTES):
            raise ValueError(f"payload and disappear faults apply to {', '.join(sorted(ENDPOINT_ROUTES))}")
        if self.status is not None and (self.payload is not None or self.disappear):
            raise ValueError("a fault answers with an error status or alters the payload, not both")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1, or None for a persistent fault")
        object.__setattr__(self, "missing", tuple(self.missing))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """Build from JSON (the `/_fake/faults` admin route); unknown keys are errors."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault key(s): {', '.join(unknown)}")
        return cls(**data)

    def matches(self, route: str, namespace: str | None, name: str | None) -> bool:
        """True when this fault targets a request to `route` for `namespace`/`name`."""
        return ((self.route is None or self.route == route)
                and (self.namespace is None or self.namespace == namespace)
                and (self.name is None or self.name == name))


@dataclass
class _Armed:
    id: int
    fault: Fault
    remaining: int | None
    fired: int = 0

    def fire(self) -> None:
        self.fired += 1
        if self.remaining is not None:
            self.remaining -= 1

    @property
    def active(self) -> bool:
        return self.remaining is None or self.remaining > 0


class FaultBook:
    """The armed faults, consumed as they fire (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []
        self._next_id = 1

    def add(self, fault: Fault) -> int:
        """Arm a fault and return its id."""
        with self._lock:
            fault_id = self._next_id
            self._next_id += 1
            self._armed.append(_Armed(fault_id, fault, fault.times))
            return fault_id

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._armed.clear()

    def describe(self) -> list[dict[str, Any]]:
        """Every fault ever armed since the last clear, with how often it fired and what is left."""
        with self._lock:
            return [{"id": a.id, **asdict(a.fault), "fired": a.fired, "remaining": a.remaining,
                     "active": a.active} for a in self._armed]

    def take_request_faults(self, route: str, namespace: str | None, name: str | None) -> tuple[float, Fault | None]:
        """Consume the latency faults and the first error fault for this request: (seconds, error fault)."""
        latency = 0.0
        error: Fault | None = None
        with self._lock:
            for armed in self._armed:
                fault = armed.fault
                if not armed.active or (fault.status is None and not fault.latency):
                    continue
                if not fault.matches(route, namespace, name):
                    continue
                if fault.status is not None:
                    if error is not None:
                        continue  # one error per request; later ones wait for the next request
                    error = fault
                latency += fault.latency
                armed.fire()
        return latency, error

    def take_payload_faults(self, route: str, namespace: str, names: Iterable[str]) -> dict[str, list[Fault]]:
        """Consume the payload/disappear faults for the endpoints a response is about to show."""
        shown = list(names)
        by_name: dict[str, list[Fault]] = {}
        with self._lock:
            for armed in self._armed:
                fault = armed.fault
                if not armed.active or (fault.payload is None and not fault.disappear):
                    continue
                if fault.route is not None and fault.route != route:
                    continue
                if fault.namespace is not None and fault.namespace != namespace:
                    continue
                hits = [n for n in shown if fault.name is None or fault.name == n]
                if not hits:
                    continue
                armed.fire()
                for hit in hits:
                    by_name.setdefault(hit, []).append(fault)
        return by_name


@dataclass(frozen=True)
class LoggedRequest:
    """One request the fake answered. Headers are never kept, so no token can leak through the log."""

    method: str
    path: str  # URL path without the query string
    query: Mapping[str, str] = field(default_factory=dict)  # token-like parameters redacted
    route: str = "other"
    namespace: str | None = None
    name: str | None = None
    status: int = 0
    monotonic: float = 0.0  # time.monotonic() when the answer was ready (just before sending)
    at: str | None = None  # the fake clock's instant, ISO with Z

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (admin route)."""
        return {**asdict(self), "query": dict(self.query)}


class RequestLog:
    """Append-only log of answered API requests with per-route counters (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def record(self, entry: LoggedRequest) -> None:
        """Add one answered request."""
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._entries)

    def counts(self) -> dict[str, int]:
        """Requests per route name (e.g. `{"list": 3, "pause": 1}`)."""
        with self._lock:
            counts: dict[str, int] = {}
            for entry in self._entries:
                counts[entry.route] = counts.get(entry.route, 0) + 1
            return counts

    def clear(self) -> None:
        """Forget everything logged so far."""
        with self._lock:
            self._entries.clear()


def redact_query(params: Mapping[str, list[str]]) -> dict[str, str]:
    """Keep query parameters for the log, except any that could carry a credential."""
    clean: dict[str, str] = {}
    for key, values in params.items():
        lowered = key.lower()
        secret = any(word in lowered for word in ("token", "auth", "key", "secret", "password"))
        clean[key] = "<redacted>" if secret else ",".join(values)
    return clean
