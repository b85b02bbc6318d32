"""A faithful loopback fake of the Hugging Face Inference Endpoints management API (stdlib HTTP server).

One server plays both hosts: give the watchdog `{base_url}/v2` as the Endpoints API base and `{base_url}`
as `HF_ENDPOINT` (the Hub, for whoami). Routes:

    GET    /api/whoami-v2                       {"type":"user","name":user,"orgs":[{"name":...}],"auth":{...}}
    GET    /api/agent-harnesses                 404 (huggingface_hub fetches it once; errors are swallowed)
    GET    /v2/endpoint/{ns}?limit=&cursor=     {"items":[...], "nextCursor"?}
    GET    /v2/endpoint/{ns}/{name}             EndpointWithStatus, or 404 {"error":"Endpoint not found"}
    PUT    /v2/endpoint/{ns}/{name}             EndpointWithStatus after a partial update (endpoint_update.py)
    DELETE /v2/endpoint/{ns}/{name}             200 {}
    POST   /v2/endpoint/{ns}/{name}/pause       EndpointWithStatus (likewise resume, scale-to-zero)
    GET    /v2/endpoint/{ns}/{name}/replica     {"items":[{"name","live","updating","stage","startedAt",
                                                 "stoppedAt"?,"exitCode"?}]}  (empty when not billable)
    GET    /v2/endpoint/{ns}/{name}/open-metrics text/plain OpenMetrics; 403 when the plan lacks it
    GET    /v2/provider/{ns}                    {"vendors":[{"name","status","regions":[{..."computes":[...]}]}]}
    *      /_fake/...                           admin: clock, faults, config, request log, state, traffic

Shapes the real API leaves open, chosen here and relied on by the watchdog's tests:
- The replica route's item shape follows the spec's `ReplicaStatus {live, updating, stage, startedAt?,
  stoppedAt?, exitCode?}` wrapped in `{"items": [...]}`; `startedAt` is the start of the billable stretch.
- A namespace the fleet does not hold answers 401, as the real API does for an org you cannot access (or
  without billing); a namespace marked `deny: 403` answers 403, as for user-only tokens on an org.
- Pagination: items sorted by name; `limit` (1..100) or the server's `page_size` bounds a page; the opaque
  `nextCursor` names the last item served, so deleting endpoints between pages never skips one.
- `/v2` routes need `Authorization: Bearer <anything>` (401 otherwise). The token is never stored, logged
  or echoed; the request log keeps method, path, route, status and times only.
"""

from __future__ import annotations

import argparse
import base64
import json
import signal
import sys
import threading
import time
import traceback
import uuid
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

from watchdog.fakes.clock import FakeClock, iso_z, parse_instant
from watchdog.fakes.endpoint_state import ActionError, LiveEndpoint
from watchdog.fakes.endpoint_update import DEFAULT_UPDATE_DELAY, apply_update
from watchdog.fakes.faults import Fault, FaultBook, LoggedRequest, RequestLog, redact_query
from watchdog.fakes.fleet import (
    EndpointSpec, Fleet, demo_fleet_path, endpoint_spec_from_dict, fleet_from_dict, load_fleet, synthetic_fleet)
from watchdog.fakes.hardware import provider_payload
from watchdog.core.model import BILLABLE_STATES

__all__ = ["FakeEndpointsAPI", "FakeClock", "Fault", "load_fleet", "fleet_from_dict", "synthetic_fleet",
           "demo_fleet_path", "main"]

MAX_LIMIT = 100  # largest page the list route serves, whatever `limit` asks
_ACTIONS = {"pause", "resume", "scale-to-zero"}
_QUOTA_STATES = BILLABLE_STATES | {"scaledToZero"}  # scaled-to-zero still holds GPU quota; paused does not


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Do not join handler threads on close: a client's idle keep-alive connection must not block stop().
    block_on_close = False
    api: FakeEndpointsAPI


def _encode_cursor(last_name: str) -> str:
    return base64.urlsafe_b64encode(f"after:{last_name}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise _HTTPError(400, "Bad Request: invalid cursor") from None
    if not text.startswith("after:"):
        raise _HTTPError(400, "Bad Request: invalid cursor")
    return text[len("after:"):]


def _drop_path(payload: dict[str, Any], dotted: str) -> None:
    node: Any = payload
    *parents, leaf = dotted.split(".")
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(leaf, None)


def _corrupt(payload: dict[str, Any], faults: list[Fault]) -> tuple[dict[str, Any], bool]:
    """Apply payload faults to one endpoint's JSON; the flag says the response text must be invalid JSON."""
    malformed = False
    for fault in faults:
        if fault.payload == "incomplete":
            for path in fault.missing:
                _drop_path(payload, path)
        elif fault.payload == "unknown-state" and isinstance(payload.get("status"), dict):
            payload["status"]["state"] = "hibernating"
        elif fault.payload == "bad-timestamp" and isinstance(payload.get("status"), dict):
            for key in ("createdAt", "updatedAt"):
                if isinstance(payload["status"].get(key), str):
                    payload["status"][key] = payload["status"][key].removesuffix("Z") + "+00:00"
        elif fault.payload == "malformed":
            malformed = True
    return payload, malformed


def _truncated_json(data: Any) -> bytes:
    text = json.dumps(data)
    return text[: max(1, len(text) // 2)].encode()  # cut mid-object: never valid JSON


class FakeEndpointsAPI:
    """The fake server and its Python control surface (the same operations as the `/_fake` admin routes)."""

    def __init__(self, fleet: Fleet, clock: FakeClock | None = None, *, port: int = 0,
                 page_size: int | None = None, latency: float = 0.0, resume_delay: int | None = None,
                 update_delay: int = DEFAULT_UPDATE_DELAY) -> None:
        self.clock = clock or FakeClock()
        self.fleet = fleet
        self.user = fleet.user
        self.page_size = page_size if page_size is not None else fleet.page_size
        self.latency = latency  # real seconds slept before every API answer (benchmarks use 0.05)
        self.resume_delay = resume_delay if resume_delay is not None else fleet.resume_delay
        self.update_delay = update_delay  # simulated seconds a PUT keeps a running endpoint `updating`
        self.port = port
        self.faults = FaultBook()
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
        self._httpd: _Server | None = None
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
        self._httpd = _Server(("127.0.0.1", self.port), _Handler)
        self._httpd.api = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
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

    # -- route handlers (called by _Handler with the server lock NOT held) ---------------------------------

    def _check_namespace(self, namespace: str) -> None:
        if namespace in self._deny:
            if self._deny[namespace] == 403:
                raise _HTTPError(403, f"Forbidden: this token has no inference.endpoints.write permission "
                                      f"on namespace {namespace}")
            raise _HTTPError(401, f"Unauthorized: either no billing or no access to namespace {namespace}")
        if namespace not in self._namespaces:
            # The real API answers 401 for an org you cannot access (huggingface_hub PR #1779 comment).
            raise _HTTPError(401, f"Unauthorized: either no billing or no access to namespace {namespace}")

    def _whoami(self) -> dict[str, Any]:
        orgs = [ns for ns in self._namespaces if ns != self.user]
        return {
            "type": "user", "name": self.user, "fullname": self.user.title(), "email": None,
            "orgs": [{"type": "org", "name": ns, "fullname": ns} for ns in orgs],
            "auth": {"type": "access_token", "accessToken": {
                "displayName": "endpoint-watchdog", "role": "fineGrained",
                "fineGrained": {"canReadGatedRepos": False, "global": [], "scoped": [
                    {"entity": {"_id": f"{i:024x}", "type": "user" if ns == self.user else "org", "name": ns},
                     "permissions": ["inference.endpoints.write"]} for i, ns in enumerate(self._namespaces)]}}},
        }

    def _list(self, namespace: str, query: Mapping[str, list[str]]) -> bytes:
        limit = self.page_size
        if "limit" in query:
            try:
                limit = int(query["limit"][0])
            except ValueError:
                raise _HTTPError(400, "Bad Request: limit must be an integer") from None
            if not 1 <= limit <= MAX_LIMIT:
                raise _HTTPError(400, f"Bad Request: limit must be between 1 and {MAX_LIMIT}")
        with self._lock:
            names = sorted(self._namespaces[namespace])
            if "cursor" in query and query["cursor"][0]:
                after = _decode_cursor(query["cursor"][0])
                names = [n for n in names if n > after]
            more = limit is not None and len(names) > limit
            page = names[:limit] if limit is not None else names
            faults = self.faults.take_payload_faults("list", namespace, page)
            now = self.clock.now()
            items, malformed = [], False
            for name in page:
                endpoint = self._endpoint(namespace, name)
                payload, bad = _corrupt(endpoint.payload(now), faults.get(name, []))
                items.append(payload)
                malformed = malformed or bad
            self._vanish(namespace, faults)
        body: dict[str, Any] = {"items": items}
        if more and page:
            body["nextCursor"] = _encode_cursor(page[-1])
        return _truncated_json(body) if malformed else json.dumps(body).encode()

    def _vanish(self, namespace: str, faults: Mapping[str, list[Fault]]) -> None:
        for name, found in faults.items():
            if any(f.disappear for f in found):
                self._namespaces[namespace].pop(name, None)

    def _endpoint_route(self, route: str, namespace: str, name: str, request_body: bytes = b"") -> bytes:
        with self._lock:
            now = self.clock.now()
            try:
                endpoint = self._endpoint(namespace, name)
            except KeyError:
                raise _HTTPError(404, "Endpoint not found") from None
            if route == "delete":
                del self._namespaces[namespace][name]
                return b"{}"
            if route == "replica":
                return json.dumps({"items": endpoint.replica_items()}).encode()
            if route == "open-metrics":
                if not endpoint.spec.open_metrics:
                    raise _HTTPError(403, "Forbidden: open metrics are available on Team and Enterprise plans")
                return endpoint.open_metrics(now).encode()
            try:
                if route == "pause":
                    endpoint.pause(now)
                elif route == "resume":
                    endpoint.resume(now)
                elif route == "scale-to-zero":
                    endpoint.scale_to_zero(now)
                elif route == "update":
                    apply_update(endpoint, request_body, now, self.update_delay)
            except ActionError as exc:
                raise _HTTPError(exc.status, exc.message) from None
            faults = self.faults.take_payload_faults(route, namespace, [name])
            payload, malformed = _corrupt(endpoint.payload(now), faults.get(name, []))
            self._vanish(namespace, faults)
        return _truncated_json(payload) if malformed else json.dumps(payload).encode()

    def _provider(self, namespace: str) -> dict[str, Any]:
        with self._lock:
            now = self.clock.now()
            used: dict[str, int] = {}
            for endpoint in self._namespaces[namespace].values():
                endpoint.settle(now)
                if endpoint.state in _QUOTA_STATES:
                    count = endpoint.compute.num_accelerators * endpoint.replicas
                    used[endpoint.compute.id] = used.get(endpoint.compute.id, 0) + count
        return provider_payload(used)

    def _admin(self, method: str, parts: list[str], body: Any) -> Any:
        """`/_fake/...`: JSON in, JSON out. No auth: loopback only, for tests and the demo."""
        if not isinstance(body, dict):
            raise _HTTPError(400, "admin routes take a JSON object")
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
        raise _HTTPError(404, "Not Found")

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
            raise _HTTPError(404, "Endpoint not found") from None
        raise _HTTPError(405, "Method Not Allowed")

    def _next_request_id(self) -> str:
        with self._lock:
            self._request_ids += 1
            return f"fake-{self._request_ids:06d}-{uuid.uuid4().hex[:8]}"


def _route_of(method: str, parts: list[str]) -> tuple[str, str | None, str | None]:
    """Map a request to (route name, namespace, endpoint name); route "other" when unknown."""
    if parts == ["api", "whoami-v2"] and method == "GET":
        return "whoami", None, None
    if len(parts) >= 3 and parts[:2] == ["v2", "endpoint"]:
        ns = parts[2]
        if len(parts) == 3 and method == "GET":
            return "list", ns, None
        if len(parts) == 4 and method in {"GET", "DELETE"}:
            return ("get" if method == "GET" else "delete"), ns, parts[3]
        if len(parts) == 4 and method == "PUT":
            return "update", ns, parts[3]
        if len(parts) == 5 and method == "POST" and parts[4] in _ACTIONS:
            return parts[4], ns, parts[3]
        if len(parts) == 5 and method == "GET" and parts[4] in {"replica", "open-metrics"}:
            return parts[4], ns, parts[3]
    if len(parts) == 3 and parts[:2] == ["v2", "provider"] and method == "GET":
        return "provider", parts[2], None
    return "other", None, None


class _Handler(BaseHTTPRequestHandler):
    """Parses one request, applies latency, auth and faults, dispatches, logs (never the headers)."""

    protocol_version = "HTTP/1.1"  # keep-alive: huggingface_hub reuses one connection
    server_version = "FakeEndpointsAPI/1"
    timeout = 30  # an idle keep-alive connection frees its thread after this long
    # Headers and body go out in separate writes; with Nagle on, delayed ACKs add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the request log is the record, and stderr noise would hide test output."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        api = self.server.api
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        if parts[:1] == ["_fake"]:
            self._answer_admin(api, method, parts[1:], raw_body)
            return
        route, namespace, name = _route_of(method, parts)
        self.request_body = raw_body  # the update route reads it
        status, body, content_type, headers = 500, b"", "application/json", {}
        try:
            if api.latency > 0:
                time.sleep(api.latency)
            status, body, content_type = self._serve(api, route, namespace, name, query)
        except _HTTPError as exc:
            status, body, headers = exc.status, json.dumps({"error": exc.message}).encode(), exc.headers
        except Exception as exc:  # a bug in the fake: answer 500 rather than drop the connection mid-test
            traceback.print_exc(file=sys.stderr)
            status, body = 500, json.dumps({"error": f"fake server error: {type(exc).__name__}"}).encode()
        headers["X-Request-Id"] = api._next_request_id()
        # Logged before sending: a client that reads the log right after its answer must find the request.
        api.log.record(LoggedRequest(
            method=method, path=url.path, query=redact_query(query), route=route, namespace=namespace,
            name=name, status=status, monotonic=time.monotonic(), at=iso_z(api.now())))
        self._send(status, body, content_type, headers)

    def _serve(self, api: FakeEndpointsAPI, route: str, namespace: str | None, name: str | None,
               query: Mapping[str, list[str]]) -> tuple[int, bytes, str]:
        if route == "other":
            # Includes /api/agent-harnesses: huggingface_hub fetches that registry once a day and swallows
            # errors, so a 404 is harmless and keeps the fake small.
            raise _HTTPError(404, "Not Found")
        authorization = self.headers.get("Authorization", "")
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            # Same text as the real API's 401; the header itself is never kept.
            raise _HTTPError(401, "A valid user or organization token, sent as a Bearer, is required")
        latency, fault = api.faults.take_request_faults(route, namespace, name)
        if latency:
            time.sleep(latency)
        if fault is not None:
            raise _fault_error(fault)
        if route == "whoami":
            return 200, json.dumps(api._whoami()).encode(), "application/json"
        assert namespace is not None
        api._check_namespace(namespace)
        if route == "list":
            return 200, api._list(namespace, query), "application/json"
        if route == "provider":
            return 200, json.dumps(api._provider(namespace)).encode(), "application/json"
        assert name is not None
        body = api._endpoint_route(route, namespace, name, self.request_body)
        if route == "open-metrics":
            return 200, body, "application/openmetrics-text; version=1.0.0; charset=utf-8"
        return 200, body, "application/json"

    def _answer_admin(self, api: FakeEndpointsAPI, method: str, parts: list[str], raw_body: bytes) -> None:
        try:
            body = json.loads(raw_body) if raw_body.strip() else {}
            status, answer = 200, api._admin(method, parts, body)
        except _HTTPError as exc:
            status, answer = exc.status, {"error": exc.message}
        except (ValueError, TypeError) as exc:
            status, answer = 400, {"error": str(exc)}
        self._send(status, json.dumps(answer).encode(), "application/json", {})

    def _send(self, status: int, body: bytes, content_type: str, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _fault_error(fault: Fault) -> _HTTPError:
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    if fault.rate_limit_reset is not None:
        # The Hub's IETF-draft headers; huggingface_hub's backoff waits `t` seconds when `r=0`.
        headers["RateLimit"] = f'"api";r=0;t={fault.rate_limit_reset}'
        headers["RateLimit-Policy"] = '"fixed window";"api";q=1000;w=300'
    message = fault.message or HTTPStatus(fault.status or 500).phrase
    return _HTTPError(fault.status or 500, message, headers)


def main(argv: list[str] | None = None) -> int:
    """`python -m watchdog.fakes.endpoints_api --fleet FILE`: serve in the foreground until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m watchdog.fakes.endpoints_api", description=__doc__.split("\n")[0])
    parser.add_argument("--fleet", default=str(demo_fleet_path()), help="fleet file (YAML or JSON); default: demo")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--page-size", type=int, default=None, help="server-side page size for the list route")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds of delay before every API answer")
    parser.add_argument("--now", default=None, help="start the fake clock at this ISO instant (default: now)")
    parser.add_argument("--frozen", action="store_true", help="do not let the fake clock follow real time")
    args = parser.parse_args(argv)
    clock = FakeClock(parse_instant(args.now) if args.now else None, ticking=not args.frozen)
    api = FakeEndpointsAPI.from_fleet_file(args.fleet, clock, port=args.port, page_size=args.page_size,
                                           latency=args.latency)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with api:
        print(api.base_url, flush=True)
        print(f"fake Endpoints API for {api.fleet.endpoint_count} endpoints; Endpoints API base {api.api_url}; "
              "Ctrl-C to stop", file=sys.stderr, flush=True)
        try:
            while not stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
