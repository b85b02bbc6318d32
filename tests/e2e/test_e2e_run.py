"""End to end: the real CLI (in-process; one subprocess smoke test) → real huggingface_hub → the fake API on
loopback."""

from __future__ import annotations

import json

import pytest

from tests.e2e_support import FLEET, HF_TOKEN, NOW_ISO, POLICY, cli_env, run_cli, run_cli_subprocess

pytestmark = pytest.mark.e2e


def states(api) -> dict[str, str]:
    return {f"{ns}/{ep['name']}": api.state_of(ns, ep["name"]) for ns, spec in FLEET["namespaces"].items()
            for ep in spec["endpoints"]}


def cli(api, workdir, *args, extra=None, runner=run_cli):
    common = ["--now", NOW_ISO, "--state", str(workdir / "state.json")]
    return runner([*args, *common], cli_env(api.base_url, extra), cwd=workdir)


def test_run_pauses_the_forgotten_scales_the_idle_and_spares_the_protected(api, workdir):
    """The main path once through `python -m watchdog` in its own process (the other e2e tests run in-process)."""
    before = states(api)
    result = cli(api, workdir, "run", "--report", str(workdir / "report.json"), runner=run_cli_subprocess)
    assert result.code == 0, result.stderr + result.stdout
    after = states(api)
    assert after["acme-ml/forgotten-a100"] == "paused"
    assert after["acme-ml/idle-l4"] == "scaledToZero"
    assert after["acme-ml/prod-chat"] == "running"  # protected
    assert after["acme-ml/busy"] == "running"
    assert after["alice/alice-demo"] == "paused"  # 20h > 12h default
    assert before["acme-ml/asleep"] == after["acme-ml/asleep"] == "paused"

    report = json.loads((workdir / "report.json").read_text())
    by_name = {e["name"]: e for e in report["endpoints"]}
    forgotten = by_name["forgotten-a100"]
    assert (forgotten["decision"], forgotten["outcome"]) == ("pause", "paused")
    assert forgotten["violations"][0]["check"] == "max_uptime"
    assert forgotten["running_since_source"] == "replica"
    assert forgotten["uptime_seconds"] == 30 * 3600
    assert forgotten["hourly_usd"] == 2.5
    assert by_name["prod-chat"]["decision"] == "protected" and by_name["prod-chat"]["outcome"] == "none"
    assert by_name["idle-l4"]["outcome"] == "scaled-to-zero"
    assert report["summary"]["paused"] == 2 and report["summary"]["failed"] == 0
    assert report["summary"]["saved_usd_per_hour"] == pytest.approx(2.5 + 0.8 + 0.5)
    assert "pause" in api.request_counts() and api.request_counts()["pause"] == 2
    # Things that were not billable were never fetched one by one.
    assert "get" not in api.request_counts()


@pytest.mark.parametrize("args", [["check"], ["run", "--dry-run"]])
def test_check_and_dry_run_touch_nothing(api, workdir, args):
    before = states(api)
    result = cli(api, workdir, *args, "--format", "json")
    assert result.code == 0, result.stderr
    assert states(api) == before
    counts = api.request_counts()
    assert not {"pause", "scale-to-zero", "resume", "delete"} & set(counts)
    outcomes = {e["name"]: e["outcome"] for e in result.json()["endpoints"]}
    assert outcomes["forgotten-a100"] == "would-pause"
    assert outcomes["idle-l4"] == "would-scale-to-zero"


def test_check_fail_on_violation_exits_3(api, workdir):
    result = cli(api, workdir, "check", "--fail-on-violation")
    assert result.code == 3
    assert states(api)["acme-ml/forgotten-a100"] == "running"


def test_pause_all_needs_the_right_confirm_and_spares_protected(api, workdir):
    wrong = cli(api, workdir, "pause-all", "--confirm", "acme")
    assert wrong.code == 2 and "not a watched namespace" in wrong.stderr
    assert "pause" not in api.request_counts()

    result = cli(api, workdir, "pause-all", "--confirm", "acme-ml")
    assert result.code == 0, result.stderr + result.stdout
    after = states(api)
    for name in ("forgotten-a100", "idle-l4", "busy"):  # every billable, healthy or not
        assert after[f"acme-ml/{name}"] == "paused"
    assert after["acme-ml/prod-chat"] == "running"
    assert after["alice/alice-demo"] == "running"  # another namespace: untouched

    everything = cli(api, workdir, "pause-all", "--confirm", "acme-ml", "--include-protected")
    assert everything.code == 0
    assert states(api)["acme-ml/prod-chat"] == "paused"


def test_pause_all_dry_run_lists_without_pausing(api, workdir):
    result = cli(api, workdir, "pause-all", "--confirm", "acme-ml", "--dry-run", "--format", "json")
    assert result.code == 0, result.stderr
    outcomes = {e["name"]: e["outcome"] for e in result.json()["endpoints"]}
    assert outcomes["busy"] == "would-pause" and outcomes["prod-chat"] == "none"
    assert states(api)["acme-ml/busy"] == "running"


def test_invalid_policy_exits_2_and_touches_nothing(api, workdir):
    (workdir / "policies.yaml").write_text(POLICY.replace("max_idle: 2h", "max_idle: two hours"))
    before = states(api)
    result = cli(api, workdir, "run")
    assert result.code == 2
    assert "policies.yaml:" in result.stderr and "max_idle" in result.stderr
    assert states(api) == before
    assert api.request_counts() == {}  # not even a listing


def test_missing_token_exits_2_and_sends_nothing(api, workdir):
    env = cli_env(api.base_url)
    del env["HF_TOKEN"]
    result = run_cli(["run", "--now", NOW_ISO], env, cwd=workdir)
    assert result.code == 2 and "HF_TOKEN is not set" in result.stderr
    assert api.request_counts() == {}


def test_second_run_uses_its_own_memory_and_the_token_never_leaks(api, workdir):
    first = cli(api, workdir, "run", "--report", str(workdir / "r1.json"))
    second = cli(api, workdir, "run", "--report", str(workdir / "r2.json"))
    assert first.code == 0 and second.code == 0
    state_text = (workdir / "state.json").read_text()
    for text in (first.stdout, first.stderr, second.stdout, second.stderr, state_text,
                 (workdir / "r1.json").read_text(), (workdir / "r2.json").read_text()):
        assert HF_TOKEN not in text
    # Already paused on night 2: no second pause call.
    assert api.request_counts()["pause"] == 2


def test_first_run_says_it_found_no_state_and_the_second_does_not(api, workdir):
    first = cli(api, workdir, "run", "--format", "json")
    assert any("no state file from an earlier run" in n for n in first.json()["notices"])
    second = cli(api, workdir, "run", "--format", "json")
    assert not any("no state file" in n for n in second.json().get("notices", []))


def test_a_last_success_much_older_than_run_every_is_reported(api, workdir):
    (workdir / "state.json").write_text(json.dumps({
        "version": 1, "endpoints": {}, "alerts": {}, "runs": {"last_success_at": "2026-11-20T02:17:00Z"}}))
    result = cli(api, workdir, "run", "--format", "json")
    notices = result.json()["notices"]
    assert any("the schedule may have been dropped or disabled" in n and "3d ago" in n for n in notices)


def test_plan_from_a_saved_report_needs_no_token_and_lists_only_what_changes(api, workdir):
    saved = cli(api, workdir, "check", "--report", str(workdir / "report.json"))
    assert saved.code == 0
    (workdir / "base.yaml").write_text(POLICY)
    env = cli_env(api.base_url)
    del env["HF_TOKEN"]
    api.clear_requests()

    def plan(new_policy: str) -> dict[str, str]:
        (workdir / "policies.yaml").write_text(new_policy)
        result = run_cli(["plan", "--base", "base.yaml", "--from-report", "report.json", "--now", NOW_ISO], env,
                         cwd=workdir)
        assert result.code == 0, result.stderr
        return {line.split("`")[1]: line for line in result.stdout.splitlines() if line.startswith("| `")}

    # Loosening the L4 rule touches exactly the one endpoint it governs, and flips its decision.
    one_rule = plan(POLICY.replace("max_idle: 1h", "max_idle: 4h"))
    assert list(one_rule) == ["acme-ml/idle-l4"]
    assert "scale-to-zero → **keep**" in one_rule["acme-ml/idle-l4"]
    # Tightening a default changes the limits of everything it reaches; only `busy` changes decision.
    defaults = plan(POLICY.replace("max_uptime: 12h", "max_uptime: 30m"))
    assert "keep → **pause**" in defaults["acme-ml/busy"]
    assert [k for k, line in defaults.items() if "**" in line] == ["acme-ml/busy"]
    # Without --now the report's own instant is used, not the clock's: a day later nothing has stretched.
    later = run_cli(["plan", "--base", "base.yaml", "--from-report", "report.json"], env, cwd=workdir)
    assert later.code == 0 and "evaluated as of 2026-11-23 02:17 UTC" in later.stdout, later.stdout
    assert api.request_counts() == {}  # no network at all
