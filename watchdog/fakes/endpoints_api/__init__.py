"""A faithful loopback fake of the Hugging Face Inference Endpoints management API (stdlib HTTP server).

One server plays both hosts: give the watchdog `{base_url}/v2` as the Endpoints API base and `{base_url}`
as `HF_ENDPOINT` (the Hub, for whoami). Routes:

    GET    /api/whoami-v2                       {"type":"user","name":user,"orgs":[{"name":...}],"auth":{...}}
    GET    /api/agent-harnesses                 404 (huggingface_hub fetches it once; errors are swallowed)
    GET    /v2/endpoint/{ns}?limit=&cursor=     {"items":[...], "nextCursor"?} (paging shapes: see shapes.py)
    GET    /v2/endpoint/{ns}/{name}             EndpointWithStatus, or 404 {"error":"Endpoint not found"}
    DELETE /v2/endpoint/{ns}/{name}             200 {}
    POST   /v2/endpoint/{ns}/{name}/pause       EndpointWithStatus (likewise resume, scale-to-zero)
    GET    /v2/endpoint/{ns}/{name}/replica     {"items":[{"name","live","updating","stage","startedAt",
                                                 "stoppedAt"?,"exitCode"?}]}  (empty when not billable)
    GET    /v2/endpoint/{ns}/{name}/open-metrics text/plain OpenMetrics; 403 when the plan lacks it
    GET    /v2/provider/{ns}                    {"vendors":[{"name","status","regions":[{..."computes":[...]}]}]}
    *      /_fake/...                           admin: clock, faults, shapes, config, request log, state, traffic

Shapes the real API leaves open are switchable (`shapes.py`: replica wrapper, timestamp forms, endpoint fields
missing/null/renamed/re-wrapped, action answers, sloppy price entries, paging quirks); by default:
- The replica route's item shape follows the spec's `ReplicaStatus {live, updating, stage, startedAt?,
  stoppedAt?, exitCode?}` wrapped in `{"items": [...]}`; `startedAt` is the start of the billable stretch.
- A namespace the fleet does not hold answers 401, as the real API does for an org you cannot access (or
  without billing); a namespace marked `deny: 403` answers 403, as for user-only tokens on an org.
- Pagination: items sorted by name; `limit` (1..100) or the server's `page_size` bounds a page; the opaque
  `nextCursor` names the last item served, so deleting endpoints between pages never skips one. The `limit`
  shape switch makes the route ignore `limit` (its own page size applies) or refuse it with 400 or 422.
- The fake's own tables (states, billing, quota) live in `watchdog/fakes/api_facts.py`, never imported from
  the product, so a wrong table in the product fails a test instead of being mirrored here.
- `/v2` routes need `Authorization: Bearer <anything>` (401 otherwise). The token is never stored, logged
  or echoed; the request log keeps method, path, route, status and times only.
"""

from __future__ import annotations

from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api.cli import main
from watchdog.fakes.endpoints_api.handler import _Handler
from watchdog.fakes.endpoints_api.routes import MAX_LIMIT
from watchdog.fakes.endpoints_api.server import FakeEndpointsAPI
from watchdog.fakes.endpoints_api.shapes import Edit, Shapes
from watchdog.fakes.faults import Fault
from watchdog.fakes.fleet import demo_fleet_path, fleet_from_dict, load_fleet, synthetic_fleet

__all__ = [
           "MAX_LIMIT",
           "Edit",
           "FakeClock",
           "FakeEndpointsAPI",
           "Fault",
           "Shapes",
           "_Handler",
           "demo_fleet_path",
           "fleet_from_dict",
           "load_fleet",
           "main",
           "synthetic_fleet",
]
