"""An independent, in-process stand-in for the Endpoints API, for the shape-fuzzing suite.

Written from the API reference in this file's own terms, sharing nothing with the bundled fake or the product:
it serves whatever payloads a test hands it, exactly as given, through `httpx2.MockTransport` plugged into
huggingface_hub's shared client (`set_client_factory`). No socket is opened: the addresses below point at a
loopback port nobody listens on, so even a request that escaped the mock would stay on this machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx2
from huggingface_hub.utils._http import hf_request_event_hook, set_client_factory

from watchdog.cli import Runtime

HUB = "http://127.0.0.1:9"
API = f"{HUB}/v2"
NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
NOW_ISO = "2026-11-23T02:17:00Z"
A10G = "aws-us-east-1-nvidia-a10g-x1"  # $1.00 per replica-hour in the price lists below
L4 = "gcp-us-east4-nvidia-l4-x1"  # $0.70


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def ago(**delta: float) -> str:
    return iso(NOW - timedelta(**delta))


def endpoint(name: str, *, state: str = "running", compute_id: str = A10G, last_used: str | None = ago(minutes=5),
             updated: str = ago(hours=1), min_replica: int = 0) -> dict[str, Any]:
    """An `EndpointWithStatus` as the reference's full example shows it (§2.1)."""
    vendor, region = ("aws", "us-east-1") if compute_id.startswith("aws") else ("gcp", "us-east4")
    status: dict[str, Any] = {
        "state": state, "message": "Endpoint is ready", "url": f"https://{name}.example.endpoints.huggingface.cloud",
        "readyReplica": 1, "targetReplica": 1, "createdAt": ago(days=10), "updatedAt": updated,
        "createdBy": {"id": "6273f303f6d63a28483fde12", "name": "alice"},
        "updatedBy": {"id": "6273f303f6d63a28483fde12", "name": "alice"}, "private": None, "errorMessage": None,
    }
    if last_used is not None:
        status["lastUsedAt"] = last_used
    return {
        "name": name, "type": "private", "healthRoute": "/health",
        "provider": {"vendor": vendor, "region": region},
        "compute": {"id": compute_id, "accelerator": "gpu",
                    "instanceType": compute_id.split("-", 2)[2].rsplit("-", 1)[0], "instanceSize": "x1",
                    "scaling": {"minReplica": min_replica, "maxReplica": 1, "scaleToZeroTimeout": 60,
                                "metric": "hardwareUsage", "measure": {"hardwareUsage": 80}}},
        "model": {"repository": "Qwen/Qwen2.5-7B-Instruct", "revision": "a09a35458c702b33eeacc393d103063234e8bc28",
                  "task": "text-generation", "framework": "pytorch",
                  "image": {"vLLM": {"url": "vllm/vllm-openai:v0.8.5", "port": 8000, "healthRoute": "/health"}},
                  "env": {"MAX_MODEL_LEN": "8192"}, "secrets": {"HF_TOKEN": None}, "args": [], "fromCatalog": False},
        "tags": ["team:nlp"], "cacheHttpResponses": False, "experimentalFeatures": {"cacheHttpResponses": False},
        "notifications": {"email": True, "push": False}, "route": None, "privateService": None,
        "status": status,
    }


def replicas(started: str = ago(hours=1)) -> dict[str, Any]:
    return {"items": [{"name": "r-1", "live": True, "updating": False, "stage": "running", "startedAt": started}]}


def metrics(count: float = 10) -> str:
    return ("# TYPE http_requests counter\n"
            f'http_requests{{replica_id="r-1",status_code="200"}} {count}\n'
            "# TYPE cpu_usage_percent gauge\ncpu_usage_percent{replica_id=\"r-1\"} 3.5\n# EOF\n")


def compute_entry(compute_id: str, price: float) -> dict[str, Any]:
    return {"id": compute_id, "accelerator": "gpu", "numAccelerators": 1, "numCpus": 7, "memoryGb": 30.0,
            "gpuMemoryGb": 24, "instanceType": "x", "instanceSize": "x1", "architecture": "Nvidia",
            "status": "available", "pricePerHour": price, "quota": {"maxAccelerators": 16, "usedAccelerators": 1}}


def provider(a10g: float = 1.0, l4: float = 0.7) -> dict[str, Any]:
    return {"vendors": [
        {"name": "aws", "status": "available", "regions": [{"name": "us-east-1", "label": "N. Virginia",
                                                            "status": "available",
                                                            "computes": [compute_entry(A10G, a10g)]}]},
        {"name": "gcp", "status": "available", "regions": [{"name": "us-east4", "label": "Virginia",
                                                            "status": "available",
                                                            "computes": [compute_entry(L4, l4)]}]},
    ]}


def whoami(name: str = "alice") -> dict[str, Any]:
    return {"type": "user", "name": name, "orgs": [{"name": "acme-ml"}],
            "auth": {"type": "access_token", "accessToken": {"displayName": "watchdog", "role": "fineGrained"}}}


Answer = Any  # a JSON-able value, or (status, bytes | str) for a raw answer


@dataclass
class ShapeService:
    """Per-namespace endpoint lists and per-route answers; anything not set gets the well-formed default."""

    endpoints: dict[str, list[Any]] = field(default_factory=dict)
    list_pages: dict[str, Answer] = field(default_factory=dict)  # ns -> list answer (replaces {"items": ...})
    replica_answers: dict[str, Answer] = field(default_factory=dict)  # "ns/name" -> answer
    metric_answers: dict[str, Answer] = field(default_factory=dict)  # "ns/name" -> text or (status, body)
    provider_answers: dict[str, Answer] = field(default_factory=dict)  # ns -> answer
    action_answers: dict[str, Answer] = field(default_factory=dict)  # "ns/name" -> answer to pause/resume/...
    whoami_answer: Answer = field(default_factory=whoami)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def posted(self, verb: str) -> set[str]:
        """`ns/name` of every endpoint that received this action."""
        return {path.split("/endpoint/", 1)[1].rsplit("/", 1)[0] for method, path in self.requests
                if method == "POST" and path.endswith("/" + verb)}

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        self.requests.append((request.method, path))
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return _json(401, {"error": "A valid user or organization token, sent as a Bearer, is required"})
        if path == "/api/whoami-v2":
            return _answer(self.whoami_answer)
        parts = [unquote(p) for p in path.split("/") if p]
        if parts[:2] == ["v2", "provider"] and len(parts) == 3:
            return _answer(self.provider_answers.get(parts[2], provider()))
        if parts[:2] != ["v2", "endpoint"] or len(parts) < 3:
            return _json(404, {"error": "Not Found"})
        ns = parts[2]
        if ns not in self.endpoints:
            return _json(401, {"error": f"Unauthorized: no access to namespace {ns}"})
        if len(parts) == 3:
            return _answer(self.list_pages.get(ns, {"items": self.endpoints[ns]}))
        name, key = parts[3], f"{ns}/{parts[3]}"
        found = [e for e in self.endpoints[ns] if isinstance(e, dict) and str(e.get("name")) == name]
        if not found:
            return _json(404, {"error": "Endpoint not found"})
        if len(parts) == 4:
            return _answer(found[0])
        route = parts[4]
        if route == "replica":
            return _answer(self.replica_answers.get(key, replicas()))
        if route == "open-metrics":
            return _answer(self.metric_answers.get(key, (200, metrics())))
        if route in ("pause", "resume", "scale-to-zero") and request.method == "POST":
            default = {**found[0], "status": {**found[0].get("status", {}),
                                              "state": {"pause": "paused", "resume": "initializing",
                                                        "scale-to-zero": "scaledToZero"}[route]}}
            return _answer(self.action_answers.get(key, default))
        return _json(404, {"error": "Not Found"})


def _json(status: int, body: Any) -> httpx2.Response:
    return httpx2.Response(status, content=json.dumps(body).encode(), headers={"content-type": "application/json"})


def _answer(answer: Answer) -> httpx2.Response:
    if isinstance(answer, tuple):
        status, body = answer
        data = body.encode() if isinstance(body, str) else body
        return httpx2.Response(status, content=data, headers={"content-type": "text/plain"})
    return _json(200, answer)


def runtime_for(service: ShapeService) -> Runtime:
    """A Runtime whose hub is the real EndpointsHub, its HTTP answered in-process by `service`."""
    from watchdog.adapters.hub import EndpointsHub

    def factory(settings: Any, runtime: Runtime) -> Any:
        hub = EndpointsHub(replace(settings, api_url=API, hub_url=HUB), sleep=lambda s: None,
                           monotonic=runtime.monotonic)
        def mock_client() -> httpx2.Client:
            return httpx2.Client(transport=httpx2.MockTransport(service.handle),
                                 event_hooks={"request": [hf_request_event_hook]}, timeout=5)

        mock_client.watchdog_mock = True  # type: ignore[attr-defined]  # tests/conftest.py resets it after the test
        set_client_factory(mock_client)
        return hub

    return Runtime(sleep=lambda seconds: None, hub_factory=factory)


def service_env(home: Any) -> dict[str, str]:
    from tests.inprocess import SENTINEL_TOKEN

    return {"HF_TOKEN": SENTINEL_TOKEN, "HF_ENDPOINT": HUB, "WATCHDOG_ENDPOINTS_API_URL": API,
            "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HOME": str(home / "hf-home"), "HOME": str(home)}


