"""Fault injection end to end: the real CLI against the fake servers misbehaving, and secrets that never leak."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.e2e_support import (
    GITHUB_TOKEN,
    HF_TOKEN,
    NOW,
    NOW_ISO,
    POLICY,
    SLACK_SECRET,
    cli_env,
    run_cli,
)
from watchdog.fakes.faults import Fault
from watchdog.fakes.github import FakeGitHub
from watchdog.fakes.slack import FakeSlack

pytestmark = pytest.mark.e2e


def run(api, workdir, *args, extra=None, name="report.json"):
    result = run_cli(
        [*args, "--now", NOW_ISO, "--state", str(workdir / "state.json"), "--report", str(workdir / name)],
        cli_env(api.base_url, extra),
        cwd=workdir,
    )
    report = json.loads((workdir / name).read_text()) if (workdir / name).exists() else None
    return result, report


def endpoint(report, name):
    return next(e for e in report["endpoints"] if e["name"] == name)


# -- retries ---------------------------------------------------------------------------------------------------


def test_transient_500_and_429_on_listing_are_retried(api, workdir):
    api.add_fault(Fault(route="list", namespace="acme-ml", status=500, times=2))
    api.add_fault(Fault(route="list", namespace="alice", status=429, retry_after=1, times=1))
    result, report = run(api, workdir, "check")
    assert result.code == 0, result.stderr + result.stdout
    assert all(ns["ok"] for ns in report["namespaces"])
    assert 1.0 in result.sleeps  # Retry-After honoured, exactly
    backoffs = [s for s in result.sleeps if s != 1.0]
    assert len(backoffs) == 2 and all(0 <= s <= 1.0 for s in backoffs)  # jittered, within the first two ceilings
    assert api.request_counts()["list"] == (2 + 1) + (1 + 1)  # failures retried, then one success each


def test_pause_answering_500_then_succeeding_is_paused(api, workdir):
    api.add_fault(Fault(route="pause", name="forgotten-a100", status=503, times=1))
    result, report = run(api, workdir, "run")
    assert result.code == 0, result.stdout
    assert endpoint(report, "forgotten-a100")["outcome"] == "paused"
    assert api.state_of("acme-ml", "forgotten-a100") == "paused"


def test_pause_failing_for_good_is_failed_and_exit_1_but_others_proceed(api, workdir):
    api.add_fault(Fault(route="pause", name="forgotten-a100", status=500, times=None))
    result, report = run(api, workdir, "run")
    assert result.code == 1
    failed = endpoint(report, "forgotten-a100")
    assert failed["outcome"] == "failed" and "HTTP 500" in failed["error"]
    assert api.state_of("acme-ml", "forgotten-a100") == "running"
    assert api.state_of("alice", "alice-demo") == "paused"  # the failure stopped nothing else
    assert report["summary"]["failed"] == 1


def test_endpoint_deleted_between_listing_and_acting_is_gone_not_failed(api, workdir):
    # Deleted after it was listed and measured: the pause call gets the API's 404 for a missing endpoint.
    api.add_fault(Fault(route="pause", name="forgotten-a100", status=404, message="Endpoint not found", times=None))
    result, report = run(api, workdir, "run")
    assert result.code == 0, result.stdout
    gone = endpoint(report, "forgotten-a100")
    assert gone["outcome"] == "gone" and gone["error"]


# -- namespaces --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status, hint", [(401, "Manage Inference Endpoints"), (403, "Manage Inference Endpoints"),
                                          (500, "HTTP 500")])
def test_a_namespace_failing_persistently_does_not_stop_the_others(api, workdir, status, hint):
    api.add_fault(Fault(route="list", namespace="alice", status=status, times=None))
    result, report = run(api, workdir, "run")
    assert result.code == 1
    alice = next(ns for ns in report["namespaces"] if ns["name"] == "alice")
    assert alice["ok"] is False and hint in alice["error"] and str(status) in alice["error"]
    assert api.state_of("acme-ml", "forgotten-a100") == "paused"  # acme-ml still checked and acted on
    assert api.state_of("alice", "alice-demo") == "running"
    assert "!! namespace alice" in result.stdout


# -- malformed data -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload, missing", [
    ("incomplete", ("status",)),
    ("incomplete", ("status.createdAt",)),
    ("incomplete", ("name",)),
    ("unknown-state", ()),
])
def test_malformed_endpoint_json_is_unmeasurable_never_paused(api, workdir, payload, missing):
    api.add_fault(Fault(route="list", name="forgotten-a100", payload=payload, missing=missing or ("status",),
                        times=None))
    result, report = run(api, workdir, "run")
    assert result.code == 1  # an endpoint could not be measured: reported as a failure
    broken = next(e for e in report["endpoints"] if e["namespace"] == "acme-ml" and e["unmeasurable"])
    assert broken["decision"] == "notify" and broken["outcome"] == "notified"  # told, never acted on
    assert api.state_of("acme-ml", "forgotten-a100") == "running"  # never paused by accident
    assert api.state_of("alice", "alice-demo") == "paused"  # the rest proceed
    assert report["summary"]["unmeasurable"] == 1


def test_an_offset_timestamp_instead_of_z_is_still_understood(api, workdir):
    # `+00:00` is a valid instant (huggingface_hub's own parser rejects it; ours does not need to).
    api.add_fault(Fault(route="list", name="forgotten-a100", payload="bad-timestamp", times=None))
    result, report = run(api, workdir, "run")
    assert result.code == 0, result.stdout
    assert endpoint(report, "forgotten-a100")["outcome"] == "paused"


def test_a_failing_measurement_route_weakens_data_but_never_blocks(api, workdir):
    api.add_fault(Fault(route="replica", status=500, times=None))
    api.add_fault(Fault(route="open-metrics", status=500, times=None))
    result, report = run(api, workdir, "check")
    assert result.code == 0
    forgotten = endpoint(report, "forgotten-a100")
    assert forgotten["running_since_source"] == "updated_at"
    assert any("replica start unknown" in n for n in forgotten["measurement_notes"])
    # updatedAt alone is weak: the uptime limit only notifies.
    assert forgotten["decision"] == "notify"


# -- state file and concurrency ------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b'{"version": 1, "endpoi', b"\x00\xffgarbage", b""])
def test_truncated_or_garbage_state_is_recovered(api, workdir, content):
    (workdir / "state.json").write_bytes(content)
    result, report = run(api, workdir, "run")
    assert result.code == 0, result.stdout
    assert any("started afresh" in n for n in report["notices"])
    json.loads((workdir / "state.json").read_text())  # rewritten cleanly


def test_two_runs_at_once_do_not_corrupt_state_or_double_handle(api, workdir):
    env = cli_env(api.base_url)
    args = [sys.executable, "-m", "watchdog", "run", "--now", NOW_ISO, "--state", str(workdir / "state.json")]
    procs = [subprocess.Popen(args, env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes == [0, 0], [p.stderr.read() for p in procs]
    state = json.loads((workdir / "state.json").read_text())
    assert state["version"] == 1 and "endpoints" in state
    assert api.state_of("acme-ml", "forgotten-a100") == "paused"
    assert api.state_of("acme-ml", "idle-l4") == "scaledToZero"  # not paused by the other run
    assert api.state_of("acme-ml", "prod-chat") == "running"


def test_two_namespace_runs_at_once_keep_both_namespaces_memory(api, workdir):
    """Each run wrote back the state it had read, so the second to finish dropped what the first remembered: the
    state lock makes them take turns."""
    env = cli_env(api.base_url)
    common = [sys.executable, "-m", "watchdog", "run", "--now", NOW_ISO, "--state", str(workdir / "state.json")]
    procs = [subprocess.Popen([*common, "--namespace", ns], env=env, cwd=workdir, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for ns in ("acme-ml", "alice")]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes == [0, 0], [p.stderr.read() for p in procs]
    state = json.loads((workdir / "state.json").read_text())
    assert {key.split("/")[0] for key in state["endpoints"]} == {"acme-ml", "alice"}
    assert len(state["history"]["runs"]) == 2


def test_a_state_file_that_cannot_be_saved_fails_the_run_but_still_tells_what_it_did(api, workdir):
    (workdir / "blocker").write_text("a file where the state folder should be")
    result = run_cli(["run", "--now", NOW_ISO, "--state", str(workdir / "blocker" / "state.json"),
                      "--report", str(workdir / "report.json")], cli_env(api.base_url), cwd=workdir)
    assert result.code == 1
    assert "Acted:" in result.stdout and "unexpected error" not in result.stderr
    report = json.loads((workdir / "report.json").read_text())
    assert any(e.startswith("could not save the state file") for e in report["errors"])
    assert api.state_of("acme-ml", "forgotten-a100") == "paused"


def test_safety_cap_acts_on_none_alerts_and_exits_1(api, workdir):
    (workdir / "policies.yaml").write_text(POLICY.replace("max_actions_per_run: 20", "max_actions_per_run: 1"))
    result, report = run(api, workdir, "run")
    assert result.code == 1
    assert "safety cap" in report["errors"][0]
    assert not {"pause", "scale-to-zero"} & set(api.request_counts())
    assert "!! safety cap" in result.stdout


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_deadline_that_passes_while_measuring_fails_the_run_and_says_so(api, workdir, command):
    """The listing made it, then the deadline stopped every replica, metrics and price call: measured without
    them, endpoints could only be notified about, and the run once exited 0 saying nothing."""
    api.add_fault(Fault(route="list", namespace="alice", latency=0.6, times=1))
    result, report = run(api, workdir, command, "--deadline", "0.3")
    assert result.code == 1, result.stdout + result.stderr
    [error] = [e for e in report["errors"] if "run deadline" in e]
    assert re.search(r"passed before \d+ API call\(s\) were made", error)
    assert "Nothing to do." not in result.stdout and "run deadline" in result.stdout


def test_run_deadline_stops_calling_and_reports(api, workdir):
    api.add_fault(Fault(route="list", namespace="acme-ml", latency=0.8, times=1))
    result, report = run(api, workdir, "check", "--deadline", "0.4", "--concurrency", "1")
    assert result.code == 1
    errors = " ".join(ns["error"] or "" for ns in report["namespaces"])
    assert "deadline" in errors


# -- secrets ---------------------------------------------------------------------------------------------------------


def test_secrets_never_leak_through_success_and_failure_paths(api, tmp_path):
    """Sentinel HF, Slack and GitHub secrets through a successful night, then every failure path at once."""
    slack = FakeSlack(path=f"/services/T000/B000/{SLACK_SECRET}").start()
    github = FakeGitHub("acme/ml-ops").start()
    try:
        outputs: list[str] = []
        extra = {
            "SLACK_WEBHOOK_URL": slack.url,
            "GITHUB_TOKEN": GITHUB_TOKEN,
            "GITHUB_REPOSITORY": "acme/ml-ops",
            "GITHUB_API_URL": github.url,
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_RUN_ID": "42",
        }
        (tmp_path / "policies.yaml").write_text(POLICY)
        nights = [
            ("run", []),  # success: pauses, Slack message, issue + comment
            ("run", ["faults"]),  # every failure at once
            ("run", ["--dry-run"]),
            ("check", []),
            ("pause-all", ["--confirm", "acme-ml", "--dry-run"]),
            ("status", []),
            ("validate", []),
        ]
        for index, (command, flags) in enumerate(nights):
            if flags == ["faults"]:
                flags = []
                api.add_fault(Fault(route="list", namespace="alice", status=403, times=None))
                api.add_fault(Fault(route="pause", status=500, times=None))
                api.add_fault(Fault(route="list", name="busy", payload="incomplete", times=None))
                api.set_time(NOW)
                slack.script(500, "rollup_error")
                github.script(410, {"message": "Issues are disabled for this repo"})
                # New pause candidates so the failing pause route is exercised:
                api.advance(0)
            args = [command, *flags, "--now", NOW_ISO, "--state", str(tmp_path / "state.json")]
            if command != "validate":
                args += ["--report", str(tmp_path / f"report{index}.json")]
            result = run_cli(args, cli_env(api.base_url, extra), cwd=tmp_path)
            outputs += [result.stdout, result.stderr]
        files = [p.read_text(errors="replace") for p in tmp_path.iterdir() if p.is_file()]
        # The webhook path is Slack's credential, like an Authorization header: everything else is scanned.
        received = [json.dumps([r.method, r.json, getattr(r, "headers", {})]) for r in slack.requests]
        received += [json.dumps([r.method, r.path, r.json, getattr(r, "headers", {})]) for r in github.requests]
        received += [json.dumps([r.method, r.path]) for r in api.request_log()]
        everything = "\n".join(outputs + files + received)
        assert slack.messages, "the successful night should have reached Slack"
        assert any(r.path.endswith("/comments") for r in github.requests)
        for secret in (HF_TOKEN, SLACK_SECRET, GITHUB_TOKEN):
            where = [m.start() for m in re.finditer(re.escape(secret), everything)]
            assert not where, [everything[max(0, i - 200): i + 50] for i in where[:3]]
    finally:
        slack.stop()
        github.stop()


def test_secrets_echoed_in_api_error_bodies_reach_no_channel(api, tmp_path):
    """An API that echoes the caller's credentials in its error bodies (a refused listing, a refused pause): the
    messages reach every channel, each through the CLI's scrubber, so no secret is in any of them."""
    slack = FakeSlack(path=f"/services/T000/B000/{SLACK_SECRET}").start()
    github = FakeGitHub("acme/ml-ops").start()
    try:
        summary = tmp_path / "summary.md"
        extra = {"SLACK_WEBHOOK_URL": slack.url, "GITHUB_TOKEN": GITHUB_TOKEN, "GITHUB_REPOSITORY": "acme/ml-ops",
                 "GITHUB_API_URL": github.url, "GITHUB_STEP_SUMMARY": str(summary)}
        (tmp_path / "policies.yaml").write_text(POLICY)
        echoed = f"Bearer {HF_TOKEN} (also seen: {slack.url}, {GITHUB_TOKEN})"
        api.add_fault(Fault(route="list", namespace="alice", status=403, times=None,
                            message=f"listing refused for {echoed}"))
        api.add_fault(Fault(route="pause", status=403, times=None, message=f"{echoed} lacks permission"))
        markdown, _ = run(api, tmp_path, "check", "--format", "markdown", extra=extra, name="check.json")
        assert r"listing refused for Bearer \*\*\*" in markdown.stdout  # printed, escaped, and still masked
        result, report = run(api, tmp_path, "run", extra=extra)
        assert result.code == 1, result.stdout + result.stderr
        assert "***" in json.dumps(report) and "lacks permission" in summary.read_text()  # the messages did arrive
        assert slack.messages and github.issues and any(github.comments_on(n) for n in github.issues)
        channels = {
            "stdout/stderr": result.stdout + result.stderr,
            "check --format markdown": markdown.stdout + markdown.stderr,
            "report": (tmp_path / "report.json").read_text(),
            "state": (tmp_path / "state.json").read_text(),
            "step summary": summary.read_text(),
            "slack": json.dumps(slack.messages),
            "github issues": json.dumps(list(github.issues.values())),
            "github comments": json.dumps([github.comments_on(n) for n in github.issues]),
        }
        for where, text in channels.items():
            for secret in (HF_TOKEN, SLACK_SECRET, GITHUB_TOKEN):
                assert secret not in text, f"{secret} in the {where}"
    finally:
        slack.stop()
        github.stop()


def test_a_state_written_by_a_later_run_is_named_and_its_future_ignored(api, workdir):
    later, _ = run(api, workdir, "run", extra=None, name="later.json")
    assert later.code == 0
    result = run_cli(["check", "--now", "2026-11-22T02:17:00Z", "--state", str(workdir / "state.json"),
                      "--report", str(workdir / "earlier.json")], cli_env(api.base_url), cwd=workdir)
    report = json.loads((workdir / "earlier.json").read_text())
    assert any("after this run's instant 2026-11-22T02:17:00Z" in n for n in report["notices"]), report["notices"]
    # Nothing dates from the later run's memory: each endpoint says so, and none counts uptime from the state.
    billable = [e for e in report["endpoints"] if e["running_since_source"] != "not_billable"]
    assert billable and all(e["running_since_source"] not in ("state", "sightings") for e in billable)
    assert any("a state from a later run, ignored" in n for e in billable for n in e["measurement_notes"])
    assert "Traceback" not in result.stderr


def test_a_run_leaves_a_newer_watchdogs_state_file_as_it_is(api, workdir):
    newer = json.dumps({"version": 2, "something": "only a newer watchdog understands"})
    (workdir / "state.json").write_text(newer)
    result, report = run(api, workdir, "run")
    assert result.code == 0, result.stdout + result.stderr
    assert any("written by a newer watchdog" in n for n in report["notices"])
    assert (workdir / "state.json").read_text() == newer
