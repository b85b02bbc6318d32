"""Answer shapes the real API leaves open, switchable per server, per namespace or per endpoint.

The reference documents some answers only partly (the replica list's wrapper, timestamp forms, what an action
answers, which price-list fields are always there, how paging cursors are labelled), so the fake can serve each
plausible shape on demand. Defaults are the shapes huggingface_hub 2.4 parses; every switch is one of the
alternatives below. Set them with `FakeEndpointsAPI(shapes=...)`, `api.set_shapes(namespace=, name=, **switches)`
or `POST /_fake/shapes {"namespace": ..., "name": ..., "replicas": "replicas"}`; the most specific one wins.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from watchdog.fakes.clock import parse_instant

# `GET .../replica`: the spec names the item (`ReplicaStatus`) but not the wrapper.
REPLICA_SHAPES = ("items", "replicas", "bare", "unknown")
# Every RFC 3339 form a server may plausibly send (the default is what huggingface_hub's parser requires).
TIMESTAMP_FORMS = ("millis-z", "z", "nanos-z", "micros-offset", "offset", "negative-offset", "positive-offset",
                   "lowercase", "space")
# What `POST .../pause|resume|scale-to-zero` answers with a 2xx.
ACTION_ANSWERS = ("endpoint", "unparseable", "empty", "empty-object", "text", "accepted")
# `GET /v2/provider/{ns}`: "sloppy" drops quota, architecture and memory figures and adds unreadable entries.
PRICE_SHAPES = ("full", "sloppy")
# List paging: the one spec documenting cursors describes nextCursor/prevCursor the wrong way round.
PAGING = ("next", "both", "prev-only", "swapped", "no-cursor", "duplicates")
# The list route's `limit` (documented "Max results (default: 20)", no maximum stated): served up to MAX_LIMIT
# ("honored"), ignored for the server's own page size ("ignored", as a server that clamps silently), or refused
# whatever its value ("400", "422", as a version of the API that does not know the parameter).
LIMIT = ("honored", "ignored", "400", "422")
EDIT_OPS = ("drop", "null", "set", "rename", "wrap", "unwrap")
TIMESTAMP_KEYS = frozenset({"createdAt", "updatedAt", "lastUsedAt", "startedAt", "stoppedAt"})


@dataclass(frozen=True)
class Edit:
    """One change to every endpoint JSON served in scope (list items, get, action answers).

    `drop` removes `path`; `null` sets it to null; `set` sets it to `value`; `rename` moves it to `to`; `wrap`
    nests the value one level deeper (`{"value": v}`); `unwrap` lifts a mapping's keys into its parent (one level
    shallower). Paths are dotted: `status.lastUsedAt`.
    """

    op: str
    path: str
    value: Any = None
    to: str | None = None

    def __post_init__(self) -> None:
        if self.op not in EDIT_OPS:
            raise ValueError(f"unknown edit op {self.op!r}; one of {', '.join(EDIT_OPS)}")
        if not self.path:
            raise ValueError("an edit needs a path")
        if self.op == "rename" and not self.to:
            raise ValueError("a rename needs `to`")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Edit:
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown edit key(s): {', '.join(unknown)}")
        return cls(**data)

    def apply(self, payload: dict[str, Any]) -> None:
        parent, leaf = _parent(payload, self.path)
        if parent is None or (leaf not in parent and self.op != "set"):
            return
        if self.op == "drop":
            parent.pop(leaf, None)
        elif self.op == "null":
            parent[leaf] = None
        elif self.op == "set":
            parent[leaf] = json.loads(json.dumps(self.value))
        elif self.op == "rename":
            value = parent.pop(leaf)
            target, new_leaf = _parent(payload, str(self.to))
            if target is not None:
                target[new_leaf] = value
        elif self.op == "wrap":
            parent[leaf] = {"value": parent[leaf]}
        elif self.op == "unwrap":
            value = parent[leaf]
            if isinstance(value, dict):
                del parent[leaf]
                parent.update(value)
            elif isinstance(value, list):
                parent[leaf] = value[0] if value else None


def _parent(payload: dict[str, Any], dotted: str) -> tuple[dict[str, Any] | None, str]:
    node: Any = payload
    *parents, leaf = dotted.split(".")
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    return (node if isinstance(node, dict) else None), leaf


@dataclass(frozen=True)
class Shapes:
    """Answer-shape switches; `None` inherits from the wider scope (endpoint → namespace → server → defaults)."""

    replicas: str | None = None
    timestamps: str | None = None
    endpoint: tuple[Edit, ...] | None = None
    actions: str | None = None
    prices: str | None = None
    unpriced: tuple[str, ...] | None = None  # compute ids served without `pricePerHour`
    paging: str | None = None
    limit: str | None = None

    def __post_init__(self) -> None:
        for name, allowed in (("replicas", REPLICA_SHAPES), ("timestamps", TIMESTAMP_FORMS),
                              ("actions", ACTION_ANSWERS), ("prices", PRICE_SHAPES), ("paging", PAGING),
                              ("limit", LIMIT)):
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise ValueError(f"unknown {name} shape {value!r}; one of {', '.join(allowed)}")
        if self.endpoint is not None:
            edits = tuple(e if isinstance(e, Edit) else Edit.from_dict(e) for e in self.endpoint)
            object.__setattr__(self, "endpoint", edits)
        if self.unpriced is not None:
            object.__setattr__(self, "unpriced", tuple(self.unpriced))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Shapes:
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown shape switch(es): {', '.join(unknown)}")
        return cls(**data)

    def over(self, wider: Shapes) -> Shapes:
        """These switches, falling back to `wider` where unset."""
        return replace(wider, **{f.name: getattr(self, f.name) for f in fields(self)
                                 if getattr(self, f.name) is not None})


DEFAULT_SHAPES = Shapes(replicas="items", timestamps="millis-z", endpoint=(), actions="endpoint", prices="full",
                        unpriced=(), paging="next", limit="honored")


class ShapeBook:
    """The switches set per scope: (None, None) the server, (ns, None) a namespace, (ns, name) one endpoint."""

    def __init__(self, server: Shapes | Mapping[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._scopes: dict[tuple[str | None, str | None], Shapes] = {}
        if server is not None:
            self.set(None, None, server)

    def set(self, namespace: str | None, name: str | None, shapes: Shapes | Mapping[str, Any]) -> None:
        if name is not None and namespace is None:
            raise ValueError("an endpoint scope needs its namespace")
        new = shapes if isinstance(shapes, Shapes) else Shapes.from_dict(shapes)
        with self._lock:
            old = self._scopes.get((namespace, name), Shapes())
            self._scopes[(namespace, name)] = new.over(old)

    def clear(self) -> None:
        with self._lock:
            self._scopes.clear()

    def resolve(self, namespace: str | None = None, name: str | None = None) -> Shapes:
        with self._lock:
            scopes: list[tuple[str | None, str | None]] = [(None, None)]
            if namespace is not None:
                scopes.append((namespace, None))
                if name is not None:
                    scopes.append((namespace, name))
            result = DEFAULT_SHAPES
            for scope in scopes:
                if scope in self._scopes:
                    result = self._scopes[scope].over(result)
            return result

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"namespace": ns, "name": name, **{k: v for k, v in asdict(s).items() if v is not None}}
                    for (ns, name), s in self._scopes.items()]


# -- applying them ----------------------------------------------------------------------------------------------


def format_instant(moment: datetime, form: str) -> str:
    """One instant in one of TIMESTAMP_FORMS (all RFC 3339, all the same instant)."""
    utc = moment.astimezone(UTC)
    base = utc.strftime("%Y-%m-%dT%H:%M:%S")
    millis = f".{utc.microsecond // 1000:03d}"
    if form == "millis-z":
        return base + millis + "Z"
    if form == "z":
        return base + "Z"
    if form == "nanos-z":
        return base + f".{utc.microsecond:06d}123Z"
    if form == "micros-offset":
        return base + f".{utc.microsecond:06d}+00:00"
    if form == "offset":
        return base + millis + "+00:00"
    if form in ("negative-offset", "positive-offset"):
        offset = timedelta(hours=-5) if form == "negative-offset" else timedelta(hours=5, minutes=30)
        local = utc.astimezone(timezone(offset))
        return local.isoformat(timespec="milliseconds")
    if form == "lowercase":
        return (base + millis + "z").replace("T", "t")
    if form == "space":
        return (base + millis + "Z").replace("T", " ")
    raise ValueError(f"unknown timestamp form {form!r}")


def restamp(node: Any, form: str) -> Any:
    """Rewrite every timestamp the fake wrote (`...Z`) into `form`, in place."""
    if form == "millis-z":
        return node
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TIMESTAMP_KEYS and isinstance(value, str):
                node[key] = format_instant(parse_instant(value), form)
            else:
                restamp(value, form)
    elif isinstance(node, list):
        for item in node:
            restamp(item, form)
    return node


def shape_endpoint(payload: dict[str, Any], shapes: Shapes) -> dict[str, Any]:
    """An endpoint JSON as served under `shapes`: edits applied, timestamps in the chosen form."""
    for edit in shapes.endpoint or ():
        edit.apply(payload)
    return restamp(payload, shapes.timestamps or "millis-z")


def replica_answer(items: list[dict[str, Any]], shapes: Shapes) -> Any:
    """The `/replica` answer around its items."""
    items = restamp(items, shapes.timestamps or "millis-z")
    if shapes.replicas == "replicas":
        return {"replicas": items}
    if shapes.replicas == "bare":
        return items
    if shapes.replicas == "unknown":
        return {"pods": items, "count": len(items)}
    return {"items": items}


def action_answer(payload: dict[str, Any], shapes: Shapes) -> tuple[int, bytes, str]:
    """(status, body, content type) of a successful pause, resume or scale-to-zero."""
    kind = shapes.actions or "endpoint"
    if kind == "unparseable":
        # What huggingface_hub 2.4's strict parser trips on: no model.task (KeyError), `+00:00` (ValueError).
        model = payload.get("model")
        if isinstance(model, dict):
            model.pop("task", None)
        return 200, json.dumps(restamp(payload, "offset")).encode(), "application/json"
    if kind == "empty":
        return 200, b"", "application/json"
    if kind == "empty-object":
        return 200, b"{}", "application/json"
    if kind == "text":
        return 200, b"OK", "text/plain; charset=utf-8"
    if kind == "accepted":
        return 202, json.dumps({"message": "Request accepted"}).encode(), "application/json"
    return 200, json.dumps(payload).encode(), "application/json"


_SLOPPY_DROPS = ("quota", "architecture", "memoryGb", "gpuMemoryGb", "numCpus")


def price_answer(payload: dict[str, Any], shapes: Shapes) -> dict[str, Any]:
    """The provider list under `shapes`: sloppy entries, junk entries, computes without a price."""
    unpriced = set(shapes.unpriced or ())
    for vendor in payload.get("vendors", []):
        for region in vendor.get("regions", []):
            computes = region.get("computes", [])
            for compute in computes:
                if compute.get("id") in unpriced:
                    compute.pop("pricePerHour", None)
                if shapes.prices == "sloppy":
                    for key in _SLOPPY_DROPS:
                        compute.pop(key, None)
            if shapes.prices == "sloppy" and computes:
                computes.append("not-a-compute")
                computes.append({"accelerator": "gpu", "pricePerHour": 1.0})  # no id
    return payload


def cursor_fields(paging: str, next_cursor: str | None, prev_cursor: str | None) -> dict[str, str]:
    """The cursor keys of one list page, labelled the way `paging` says."""
    if paging == "no-cursor":
        return {}
    if paging == "both":
        return {k: v for k, v in (("nextCursor", next_cursor), ("prevCursor", prev_cursor)) if v}
    if paging == "prev-only":
        return {"prevCursor": next_cursor} if next_cursor else {}
    if paging == "swapped":
        return {k: v for k, v in (("prevCursor", next_cursor), ("nextCursor", prev_cursor)) if v}
    return {"nextCursor": next_cursor} if next_cursor else {}
