"""The endpoint JSON read leniently into the static part of a snapshot: identity, configuration and status (pure).

Every field goes through `core/lenient.py`: a wrong type reads as absent and is listed in `tolerated`. What the
policy matches on and could not be read is named too (`unreadable_match_fields`), and `validate_raw` says when
the answer is too broken to act on at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from watchdog.core.lenient import Reader, kind, preview
from watchdog.core.model import KNOWN_STATES, EndpointSnapshot, EndpointState
from watchdog.core.timestamps import has_offset, parse_timestamp


def _state(value: Any) -> EndpointState | str:
    """A documented state as the enum; the API's own text for one the watchdog does not know."""
    text = value if isinstance(value, str) and value else "unknown"
    return EndpointState(text) if text in KNOWN_STATES else text


# The objects of an endpoint JSON the watchdog reads, and the fields it reads in each: a section that is missing
# while its fields sit one level up is said (nested one level shallower), not silently read as absent.
_SECTIONS = {
    "status": ("state", "createdAt", "updatedAt", "readyReplica", "targetReplica", "url", "lastUsedAt"),
    "compute": ("id", "instanceType", "scaling"),
    "compute.scaling": ("minReplica", "maxReplica", "scaleToZeroTimeout"),
    "model": ("repository", "revision", "task"),
    "provider": ("vendor", "region"),
}


def describe_raw(raw: Mapping[str, Any], namespace: str) -> EndpointSnapshot:
    """The static part of a snapshot: identity, config and status, with no measurements yet.

    Every field is read leniently (`core/lenient.py`): a wrong type reads as absent and is listed in `tolerated`.
    """
    read = Reader(raw)
    for path, fields in _SECTIONS.items():
        read.obj(path, fields=fields)
    name = read.raw("name")
    state = read.raw("status.state")
    last_used = read.raw("status.lastUsedAt")
    if last_used is not None and parse_timestamp(last_used) is None:
        read.tolerated.append(f"status.lastUsedAt is not an RFC 3339 timestamp ({preview(last_used)}): ignored")
    for key in ("createdAt", "updatedAt", "lastUsedAt"):
        value = read.raw(f"status.{key}")
        if isinstance(value, str) and parse_timestamp(value) is not None and not has_offset(value):
            read.tolerated.append(f"status.{key} has no offset ({preview(value)}): read as UTC")
    return EndpointSnapshot(
        namespace=namespace,
        name=name if isinstance(name, str) and name else "?",
        state=_state(state),
        repository=read.text("model.repository"),
        revision=read.text("model.revision"),
        task=read.text("model.task"),
        url=read.text("status.url"),
        instance=read.text("compute.id"),
        instance_type=read.text("compute.instanceType"),
        vendor=read.text("provider.vendor"),
        region=read.text("provider.region"),
        tags=read.strings("tags"),
        min_replicas=read.count("compute.scaling.minReplica"),
        max_replicas=read.count("compute.scaling.maxReplica"),
        scale_to_zero_timeout_minutes=read.count("compute.scaling.scaleToZeroTimeout"),
        ready_replicas=read.count("status.readyReplica"),
        target_replicas=read.count("status.targetReplica"),
        created_at=parse_timestamp(read.raw("status.createdAt")),
        updated_at=parse_timestamp(read.raw("status.updatedAt")),
        message=read.text("status.message"),
        tolerated=tuple(read.tolerated),
        unreadable_match_fields=_unreadable_match_fields(read),
    )


def describe_target(raw: Mapping[str, Any], namespace: str, name: str) -> EndpointSnapshot:
    """`describe_raw` of the endpoint a command named: the API answered the GET for `name`, so that is its name
    even when the answer's own is unreadable (a wrapped answer once read as `?` and escaped a `prod-*` rule)."""
    snapshot = describe_raw(raw, namespace)
    if "name" not in snapshot.unreadable_match_fields:
        return snapshot
    return replace(snapshot, name=name,
                   unreadable_match_fields=tuple(f for f in snapshot.unreadable_match_fields if f != "name"))


def _unreadable_match_fields(read: Reader) -> tuple[str, ...]:
    """The policy match fields the answer does not give in their documented form. The API documents all four as
    always present (`tags` may be `[]`), so a missing one is as unknown as a mistyped one; a rule that protects
    by `tag` must not be skipped because `tags` came as a string."""
    def text(path: str) -> bool:
        value = read.raw(path)
        return isinstance(value, str) and value != ""

    tags = read.raw("tags")
    readable = {
        "name": text("name"),
        "repository": text("model.repository"),
        "tag": isinstance(tags, list) and all(isinstance(tag, str) for tag in tags),
        "instance_type": text("compute.instanceType"),
    }
    return tuple(key for key, ok in readable.items() if not ok)


def validate_raw(raw: Any) -> str | None:
    """Why an endpoint payload cannot be trusted enough to act on, or None when it is sound."""
    if not isinstance(raw, Mapping):
        return f"endpoint payload is {kind(raw)}, not a JSON object"
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        return "endpoint payload has no name" + ("" if name is None else f" (name is {kind(name)} {preview(name)})")
    status = raw.get("status")
    if not isinstance(status, Mapping):
        return "endpoint payload has no status" + ("" if status is None else f" (status is {kind(status)})")
    state = status.get("state")
    if state is None:
        return "unknown state: status.state is missing"
    if not isinstance(state, str) or state not in KNOWN_STATES:
        detail = "" if isinstance(state, str) else f" (status.state is {kind(state)}, not a string)"
        return f"unknown state {preview(state)}{detail}"
    for key in ("createdAt", "updatedAt"):
        if parse_timestamp(status.get(key)) is None:
            return f"status.{key} is missing or not a timestamp ({preview(status.get(key))})"
    return None
