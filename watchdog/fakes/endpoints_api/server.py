"""`FakeEndpointsAPI`: the fake's state, its lifecycle on loopback, and its control surface (also at `/_fake`)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from watchdog.fakes.clock import FakeClock, iso_z, parse_instant
from watchdog.fakes.endpoint_state import LiveEndpoint
from watchdog.fakes.endpoint_update import DEFAULT_UPDATE_DELAY
from watchdog.fakes.endpoints_api.errors import HTTPError
from watchdog.fakes.endpoints_api.handler import Server, _Handler
from watchdog.fakes.endpoints_api.routes import Routes
from watchdog.fakes.endpoints_api.shapes import ShapeBook, Shapes
from watchdog.fakes.faults import Fault, FaultBook, LoggedRequest, RequestLog
from watchdog.fakes.fleet import EndpointSpec, Fleet, endpoint_spec_from_dict, fleet_from_dict, load_fleet


class FakeEndpointsAPI(Routes):
    """The fake server and its Python control surface (the same operations as the `/_fake` admin routes)."""

    def __init__(self, fleet: Fleet, clock: FakeClock | None = None, *, port: int = 0,
                 page_size: int | None = None, latency: float = 0.0, resume_delay: int | None = None,
                 update_delay: int = DEFAULT_UPDATE_DELAY, shapes: Shapes | Mapping[str, Any] | None = None) -> None:
        self.clock = clock or FakeClock()
        self.fleet = fleet
        self.user = fleet.user
        self.page_size = page_size if page_size is not None else fleet.page_size
        self.latency = latency  # real seconds slept before every API answer (benchmarks use 0.05)
        self.resume_delay = resume_delay if resume_delay is not None else fleet.resume_delay
        self.update_delay = update_delay  # simulated seconds a PUT keeps a running endpoint `updating`
        self.port = port
        self.faults = FaultBook()
        self.shapes = ShapeBook(shapes)
        self.log = RequestLog()
        self._lock = threading.RLock()
        self._namespaces: dict[str, dict[str, LiveEndpoint]] = {}
        self._deny: dict[str, int] = {}
        now = self.clock.now()
        for ns in fleet.namespaces:
            self._namespaces[ns.name] = {}
            if ns.deny:
                self._deny[ns.name] = ns.deny
            for spec in ns.endpoints:
                self._namespaces[ns.name][spec.name] = self._live(ns.name, spec, now)
        self._httpd: Server | None = None
        self._thread: threading.Thread | None = None
        self._request_ids = 0

    # -- construction --------------------------------------------------------------------------------------

    @classmethod
    def from_fleet_file(cls, path: str | Path, clock: FakeClock | None = None, **options: Any) -> FakeEndpointsAPI:
        """Serve the fleet described in a YAML or JSON file."""
        return cls(load_fleet(path), clock, **options)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], clock: FakeClock | None = None, **options: Any) -> FakeEndpointsAPI:
        """Serve a fleet given as a mapping shaped like a fleet file (handy in tests)."""
        return cls(fleet_from_dict(data), clock, **options)

    def _live(self, namespace: str, spec: EndpointSpec, now: datetime) -> LiveEndpoint:
        return LiveEndpoint(namespace, spec, now=now, owner=self.user,
                            resume_delay=self.resume_delay, pending_delay=self.fleet.pending_delay)

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> str:
        """Listen on 127.0.0.1 in a daemon thread; return the root URL (append `/v2` for the Endpoints API)."""
        if self._httpd is not None:
            return self.base_url
        self._httpd = Server(("127.0.0.1", self.port), _Handler)
        self._httpd.api = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="fake-endpoints-api", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeEndpointsAPI:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` (the Hub root); raises if not started."""
        if self._httpd is None:
            raise RuntimeError("the fake Endpoints API is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        """`http://127.0.0.1:PORT/v2`: the Endpoints API base to give the watchdog."""
        return self.base_url + "/v2"

    # -- control surface (also behind /_fake) --------------------------------------------------------------

    def now(self) -> datetime:
        """The fake clock's instant."""
        return self.clock.now()

    def advance(self, seconds: float) -> datetime:
        """Move the fake clock forward; transitions that fall due happen on the next read."""
        return self.clock.advance(seconds)

    def set_time(self, now: datetime) -> datetime:
        """Set the fake clock."""
        return self.clock.set(now)

    def add_fault(self, fault: Fault) -> int:
        """Arm a fault; returns its id (see `Fault` for the effects and matching rules)."""
        return self.faults.add(fault)

    def clear_faults(self) -> None:
        """Disarm every fault."""
        self.faults.clear()

    def set_shapes(self, namespace: str | None = None, name: str | None = None, **switches: Any) -> None:
        """Answer in other shapes (see `shapes.Shapes`) for the server, one namespace or one endpoint."""
        self.shapes.set(namespace, name, Shapes(**switches))

    def clear_shapes(self) -> None:
        """Back to the default shapes everywhere."""
        self.shapes.clear()

    def fault_report(self) -> list[dict[str, Any]]:
        """Armed faults with `fired` and `remaining` counts."""
        return self.faults.describe()

    def request_log(self) -> list[LoggedRequest]:
        """Every API request answered so far (admin routes excluded)."""
        return self.log.entries()

    def request_counts(self) -> dict[str, int]:
        """Answered API requests per route name."""
        return self.log.counts()

    def clear_requests(self) -> None:
        """Empty the request log."""
        self.log.clear()

    def _endpoint(self, namespace: str, name: str) -> LiveEndpoint:
        endpoint = self._namespaces.get(namespace, {}).get(name)
        if endpoint is None:
            raise KeyError(f"{namespace}/{name}")
        endpoint.settle(self.clock.now())
        return endpoint

    def state_of(self, namespace: str, name: str) -> str:
        """Current state of an endpoint (KeyError when it does not exist)."""
        with self._lock:
            return self._endpoint(namespace, name).state

    def exists(self, namespace: str, name: str) -> bool:
        """True while the endpoint exists."""
        with self._lock:
            return name in self._namespaces.get(namespace, {})

    def payload_of(self, namespace: str, name: str) -> dict[str, Any]:
        """The JSON the get route would serve now (no faults applied)."""
        with self._lock:
            return self._endpoint(namespace, name).payload(self.clock.now())

    def endpoint_info(self, namespace: str, name: str) -> dict[str, Any]:
        """Internal bookkeeping for assertions: state, stretch start, counter, last request, history."""
        with self._lock:
            endpoint = self._endpoint(namespace, name)
            now = self.clock.now()
            last = endpoint.last_request(now)
            return {
                "state": endpoint.state,
                "billable_since": iso_z(endpoint.billable_since) if endpoint.billable_since else None,
                "requests": endpoint.requests(now),
                "last_request": iso_z(last) if last else None,
                "billable_seconds": endpoint.billable_seconds(now),
                "history": [[iso_z(at), state] for at, state in endpoint.history],
            }

    def record_traffic(self, namespace: str, name: str, requests: int = 1) -> bool:
        """Simulate data-plane requests now (wakes a scaled-to-zero endpoint); False if refused (paused)."""
        with self._lock:
            return self._endpoint(namespace, name).record_traffic(self.clock.now(), requests)

    def add_endpoint(self, namespace: str, spec: EndpointSpec | Mapping[str, Any]) -> None:
        """Create an endpoint (and its namespace) as described, relative to the clock's now."""
        if not isinstance(spec, EndpointSpec):
            spec = endpoint_spec_from_dict(spec, f"namespaces.{namespace}.endpoints[+]")
        with self._lock:
            self._namespaces.setdefault(namespace, {})[spec.name] = self._live(namespace, spec, self.clock.now())

    def delete_endpoint(self, namespace: str, name: str) -> bool:
        """Remove an endpoint; False when it did not exist."""
        with self._lock:
            return self._namespaces.get(namespace, {}).pop(name, None) is not None

    def admin(self, method: str, parts: list[str], body: Any) -> Any:
        """`/_fake/...`: JSON in, JSON out. No auth: loopback only, for tests and the demo."""
        if not isinstance(body, dict):
            raise HTTPError(400, "admin routes take a JSON object")
        head = parts[0] if parts else ""
        if head == "clock" and len(parts) == 1:
            if method == "POST" and "set" in body:
                self.set_time(parse_instant(str(body["set"])))
            if method == "POST" and "advance" in body:
                self.advance(float(body["advance"]))
            return {"now": iso_z(self.now())}
        if head == "faults" and len(parts) == 1:
            if method == "POST":
                return {"id": self.add_fault(Fault.from_dict(body))}
            return {"faults": self.fault_report()}
        if head == "faults" and parts[1:] == ["clear"] and method == "POST":
            self.clear_faults()
            return {}
        if head == "shapes" and len(parts) == 1:
            if method == "POST":
                scope = {k: body.pop(k, None) for k in ("namespace", "name")}
                self.shapes.set(scope["namespace"], scope["name"], Shapes.from_dict(body))
            return {"shapes": self.shapes.describe()}
        if head == "shapes" and parts[1:] == ["clear"] and method == "POST":
            self.clear_shapes()
            return {}
        if head == "config" and len(parts) == 1:
            if method == "POST":
                self._configure(body)
            return {"latency": self.latency, "page_size": self.page_size, "resume_delay": self.resume_delay,
                    "update_delay": self.update_delay}
        if head == "requests" and len(parts) == 1:
            return {"requests": [e.to_dict() for e in self.request_log()], "counts": self.request_counts()}
        if head == "requests" and parts[1:] == ["clear"] and method == "POST":
            self.clear_requests()
            return {}
        if (head in {"state", "traffic"} and len(parts) == 3) or (head == "endpoints" and len(parts) == 2):
            return self._admin_endpoint(method, head, parts[1:], body)
        raise HTTPError(404, "Not Found")

    def _configure(self, body: Mapping[str, Any]) -> None:
        if "latency" in body:
            self.latency = float(body["latency"])
        if "page_size" in body:
            self.page_size = None if body["page_size"] is None else int(body["page_size"])
        if "update_delay" in body:
            self.update_delay = int(body["update_delay"])
        if "resume_delay" in body:
            self.resume_delay = int(body["resume_delay"])
            with self._lock:
                for endpoints in self._namespaces.values():
                    for endpoint in endpoints.values():
                        if endpoint.spec.ready_in is None:
                            endpoint.resume_delay = self.resume_delay

    def _admin_endpoint(self, method: str, head: str, rest: list[str], body: Mapping[str, Any]) -> Any:
        try:
            if head == "endpoints" and method == "POST":
                self.add_endpoint(rest[0], body)
                return {"created": f"{rest[0]}/{body.get('name')}"}
            if head == "state":
                return self.endpoint_info(rest[0], rest[1])
            if head == "traffic" and method == "POST":
                return {"accepted": self.record_traffic(rest[0], rest[1], int(body.get("requests", 1)))}
        except KeyError:
            raise HTTPError(404, "Endpoint not found") from None
        raise HTTPError(405, "Method Not Allowed")

    def _next_request_id(self) -> str:
        with self._lock:
            self._request_ids += 1
            return f"fake-{self._request_ids:06d}-{uuid.uuid4().hex[:8]}"
