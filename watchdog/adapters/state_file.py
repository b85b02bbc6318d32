"""The state file kept between runs: when endpoints were first seen billable, counter samples, what was announced."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from watchdog.core.open_metrics import SECTION as METRICS_SECTION
from watchdog.core.open_metrics import NoOpenMetrics, remembered

STATE_VERSION = 1


@dataclass(frozen=True)
class LoadedState:
    """The state as read, plus a problem found while reading it (reported, never fatal)."""

    data: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    existed: bool = True  # False: no earlier run left a state file here

    def section(self, name: str) -> dict[str, Any]:
        """One top-level section (`endpoints`, `alerts`, `runs`) as a fresh dict."""
        value = self.data.get(name)
        return dict(value) if isinstance(value, dict) else {}


def remembered_without_metrics(state: LoadedState, namespaces: Iterable[str],
                               now: datetime) -> dict[str, NoOpenMetrics]:
    """The watched namespaces an earlier run found without open metrics, while that is still in force."""
    return remembered(state.data.get(METRICS_SECTION), namespaces, now)


def empty_state() -> dict[str, Any]:
    return {"version": STATE_VERSION, "endpoints": {}, "alerts": {}, "runs": {}}


def load_state(path: str | Path) -> LoadedState:
    """Read the state file. Missing → empty; unreadable or corrupt → empty plus a problem to report.

    Losing state only makes measurements weaker (uptime falls back to `updatedAt`, idle from counters
    becomes unknown for one run), and weak measurements never justify a pause on their own.
    """
    path = Path(path)
    if not path.exists():
        return LoadedState(empty_state(), existed=False)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return LoadedState(empty_state(), f"state file {path} was unreadable ({type(error).__name__}); started afresh")
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        return LoadedState(empty_state(), f"state file {path} had an unexpected shape; started afresh")
    for key in ("endpoints", "alerts", "runs"):
        if not isinstance(data.get(key), dict):
            data[key] = {}
    return LoadedState(data)


def save_state(path: str | Path, data: dict[str, Any]) -> None:
    """Write atomically: a temp file in the same folder, fsync, then rename over the old file.

    Two runs at once or a crash mid-write leave either the old or the new file, never a torn one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({**data, "version": STATE_VERSION}, indent=1, sort_keys=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
