"""The ledger end to end, in-process: `watchdog run` over five nights on the fake clock (real EndpointsHub against
the fake Endpoints API, fake Slack and GitHub), a resume by someone, a wake on traffic, a dropped night; the
figures are checked against values computed by hand, then `watchdog report` reads them back with no token."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e_support import GITHUB_TOKEN, HF_TOKEN
from watchdog.cli import Runtime, main
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI
from watchdog.fakes.github import FakeGitHub
from watchdog.fakes.slack import FakeSlack

T0 = datetime(2026, 11, 20, 2, 17, tzinfo=UTC)
H = timedelta(hours=1)

POLICY = """\
version: 1
namespaces: [acme-ml, alice]
timezone: UTC
run_every: 24h
defaults: {max_uptime: 12h, max_idle: 30d, action: pause, on_unknown_idle: ignore}
endpoints:
  - match: "prod-*"
    protected: true
  - match: busy
    max_uptime: 365d
  - match: {instance_type: nvidia-l4}
    action: scale-to-zero
"""

FLEET = {
    "user": "alice",
    "namespaces": {
        "acme-ml": {"endpoints": [
            {"name": "forgotten-a100", "instance": "aws-us-east-1-nvidia-a100-x1", "repository": "org/llm",
             "running_for": "30h", "last_used_ago": "10m"},                       # $2.50/h: paused on night 1
            {"name": "prod-chat", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/chat",
             "running_for": "3d", "last_used_ago": "1m"},                         # $1.00/h, protected, over: exception
            {"name": "busy", "instance": "aws-us-east-1-nvidia-t4-x1", "repository": "org/small",
             "running_for": "1h", "last_used_ago": "1m"},                         # $0.50/h, kept
        ]},
        "alice": {"endpoints": [
            {"name": "alice-l4", "instance": "aws-us-east-1-nvidia-l4-x1", "repository": "alice/emb",
             "running_for": "20h", "last_used_ago": "3h"},                        # $0.80/h: scaled to zero on night 1
        ]},
    },
}


@pytest.fixture
def world(tmp_path):
    (tmp_path / "policies.yaml").write_text(POLICY)
    api = FakeEndpointsAPI.from_dict(FLEET, clock=FakeClock(T0))
    api.start()
    with FakeSlack() as slack, FakeGitHub("acme/ml-ops") as github:
        env = {"HF_TOKEN": HF_TOKEN, "HF_ENDPOINT": api.base_url, "WATCHDOG_ENDPOINTS_API_URL": api.api_url,
               "SLACK_WEBHOOK_URL": slack.url, "GITHUB_TOKEN": GITHUB_TOKEN, "GITHUB_REPOSITORY": "acme/ml-ops",
               "GITHUB_API_URL": github.url, "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
        yield api, slack, github, env, tmp_path
    api.stop()


def cli(args, env, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    # Each command takes only the global options it uses: resume reads no state, report no policy.
    state = ["--state", str(tmp_path / "state.json")] if args[0] != "resume" else []
    policies = ["--policies", str(tmp_path / "policies.yaml")] if args[0] != "report" else []
    code = main([*policies, *state, *args],
                env=env, stdout=out, stderr=err, runtime=Runtime(sleep=lambda s: None))
    return code, out.getvalue(), err.getvalue()


def night(world, hours):
    api, _, _, env, tmp_path = world
    at = api.set_time(T0 + hours * H)
    report = tmp_path / f"night-{hours}.json"
    code, out, err = cli(["run", "--now", at.strftime("%Y-%m-%dT%H:%M:%SZ"), "--report", str(report)], env, tmp_path)
    assert code == 0, out + err
    return json.loads(report.read_text())["ledger"]


def test_five_nights_of_money_checked_by_hand(world):
    api, slack, github, env, tmp_path = world

    # Night 1: burn $4.80/h at listing; the A100 is paused and the L4 scaled to zero, leaving $1.50/h.
    first = night(world, 0)
    assert api.state_of("acme-ml", "forgotten-a100") == "paused" and api.state_of("alice", "alice-l4") == "scaledToZero"
    assert first["billed_usd"] == 0 and first["saved_usd"] == 0 and first["history_since"] == "2026-11-20T02:17:00Z"

    # The L4 wakes on traffic two hours before night 2: its stretch ends (it was not resumed by anyone).
    api.set_time(T0 + 22 * H)
    assert api.record_traffic("alice", "alice-l4")
    second = night(world, 24)
    # Billed: prod $1 + busy $0.50 for 24h (36), the L4 from $0 left to $0.80 found (trapezoid: 9.60).
    # Saved: the A100's $2.50/h for 24h; the L4 saved nothing counted (it woke somewhere in that interval).
    assert (second["billed_usd"], second["saved_usd"], second["exceptions_usd"]) == (45.6, 60.0, 24.0)

    # A manual run six hours later still sees the A100 paused: 30h paused in all, $75.00 saved.
    third = night(world, 30)
    assert (third["billed_usd"], third["saved_usd"]) == (59.4, 75.0)  # + 6h x $2.30/h
    body = github.issues[1]["body"]
    assert r"**\$59.40 billed** · **\$75.00 saved** (est.)" in body and body.count("```mermaid\nxychart-beta") == 2

    # Someone resumes the A100 an hour before night 4: the saving stops at the last run that saw it paused.
    api.set_time(T0 + 47 * H)
    code, out, err = cli(["resume", "forgotten-a100", "--namespace", "acme-ml"], env, tmp_path)
    assert code == 0, out + err
    fourth = night(world, 48)
    # Billed over 18h: the A100 from $0 to $2.50 (22.50), prod and busy (27), the L4 awake (14.40).
    assert (fourth["billed_usd"], fourth["saved_usd"]) == (123.3, 75.0)  # + 63.90
    assert api.state_of("alice", "alice-l4") == "scaledToZero"  # up 26h: scaled to zero again

    # Night 5 is dropped (the cron skipped it): 48h since night 4 are unknown, not $0.
    fifth = night(world, 96)
    assert fifth["billed_usd"] == 123.3 and fifth["saved_usd"] == 75.0 and fifth["exceptions_usd"] == 48.0
    assert fifth["unknown_hours"] == 48.0
    assert {ns["name"]: ns["billed_usd"] for ns in fifth["namespaces"]} == {"acme-ml": 94.5, "alice": 28.8}
    assert fifth["stopped_now"] == {"endpoints": 2, "usd_per_hour": 3.3}  # the L4 since night 4, the A100 since 5
    state = json.loads((tmp_path / "state.json").read_text())
    ends = [(s["endpoint"], s["end"]) for s in state["history"]["stretches"]]
    assert ends == [("acme-ml/forgotten-a100", "resumed"), ("alice/alice-l4", "woke"), ("alice/alice-l4", None),
                    ("acme-ml/forgotten-a100", None)]

    # Slack's header carries the month's saving; the step summary shows the chart.
    assert "saved $75.00 this month (est.)" in slack.messages[-1]["blocks"][0]["text"]["text"]
    summary = (tmp_path / "summary.md").read_text()
    assert summary.count("```mermaid") == 2 * 5 and "2d of this period are not counted" in summary

    # `watchdog report` reads the same figures back with no token and no network.
    bare = {"PATH": "/usr/bin:/bin"}
    now = ["--now", "2026-11-24T02:17:00Z"]
    code, text, err = cli(["report", *now], bare, tmp_path)
    assert code == 0, err
    words = " ".join(text.split())
    assert "billed $123.30" in words and "saved $75.00" in words and "exceptions $48.00" in words
    assert "unknown 2d runs further apart" in words and "acme-ml $94.50 $75.00 $48.00 2d" in words
    code, out, _ = cli(["report", "--format", "csv", "--since", "30d", *now], bare, tmp_path)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["counted"] for r in rows] == ["", "yes", "yes", "yes", "no"]
    assert [r["billed_usd"] for r in rows] == ["0.00", "45.60", "13.80", "63.90", "0.00"]
    assert rows[-1]["cumulative_saved_usd_est"] == "75.00"
    code, out, _ = cli(["report", "--format", "json", *now], bare, tmp_path)
    assert json.loads(out)["billed_usd"] == 123.3 and len(json.loads(out)["runs"]) == 5
    code, out, _ = cli(["report", "--format", "markdown", *now], bare, tmp_path)
    assert out.count("```mermaid") == 2 and r"| 2026-11 | \$123.30 | \$75.00 | \$48.00 | 2d | 5 |" in out


def test_dry_runs_and_checks_record_no_history_and_a_broken_history_is_a_notice(world):
    _, _, _, env, tmp_path = world
    code, out, _ = cli(["run", "--dry-run", "--now", "2026-11-20T02:17:00Z"], env, tmp_path)
    assert code == 0 and "Ledger, November 2026 to date (est.): billed $0.00" in out
    code, _, _ = cli(["check", "--now", "2026-11-20T02:17:00Z"], env, tmp_path)
    assert not (tmp_path / "state.json").exists()  # neither wrote state, so neither recorded a run
    (tmp_path / "state.json").write_text(json.dumps({"version": 1, "history": {"version": 1, "runs": "garbage"}}))
    code, out, err = cli(["run", "--now", "2026-11-20T02:17:00Z", "--format", "json"], env, tmp_path)
    report = json.loads(out)
    assert code == 0, err
    assert any("ledger history in the state file could not be read" in n for n in report["notices"])
    assert report["ledger"]["history_since"] == "2026-11-20T02:17:00Z"  # started afresh with this run
    assert len(json.loads((tmp_path / "state.json").read_text())["history"]["runs"]) == 1
