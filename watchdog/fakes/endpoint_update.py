"""`PUT /v2/endpoint/{ns}/{name}` for the fake: the partial `EndpointUpdate` that `update_inference_endpoint` sends,
validated as the API does and merged into the endpoint. The fake's own view of the API (no product imports).

What `update_inference_endpoint(name, min_replica=, max_replica=, scale_to_zero_timeout=)` sends in huggingface_hub
2.4.0: `{"compute": {"scaling": {"minReplica": 0, "maxReplica": 2, "scaleToZeroTimeout": 60}}}`, only the fields given.

Choices where the real service is undocumented (reference: routes, "Update", states):
- a field outside the API's `EndpointUpdate` schema is a 400, as the API answers an invalid update; fields of the
  schema the fake does not model (model, route, instance, autoscaling metric...) are a 400 too, saying so, rather than
  a 200 that silently changed nothing;
- `scaleToZeroTimeout` outside 15..2880 minutes, a negative `minReplica`, `maxReplica` < 1 or a merged
  `minReplica` > `maxReplica` are a 400 and leave the endpoint untouched (and `running`);
- `scaleToZeroTimeout: null` removes the timeout (the library never sends null);
- `running` goes to `updating` (url kept, readyReplica 0, still billing) for `update_delay` seconds, then back to
  `running` with the new scaling; any other state keeps its state and takes the new settings;
- an update is a user action: it moves `updatedAt`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from watchdog.fakes.endpoint_state import ActionError, LiveEndpoint

DEFAULT_UPDATE_DELAY = 60  # simulated seconds in `updating` before `running` again
TIMEOUT_RANGE = (15, 2880)  # minutes, as the API checks `scaleToZeroTimeout`

# Every field of the API's EndpointUpdate, as dotted paths; the first four are the ones the fake applies.
_APPLIED = ("compute.scaling.minReplica", "compute.scaling.maxReplica", "compute.scaling.scaleToZeroTimeout", "tags")
_NOT_MODELLED = (
    "compute.accelerator", "compute.instanceType", "compute.instanceSize", "compute.scaling.metric",
    "compute.scaling.measure", "compute.scaling.threshold", "model", "route", "cacheHttpResponses",
    "experimentalFeatures",
)
_OBJECTS = ("compute", "compute.scaling")  # nested objects of the update (anything deeper is a leaf value)


def _bad(message: str) -> ActionError:
    return ActionError(400, f"Bad Request: {message}")


def _flatten(node: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if path in _OBJECTS:
            if not isinstance(value, Mapping):
                raise _bad(f"{path} must be an object")
            fields.update(_flatten(value, path + "."))
        else:
            fields[path] = value
    return fields


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_update(body: bytes) -> dict[str, Any]:
    """The update's fields by dotted path; raises a 400 ActionError for what the API would refuse."""
    try:
        data = json.loads(body or b"null")
    except ValueError:
        raise _bad("the body is not valid JSON") from None
    if not isinstance(data, Mapping):
        raise _bad("expected an EndpointUpdate object")
    fields = _flatten(data)
    for path in fields:
        top = path.split(".")[0]
        if path in _APPLIED:
            continue
        if path in _NOT_MODELLED or top in _NOT_MODELLED:
            raise _bad(f"the fake Endpoints API does not apply {path} updates (only scaling and tags)")
        raise _bad(f"unknown field {path!r} in EndpointUpdate")
    minimum = fields.get("compute.scaling.minReplica")
    if minimum is not None and (not _whole(minimum) or minimum < 0):
        raise _bad("minReplica must be an integer >= 0")
    maximum = fields.get("compute.scaling.maxReplica")
    if maximum is not None and (not _whole(maximum) or maximum < 1):
        raise _bad("maxReplica must be an integer >= 1")
    timeout = fields.get("compute.scaling.scaleToZeroTimeout")
    low, high = TIMEOUT_RANGE
    if timeout is not None and (not _whole(timeout) or not low <= timeout <= high):
        raise _bad(f"scaleToZeroTimeout must be between {low} and {high} minutes")
    tags = fields.get("tags")
    if "tags" in fields and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
        raise _bad("tags must be a list of strings")
    return fields


def apply_update(endpoint: LiveEndpoint, body: bytes, now: datetime, delay: float) -> None:
    """Validate `body` and merge it into `endpoint` (nothing changes when it is refused)."""
    fields = parse_update(body)
    spec = endpoint.spec
    changes: dict[str, Any] = {}
    if "compute.scaling.minReplica" in fields:
        changes["min_replica"] = fields["compute.scaling.minReplica"]
    if "compute.scaling.maxReplica" in fields:
        changes["max_replica"] = fields["compute.scaling.maxReplica"]
    if "compute.scaling.scaleToZeroTimeout" in fields:
        changes["scale_to_zero_timeout"] = fields["compute.scaling.scaleToZeroTimeout"]
    if "tags" in fields:
        changes["tags"] = tuple(fields["tags"])
    new_spec = replace(spec, **changes)
    if new_spec.min_replica > new_spec.max_replica:
        raise _bad(f"minReplica ({new_spec.min_replica}) must not exceed maxReplica ({new_spec.max_replica})")
    endpoint.reconfigure(now, new_spec, delay)
