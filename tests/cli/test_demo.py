"""`watchdog demo`: the README's first command works with no token and touches nothing."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, timedelta

from tests.e2e_support import run_cli
from tests.paths import REPO
from watchdog.adapters.policy_file import load_policy
from watchdog.cli import Runtime, main
from watchdog.cli.demo_command import DEMO_NOW
from watchdog.demo import bundled
from watchdog.fakes.fleet import load_fleet

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
    from datetime import datetime

    from watchdog.core.evaluate import evaluate
    from watchdog.core.measure import Signals, measure
    from watchdog.core.model import Decision
    from watchdog.fakes.clock import FakeClock
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI

    now = datetime(2026, 11, 23, 8, 17, tzinfo=UTC)
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


def test_demo_runs_with_no_token_and_explains_itself_briefly(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HF_TOKEN": "hf_SENTINEL_should_not_be_used",
           "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/SENTINEL_webhook"}
    proc = subprocess.run([sys.executable, "-m", "watchdog", "demo"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "=== 1. watchdog check" in out and "=== 2. watchdog run --dry-run" in out
    assert "acme-ml/prod-chat" in out and "protected" in out
    assert "Would act on" in out and "every endpoint of the fake fleet is untouched" in out
    # Short by default: the table once, one line of what a run would send; the payloads behind --show-alerts.
    assert out.count("ENDPOINT    ") == 1 and "=== Slack webhook payload ===" not in out and "--- body ---" not in out
    assert "What a real run would send" in out and "Slack (would send 1 message with" in out
    assert "watchdog demo --show-alerts" in out and len(out.splitlines()) <= 80
    # The ledger's story: a few nights of real runs on a second fake fleet, then what they cost and saved.
    assert out.count("UTC: ") >= 4 and "=== 4. watchdog report" in out
    assert "History since" in out and "saved " in out and "Mermaid charts" in out
    # The caller's secrets are stripped: the demo neither uses nor prints them.
    assert "SENTINEL" not in out + proc.stderr
    assert not (tmp_path / ".watchdog").exists()  # the demo keeps its state in a temporary folder
    # Its own instant, not the clock's (tests/core/render/test_escape.py runs it a month later against its goldens).
    assert "check at 2026-11-23T02:17:00Z" in out and "Mon 23 Nov 02:17 UTC: " in out


def test_the_demo_instant_is_early_monday_before_the_shipped_exemption_ends():
    # The bundled policy must stay the shipped example byte for byte, so its dates are absolute; the demo's own
    # instant falls before them and the exemption holds in the demo every month. Move both together.
    from zoneinfo import ZoneInfo

    assert DEMO_NOW.weekday() == 0 and DEMO_NOW.astimezone(ZoneInfo("Europe/Paris")).hour < 6
    assert "early Monday morning" in bundled("fleet.yaml").read_text()
    policy = load_policy(bundled("policies.yaml"))
    ends = [policy.exemption_end(rule) for rule in policy.rules if rule.exempt_until]
    assert ends and all(end > DEMO_NOW + timedelta(days=14) for end in ends)


def test_demo_serve_keeps_the_fake_running_prints_the_exports_and_stops_on_ctrl_c(tmp_path):
    stop = threading.Event()

    def sleep(seconds: float) -> None:  # the serve loop's wait: Ctrl-C when the test says so, or after 20 s at most
        stop.wait(timeout=20)
        raise KeyboardInterrupt

    out, err, codes = io.StringIO(), io.StringIO(), []
    serving = threading.Thread(target=lambda: codes.append(main(
        ["demo", "--serve"], env={"PATH": "/usr/bin:/bin", "HF_TOKEN": "hf_SENTINEL_not_this_one"}, stdout=out,
        stderr=err, runtime=Runtime(sleep=sleep))), daemon=True)
    serving.start()
    try:
        deadline = time.monotonic() + 10
        while "Ctrl-C stops" not in out.getvalue():
            assert time.monotonic() < deadline and serving.is_alive(), out.getvalue() + err.getvalue()
            time.sleep(0.01)
        text = out.getvalue()
        exports = dict(re.findall(r"^export (\w+)=(\S+)$", text, re.M))
        assert set(exports) == {"HF_TOKEN", "WATCHDOG_ENDPOINTS_API_URL", "HF_ENDPOINT"}
        assert exports["WATCHDOG_ENDPOINTS_API_URL"] == exports["HF_ENDPOINT"] + "/v2"
        assert "A resume takes 2m here" in text and "SENTINEL" not in text
        # Every other command, pointed at it by exactly those lines, works there; the playground keeps what it did.
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **exports}
        (printed_check,) = re.findall(r"^  (watchdog check .*)$", text, re.M)
        check = run_cli(printed_check.split()[1:], env, tmp_path)
        assert check.code == 0 and "acme-ml/prod-chat" in check.stdout and "protected" in check.stdout, check.stderr
        assert run_cli(["pause", "acme-ml/mert-spike6"], env, tmp_path).code == 0
        status = run_cli(["status", "acme-ml/mert-spike6", "--format", "json"], env, tmp_path)
        assert status.code == 0 and '"paused"' in status.stdout, status.stderr
    finally:
        stop.set()
        serving.join(timeout=10)
    assert codes == [0] and "Playground stopped." in out.getvalue()


def test_demo_refuses_options_that_do_not_go_together(tmp_path):
    for argv, message in ((["demo", "--port", "8765"], "--port only applies with --serve"),
                          (["demo", "--serve", "--now", "2026-11-23T02:17:00Z"], "--now has no effect with --serve"),
                          (["demo", "--serve", "--show-alerts"], "--show-alerts has no effect with --serve")):
        done = run_cli(argv, {"PATH": "/usr/bin:/bin"}, tmp_path)
        assert done.code == 2 and message in done.stderr, done.stderr


def test_the_demo_prints_text_only_and_says_so_for_another_format(tmp_path):
    # Its story is prose around several reports: as JSON it would not parse, so it refuses rather than mislead.
    result = run_cli(["demo", "--format", "json"], {"HOME": str(tmp_path)}, cwd=tmp_path)
    assert result.code == 2 and "invalid choice: 'json' (choose from 'text')" in result.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """`watchdog demo | head -1`: the pipe closes under the output. No traceback, no "unexpected error": exit 1."""
    proc = subprocess.Popen([sys.executable, "-m", "watchdog", "demo"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=REPO)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"Demo: ")
    proc.stdout.close()  # the reader goes away while the demo still has pages to print
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert err == ""
