"""The fake states its own view of the API: it imports nothing from the product, and the product must agree with it.

Were the fake to import the product's state tables, a wrong table would be mirrored by the very fake the product
is tested against, and every test would pass. Here the two are written independently and compared.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

import watchdog
from watchdog.core.measure import Signals, measure
from watchdog.core.model import BILLABLE_STATES, KNOWN_STATES
from watchdog.fakes.api_facts import BILLED_STATES, QUOTA_STATES, STATES
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI

PACKAGE = Path(watchdog.__file__).parent
NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
PRODUCT = ("watchdog.core", "watchdog.adapters", "watchdog.operations", "watchdog.cli")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "fakes").rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_fake_module_imports_the_product(path: Path) -> None:
    leaks = sorted(m for m in _imports(path) if m.startswith(PRODUCT) or m == "watchdog.core")
    assert not leaks, f"{path.name} imports the product's own picture of the API: {leaks}"


def test_the_products_state_tables_agree_with_the_fakes_independent_view() -> None:
    assert KNOWN_STATES == STATES
    assert BILLABLE_STATES == BILLED_STATES


@pytest.mark.parametrize("state", sorted(STATES))
def test_the_product_bills_and_counts_quota_like_the_fake_for_every_state(state: str) -> None:
    fleet = {"user": "alice", "namespaces": {"acme-ml": {"endpoints": [
        {"name": "ep", "state": state, "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m"}]}}}
    api = FakeEndpointsAPI.from_dict(fleet, FakeClock(NOW))
    snapshot, _ = measure(api.payload_of("acme-ml", "ep"), "acme-ml", Signals(price_per_replica_hour=1.0), None, NOW)
    assert snapshot.billable is (state in BILLED_STATES)
    assert (snapshot.billable or snapshot.state == "scaledToZero") is (state in QUOTA_STATES)
