"""`watchdog demo`: the README's first command works with no token and touches nothing."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import REPO
from watchdog.demo import bundled
from watchdog.fakes.fleet import load_fleet
from watchdog.adapters.policy_file import load_policy

ROOT = REPO


def test_demo_fleet_is_varied_enough_to_tell_the_story():
    fleet = load_fleet(bundled("fleet.yaml"))
    endpoints = [ep for ns in fleet.namespaces for ep in ns.endpoints]
    assert len(fleet.namespaces) >= 2 and len(endpoints) >= 8
    states = {ep.state for ep in endpoints}
    assert {"running", "paused", "scaledToZero", "initializing", "failed"} <= states
    assert any(ep.last_used_ago is None and not ep.open_metrics for ep in endpoints)  # idle unknown
    assert any(ep.name.startswith("prod-") for ep in endpoints)  # protected by the policy


def test_the_demo_reconfigures_exactly_one_endpoint():
    from datetime import datetime, timezone

    from watchdog.core.evaluate import evaluate
    from watchdog.core.measure import Signals, measure
    from watchdog.core.model import Decision
    from watchdog.fakes.clock import FakeClock
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI

    now = datetime(2026, 11, 23, 8, 17, tzinfo=timezone.utc)
    api = FakeEndpointsAPI.from_fleet_file(bundled("fleet.yaml"), clock=FakeClock(now))
    policy = load_policy(bundled("policies.yaml"))
    fixed = []
    for ns in api.fleet.namespaces:
        for spec in ns.endpoints:
            snapshot, _ = measure(api.payload_of(ns.name, spec.name), ns.name, Signals(), None, now)
            ev = evaluate(policy, snapshot, now)
            if ev.decision is Decision.RECONFIGURE:
                fixed.append((snapshot.key, ev.reconfiguration.changes))
    assert fixed == [("acme-ml/batch-scorer", "min_replica 1 → 0, max_replica 8 → 4, scale_to_zero_timeout none → 1h")]


def test_bundled_demo_policy_is_the_shipped_example():
    # The demo ships inside the package (no repo at hand after `pip install`); keep it identical to policies.yaml.
    assert bundled("policies.yaml").read_text() == (ROOT / "policies.yaml").read_text()
    load_policy(bundled("policies.yaml"))


def test_demo_runs_with_no_token_and_explains_itself(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HF_TOKEN": "hf_SENTINEL_should_not_be_used",
           "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/SENTINEL_webhook"}
    proc = subprocess.run([sys.executable, "-m", "watchdog", "demo"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "=== 1. watchdog check" in out and "=== 2. watchdog run --dry-run" in out
    assert "acme-ml/prod-chat" in out and "protected" in out
    assert "Would act on" in out and "=== Slack webhook payload ===" in out
    assert "every endpoint of the fake fleet is untouched" in out
    # The ledger's story: a few nights of real runs on a second fake fleet, then what they cost and saved.
    assert out.count("UTC: ") >= 4 and "=== 4. watchdog report" in out
    assert "History since" in out and "saved " in out and "Mermaid charts" in out
    # The caller's secrets are stripped: the demo neither uses nor prints them.
    assert "SENTINEL" not in out + proc.stderr
    assert not (tmp_path / ".watchdog").exists()  # the demo keeps its state in a temporary folder
