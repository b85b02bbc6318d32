"""Systematic variations of a JSON payload: every field removed, null, of the wrong type, one level deeper or
shallower, and unknown extra fields at every level."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

OPS = ("removed", "null", "wrong-type", "deeper", "shallower", "extra")
EXTRA = {"nested": [1, "two", None, {"deep": True}]}


@dataclass(frozen=True)
class Mutation:
    path: tuple[str | int, ...]
    op: str

    @property
    def dotted(self) -> str:
        return ".".join(str(p) for p in self.path)

    @property
    def leaf(self) -> str:
        return str(self.path[-1]) if self.path else ""

    def __str__(self) -> str:
        return f"{self.op}:{self.dotted or '<root>'}"


def paths(node: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every key (and list index) path below `node`, parents before children."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


def wrong_type(value: Any) -> Any:
    """A plausible value of another JSON type."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 42
    if isinstance(value, list):
        return ",".join(map(str, value)) or "none"
    if isinstance(value, dict):
        return "see-docs"
    return {"unexpected": True}


def mutations(payload: Any, *, ops: tuple[str, ...] = OPS) -> list[Mutation]:
    found: list[Mutation] = []
    if "extra" in ops and isinstance(payload, dict):
        found.append(Mutation((), "extra"))
    for path in paths(payload):
        value = get(payload, path)
        for op in ops:
            if op == "shallower" and not isinstance(value, (dict, list)):
                continue
            if op == "extra" and not isinstance(value, dict):
                continue
            if op == "null" and value is None:
                continue
            found.append(Mutation(path, op))
    return found


def get(node: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def apply(payload: Any, mutation: Mutation) -> Any:
    """A mutated deep copy of `payload`."""
    data = copy.deepcopy(payload)
    if not mutation.path:
        if mutation.op == "extra":
            data["zz_unknown_field"] = copy.deepcopy(EXTRA)
        return data
    parent = get(data, mutation.path[:-1])
    key = mutation.path[-1]
    value = parent[key]
    if mutation.op == "removed":
        del parent[key]
    elif mutation.op == "null":
        parent[key] = None
    elif mutation.op == "wrong-type":
        parent[key] = wrong_type(value)
    elif mutation.op == "deeper":
        parent[key] = {"value": value}
    elif mutation.op == "shallower":
        if isinstance(value, dict) and isinstance(parent, dict):
            del parent[key]
            for child, inner in value.items():
                parent.setdefault(child, inner)
        elif isinstance(value, list):
            parent[key] = value[0] if value else None
        elif isinstance(value, dict):
            parent[key] = next(iter(value.values()), None)
        # A scalar or null has no level to remove (an earlier mutation may have nulled it): left as it is.
    elif mutation.op == "extra" and isinstance(value, dict):
        value["zz_unknown_field"] = copy.deepcopy(EXTRA)
    return data
