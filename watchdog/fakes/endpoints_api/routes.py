"""The API routes of the fake: what each answers, under the faults and answer shapes in force."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from watchdog.fakes.api_facts import QUOTA_STATES
from watchdog.fakes.endpoint_state import ActionError, LiveEndpoint
from watchdog.fakes.endpoint_update import apply_update
from watchdog.fakes.endpoints_api.errors import HTTPError
from watchdog.fakes.endpoints_api.payload_faults import corrupt, truncated_json
from watchdog.fakes.endpoints_api.shapes import (
    ShapeBook,
    action_answer,
    cursor_fields,
    price_answer,
    replica_answer,
    shape_endpoint,
)
from watchdog.fakes.faults import Fault, FaultBook
from watchdog.fakes.hardware import provider_payload

if TYPE_CHECKING:
    from watchdog.fakes.clock import FakeClock

MAX_LIMIT = 100  # largest page the list route serves, whatever `limit` asks
_START = "start"


def encode_cursor(after: str | None) -> str:
    """Opaque cursor: the page starts after the item named `after` (None: from the first item)."""
    text = _START if after is None else f"after:{after}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise HTTPError(400, "Bad Request: invalid cursor") from None
    if text == _START:
        return None
    if not text.startswith("after:"):
        raise HTTPError(400, "Bad Request: invalid cursor")
    return text[len("after:"):]


class Routes:
    """Route handlers, mixed into FakeEndpointsAPI (which owns the state these read)."""

    _lock: threading.RLock
    _namespaces: dict[str, dict[str, LiveEndpoint]]
    _deny: dict[str, int]
    clock: FakeClock
    faults: FaultBook
    shapes: ShapeBook
    page_size: int | None
    update_delay: int
    user: str

    def _endpoint(self, namespace: str, name: str) -> LiveEndpoint:
        raise NotImplementedError

    def _check_namespace(self, namespace: str) -> None:
        if namespace in self._deny:
            if self._deny[namespace] == 403:
                raise HTTPError(403, f"Forbidden: this token has no inference.endpoints.write permission "
                                     f"on namespace {namespace}")
            raise HTTPError(401, f"Unauthorized: either no billing or no access to namespace {namespace}")
        if namespace not in self._namespaces:
            # The real API answers 401 for an org you cannot access (huggingface_hub PR #1779 comment).
            raise HTTPError(401, f"Unauthorized: either no billing or no access to namespace {namespace}")

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

    def _served(self, namespace: str, endpoint: LiveEndpoint, faults: list[Fault]) -> tuple[dict[str, Any], bool]:
        """One endpoint's JSON as served now: payload faults, then the answer shapes of its scope."""
        payload, malformed = corrupt(endpoint.payload(self.clock.now()), faults)
        return shape_endpoint(payload, self.shapes.resolve(namespace, endpoint.name)), malformed

    def _list(self, namespace: str, query: Mapping[str, list[str]]) -> bytes:
        limit = self.page_size
        shapes = self.shapes.resolve(namespace)
        if "limit" in query and shapes.limit in ("400", "422"):
            status = int(shapes.limit)
            raise HTTPError(status, "Bad Request: unknown query parameter limit" if status == 400 else
                            "Unprocessable Entity: limit is not allowed here")
        if "limit" in query and shapes.limit != "ignored":
            try:
                limit = int(query["limit"][0])
            except ValueError:
                raise HTTPError(400, "Bad Request: limit must be an integer") from None
            if not 1 <= limit <= MAX_LIMIT:
                raise HTTPError(400, f"Bad Request: limit must be between 1 and {MAX_LIMIT}")
        paging = shapes.paging or "next"
        with self._lock:
            names = sorted(self._namespaces[namespace])
            start = 0
            if "cursor" in query and query["cursor"][0]:
                after = decode_cursor(query["cursor"][0])
                start = 0 if after is None else len([n for n in names if n <= after])
            end = len(names) if limit is None else start + limit
            page = names[start:end]
            if paging == "duplicates" and start > 0 and page:
                page = [names[start - 1], *page]  # the previous page's last item, again
            next_cursor = encode_cursor(names[end - 1]) if end < len(names) and page else None
            prev_cursor = None
            if start > 0 and limit is not None:
                prev_start = max(0, start - limit)
                prev_cursor = encode_cursor(names[prev_start - 1] if prev_start > 0 else None)
            faults = self.faults.take_payload_faults("list", namespace, page)
            items, malformed = [], False
            for name in page:
                payload, bad = self._served(namespace, self._endpoint(namespace, name), faults.get(name, []))
                items.append(payload)
                malformed = malformed or bad
            self._vanish(namespace, faults)
        body: dict[str, Any] = {"items": items, **cursor_fields(paging, next_cursor, prev_cursor)}
        return truncated_json(body) if malformed else json.dumps(body).encode()

    def _vanish(self, namespace: str, faults: Mapping[str, list[Fault]]) -> None:
        for name, found in faults.items():
            if any(f.disappear for f in found):
                self._namespaces[namespace].pop(name, None)

    def _endpoint_route(self, route: str, namespace: str, name: str,
                        request_body: bytes = b"") -> tuple[int, bytes, str]:
        shapes = self.shapes.resolve(namespace, name)
        with self._lock:
            now = self.clock.now()
            try:
                endpoint = self._endpoint(namespace, name)
            except KeyError:
                raise HTTPError(404, "Endpoint not found") from None
            if route == "delete":
                del self._namespaces[namespace][name]
                return 200, b"{}", "application/json"
            if route == "replica":
                return 200, json.dumps(replica_answer(endpoint.replica_items(), shapes)).encode(), "application/json"
            if route == "open-metrics":
                if not endpoint.spec.open_metrics:
                    raise HTTPError(403, "Forbidden: open metrics are available on Team and Enterprise plans")
                return (200, endpoint.open_metrics(now).encode(),
                        "application/openmetrics-text; version=1.0.0; charset=utf-8")
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
                raise HTTPError(exc.status, exc.message) from None
            faults = self.faults.take_payload_faults(route, namespace, [name])
            payload, malformed = self._served(namespace, endpoint, faults.get(name, []))
            self._vanish(namespace, faults)
        if malformed:
            return 200, truncated_json(payload), "application/json"
        if route == "get":
            return 200, json.dumps(payload).encode(), "application/json"
        return action_answer(payload, shapes)

    def _provider(self, namespace: str) -> dict[str, Any]:
        with self._lock:
            now = self.clock.now()
            used: dict[str, int] = {}
            for endpoint in self._namespaces[namespace].values():
                endpoint.settle(now)
                if endpoint.state in QUOTA_STATES:
                    count = endpoint.compute.num_accelerators * endpoint.replicas
                    used[endpoint.compute.id] = used.get(endpoint.compute.id, 0) + count
        return price_answer(provider_payload(used), self.shapes.resolve(namespace))
