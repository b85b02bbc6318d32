"""Data for `watchdog demo`: the sample fleet served by the bundled fake Endpoints API, and the demo policy."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled(name: str) -> Path:
    """A file shipped in watchdog/demo/ (works from a clone and from an installed wheel)."""
    return Path(str(resources.files("watchdog.demo").joinpath(name)))
