"""Payload faults (`Fault(payload=...)`) applied to the endpoint JSON about to be served."""

from __future__ import annotations

import json
from typing import Any

from watchdog.fakes.faults import Fault


def _drop_path(payload: dict[str, Any], dotted: str) -> None:
    node: Any = payload
    *parents, leaf = dotted.split(".")
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(leaf, None)


def corrupt(payload: dict[str, Any], faults: list[Fault]) -> tuple[dict[str, Any], bool]:
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


def truncated_json(data: Any) -> bytes:
    text = json.dumps(data)
    return text[: max(1, len(text) // 2)].encode()  # cut mid-object: never valid JSON
