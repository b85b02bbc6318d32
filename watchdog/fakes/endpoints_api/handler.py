"""The HTTP side of the fake: parse a request, apply latency, auth and faults, dispatch, log (never the headers)."""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from watchdog.fakes.clock import iso_z
from watchdog.fakes.endpoints_api.errors import HTTPError
from watchdog.fakes.faults import Fault, LoggedRequest, redact_query

if TYPE_CHECKING:
    from watchdog.fakes.endpoints_api.server import FakeEndpointsAPI

ACTIONS = frozenset({"pause", "resume", "scale-to-zero"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Do not join handler threads on close: a client's idle keep-alive connection must not block stop().
    block_on_close = False
    api: FakeEndpointsAPI


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
        if len(parts) == 5 and method == "POST" and parts[4] in ACTIONS:
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
    server: Server

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
        parts = [unquote(p) for p in url.path.split("/") if p]
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        if parts[:1] == ["_fake"]:
            self._answer_admin(api, method, parts[1:], raw_body)
            return
        route, namespace, name = _route_of(method, parts)
        status, body, content_type, headers = 500, b"", "application/json", {}
        try:
            if api.latency > 0:
                time.sleep(api.latency)
            status, body, content_type = self._serve(api, route, namespace, name, query, raw_body)
        except HTTPError as exc:
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
               query: Mapping[str, list[str]], raw_body: bytes = b"") -> tuple[int, bytes, str]:
        if route == "other":
            # Includes /api/agent-harnesses: huggingface_hub fetches that registry once a day and swallows
            # errors, so a 404 is harmless and keeps the fake small.
            raise HTTPError(404, "Not Found")
        authorization = self.headers.get("Authorization", "")
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            # Same text as the real API's 401; the header itself is never kept.
            raise HTTPError(401, "A valid user or organization token, sent as a Bearer, is required")
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
        return api._endpoint_route(route, namespace, name, raw_body)  # the update route reads the body

    def _answer_admin(self, api: FakeEndpointsAPI, method: str, parts: list[str], raw_body: bytes) -> None:
        try:
            body = json.loads(raw_body) if raw_body.strip() else {}
            status, answer = 200, api.admin(method, parts, body)
        except HTTPError as exc:
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


def _fault_error(fault: Fault) -> HTTPError:
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    if fault.rate_limit_reset is not None:
        # The Hub's IETF-draft headers; huggingface_hub's backoff waits `t` seconds when `r=0`.
        headers["RateLimit"] = f'"api";r=0;t={fault.rate_limit_reset}'
        headers["RateLimit-Policy"] = '"fixed window";"api";q=1000;w=300'
    message = fault.message or HTTPStatus(fault.status or 500).phrase
    return HTTPError(fault.status or 500, message, headers)
