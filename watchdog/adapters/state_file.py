"""The state file kept between runs: when endpoints were first seen billable, counter samples, what was announced."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
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
    keep_file: bool = False  # True: written by a newer watchdog; this one must not overwrite it

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
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > STATE_VERSION:
        # A newer watchdog's file: reading it as version 1 could misread it, and overwriting it would lose it.
        return LoadedState(empty_state(), f"state file {path} was written by a newer watchdog (state version "
                                          f"{version}, this one reads {STATE_VERSION}): not read and left as it is; "
                                          "upgrade this watchdog", keep_file=True)
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


class StateBusy(Exception):
    """Another run holds the state file for longer than this one may wait."""


# How long a run waits for another one that holds the state file: about one run's deadline (`--deadline`, 600 s).
STATE_LOCK_WAIT_SECONDS = 600.0


@contextlib.contextmanager
def held(path: str | Path, *, wait_seconds: float = STATE_LOCK_WAIT_SECONDS,
         sleep: Callable[[float], None] = time.sleep,
         monotonic: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Hold `PATH.lock` from reading the state to writing it back, so two runs at once take turns.

    The atomic write alone keeps the file whole, but two overlapping runs each wrote back what they had read: the
    second silently dropped what the first remembered (two `--namespace` runs, one state file). An advisory lock
    (`flock`, released by the kernel if the process dies) makes the second wait for the first. Where it cannot be
    taken (no `fcntl`, as on Windows; a state folder that cannot be created) the run goes on unlocked, and a
    failed save is reported by the caller.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - the action runs on Linux
        yield
        return
    lock_path = Path(f"{path}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a")  # noqa: SIM115 - held across the yield
    except OSError:
        yield
        return
    with handle:
        deadline = monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if monotonic() >= deadline:
                    raise StateBusy(f"state file {path} is held by another run (waited {wait_seconds:.0f} s): "
                                    "nothing was done. Runs on one state file must not overlap (the workflows' "
                                    "concurrency group keeps them apart)") from None
                sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
