"""The hardware list is read entry by entry: one sloppy compute no longer removes every price (issue #10, item 4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.inprocess import env_for, run_watchdog
from watchdog.core.prices import PriceList, price_notes, read_price_list
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
NOW_ISO = "2026-11-23T02:17:00Z"
L4 = "aws-us-east-1-nvidia-l4-x1"
FLEET = {"user": "alice", "namespaces": {"acme-ml": {"endpoints": [
    {"name": "priced", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m", "running_for": "3h",
     "last_used_ago": "5m", "tags": ["benchmark"]},
    {"name": "unpriced", "instance": L4, "repository": "org/m", "running_for": "3h", "last_used_ago": "5m",
     "tags": ["benchmark"]},
]}}}
POLICY = """version: 1
namespaces: [acme-ml]
defaults: {max_uptime: 12h, max_idle: 2h, action: pause}
endpoints:
  - match: {tag: benchmark}
    max_cost: 1
"""


def _check(tmp_path, **shapes):
    (tmp_path / "p.yaml").write_text(POLICY)
    with FakeEndpointsAPI.from_dict(FLEET, FakeClock(NOW)) as api:
        api.set_shapes("acme-ml", **shapes)
        return run_watchdog(["check", "--now", NOW_ISO, "--policies", str(tmp_path / "p.yaml"), "--state",
                             str(tmp_path / "s.json")], env_for(api.base_url, tmp_path), report=tmp_path / "r.json")


def test_one_sloppy_entry_no_longer_removes_every_price_of_the_namespace(tmp_path):
    run = _check(tmp_path, prices="sloppy", unpriced=[L4])
    priced = run.endpoint("priced")
    assert priced["hourly_usd"] == 1.0  # its entry lacks quota, architecture and memory: still read
    assert priced["decision"] == "pause" and "max_cost" in priced["reason"]  # $3 > $1: max_cost still applies
    unpriced = run.endpoint("unpriced")
    assert unpriced["hourly_usd"] is None
    assert any(f"hardware list entry for {L4} is unreadable (no pricePerHour)" in t for t in unpriced["tolerated"])
    assert any("no price" in n for n in unpriced["measurement_notes"])
    assert unpriced["decision"] != "pause"  # a missing price never justifies a pause
    assert any(n["kind"] == "cost-unknown" for n in unpriced["notices"])


def test_max_cost_with_an_unknown_price_is_a_notify_level_cost_unknown_finding(tmp_path):
    unpriced = _check(tmp_path, unpriced=[L4]).endpoint("unpriced")
    findings = unpriced["violations"] + unpriced["warnings"]
    cost = [f for f in findings if f["check"] == "max_cost"]
    assert cost and all(f["action"] == "notify" for f in cost)
    assert any("unknown" in f["reason"] for f in cost)
    assert unpriced["decision"] == "notify"  # never a pause, never a silent pass


def test_read_price_list_entry_by_entry():
    payload = {"vendors": [
        {"name": "aws", "regions": [{"name": "us-east-1", "computes": [
            {"id": "a", "pricePerHour": 0.8},  # no quota, architecture or memory: fine
            {"id": "b"},  # no price
            {"id": "c", "pricePerHour": "1.5"},  # text
            {"id": "d", "pricePerHour": -1},
            {"id": "e", "pricePerHour": True},
            {"pricePerHour": 9.0},  # no id
            "junk",
            {"id": "f", "pricePerHour": float("nan")},
            {"id": "a", "pricePerHour": 99},  # duplicate: first wins
        ]}, {"name": "eu", "computes": None}]},
        {"name": "gcp", "regions": "none"},
        "not-a-vendor",
    ]}
    prices = read_price_list(payload)
    assert dict(prices) == {"a": 0.8, "c": 1.5}
    assert set(prices.skipped) == {"b", "d", "e", "f"}
    assert len(prices.unattributed) == 4  # no id, junk, regions "none", a vendor that is a string
    assert prices.get("a") == 0.8 and "b" not in prices
    assert "unreadable (no pricePerHour)" in price_notes(prices, "b")[0]
    assert "read as a number" in price_notes(prices, "c")[0]
    assert price_notes(prices, "a") == ()
    assert "unreadable parts" in price_notes(prices, "zzz")[0]
    assert price_notes({"a": 1.0}, "zzz") == ()  # a plain mapping (test hubs) carries no notes


@pytest.mark.parametrize("payload", [None, [], "x", {"items": []}, {"vendors": None}, {"vendors": {"aws": {}}}])
def test_an_unrecognized_provider_answer_gives_no_price_and_says_so(payload):
    prices = read_price_list(payload)
    assert isinstance(prices, PriceList) and len(prices) == 0
    assert prices.unattributed and "unrecognized shape" in prices.unattributed[0]


def test_an_implausible_price_is_skipped_so_no_total_overflows() -> None:
    from watchdog.core.prices import read_price_list

    payload = {"vendors": [{"name": "aws", "regions": [{"name": "us-east-1", "computes": [
        {"id": "huge", "pricePerHour": 1e308}, {"id": "fine", "pricePerHour": 0.8}]}]}]}
    prices = read_price_list(payload)
    assert dict(prices) == {"fine": 0.8}
    assert "not a plausible price" in prices.skipped["huge"], prices.skipped
