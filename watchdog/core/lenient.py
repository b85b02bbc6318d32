"""Typed reads of an API answer that never raise and say what they had to tolerate (pure).

The API is only partly documented, so every field is read by its dotted path with the type it should have. A
missing or null field reads as "absent" (optional fields are often omitted); a field of the wrong type, or nested
one level deeper or shallower than expected, reads as absent *and* leaves a note naming the path, e.g.
`status.readyReplica is str ('1'), not an integer: ignored`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

_MISSING = object()


def section(value: Any, key: str) -> Mapping[str, Any]:
    """`value[key]` when both are JSON objects, else an empty mapping (never raises)."""
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def kind(value: Any) -> str:
    """A short name for a JSON value's type: null, bool, int, float, str, list, object."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def preview(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@functools.lru_cache(maxsize=256)
def _keys(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


# Replica counts and timeout minutes are small (the API caps a timeout at 48h = 2,880 min): a count past this
# is a broken answer, not a fleet (`maxReplica: 1e30` was once printed as a 31-digit replica ceiling).
MAX_COUNT = 1_000_000


class Reader:
    """Reads one JSON object by dotted paths; `tolerated` collects what was wrong."""

    def __init__(self, root: Any):
        self.root = root if isinstance(root, Mapping) else {}
        self.tolerated: list[str] = []

    def _get(self, path: str) -> Any:
        node: Any = self.root
        for key in _keys(path):
            # JSON objects are dicts: test that first, the abstract Mapping check is slow on a large fleet.
            if type(node) is not dict and not isinstance(node, Mapping):
                return _MISSING  # the parent was already reported
            node = node.get(key, _MISSING)
            if node is _MISSING:
                return _MISSING
        return node

    def _wrong(self, path: str, value: Any, expected: str) -> None:
        self.tolerated.append(f"{path} is {kind(value)} ({preview(value)}), not {expected}: ignored")

    def obj(self, path: str, *, fields: tuple[str, ...] = ()) -> Mapping[str, Any]:
        """The object at `path`; when it is absent but some of its `fields` sit in its parent, that is said."""
        value = self._get(path)
        if value is _MISSING or value is None:
            parent_path, _, _ = path.rpartition(".")
            parent = self._get(parent_path) if parent_path else self.root
            stray = sorted(f for f in fields if isinstance(parent, Mapping) and f in parent)
            if stray:
                where = parent_path or "the top level"
                self.tolerated.append(f"{path} is {'missing' if value is _MISSING else 'null'} but its fields "
                                      f"({', '.join(stray)}) are in {where}, one level up: not read from there")
            return {}
        if not isinstance(value, Mapping):
            self._wrong(path, value, "an object")
            return {}
        if fields and not any(f in value for f in fields):
            holders = sorted(str(k) for k, v in value.items() if isinstance(v, Mapping) and any(f in v for f in fields))
            if holders:
                self.tolerated.append(f"{path} has none of its fields ({', '.join(fields)}) but {holders[0]!r} holds "
                                      "them, one level deeper: not read from there")
        return value

    def text(self, path: str) -> str | None:
        value = self._get(path)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, str):
            self._wrong(path, value, "a string")
            return None
        return value

    def count(self, path: str) -> int | None:
        """A non-negative integer (replica counts, minutes); `2.0` is read as 2."""
        value = self._get(path)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, float) and value.is_integer() and 0 <= value <= MAX_COUNT:
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            self._wrong(path, value, f"a non-negative integer up to {MAX_COUNT:,}")
            return None
        return value

    def strings(self, path: str) -> tuple[str, ...]:
        value = self._get(path)
        if value is _MISSING or value is None:
            return ()
        if not isinstance(value, list):
            self._wrong(path, value, "a list of strings")
            return ()
        good = tuple(item for item in value if isinstance(item, str))
        if len(good) != len(value):
            self.tolerated.append(f"{path} has {len(value) - len(good)} item(s) that are not strings: skipped")
        return good

    def raw(self, path: str) -> Any:
        """The value as sent (None when missing), for callers that check it themselves."""
        value = self._get(path)
        return None if value is _MISSING else value
