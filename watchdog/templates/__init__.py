"""What `watchdog init` writes into a user's repository, shipped as package data: the two caller workflows (the
README shows them verbatim, tests/repo/test_workflows.py checks them) and the commented policy template."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# Where each file goes in the user's repository -> its template, relative to this package.
CALLER_WORKFLOWS: dict[str, str] = {
    ".github/workflows/watchdog.yml": "workflows/watchdog.yml",
    ".github/workflows/policies.yml": "workflows/policies.yml",
}
POLICY_TEMPLATE = "policies.yaml"


def template(name: str) -> Path:
    """A file shipped in watchdog/templates/ (works from a clone and from an installed wheel)."""
    return Path(str(resources.files("watchdog.templates").joinpath(name)))
