"""Lifecycle: resume --wait, pause/scale-to-zero commands, and sessions that always end with the endpoint paused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.e2e_support import NOW, NOW_ISO, cli_env, run_cli
from watchdog.adapters.hub import EndpointsHub, HubSettings
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI
from watchdog.operations.lifecycle import EndpointStatus, resume_and_wait, run_session, wait_until_running

FLEET = {
    "user": "alice",
    "namespaces": {"acme-ml": {"endpoints": [
        {"name": "eval-7b", "instance": "aws-us-east-1-nvidia-l4-x1", "repository": "org/m", "state": "paused"},
        {"name": "broken", "instance": "aws-us-east-1-nvidia-l4-x1", "repository": "org/m", "state": "paused",
         "start_fails": "CUDA out of memory"},
        {"name": "prod-api", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m", "running_for": "2h"},
    ]}},
}
POLICY = "version: 1\nnamespaces: [acme-ml]\nendpoints:\n  - match: 'prod-*'\n    protected: true\n"


@pytest.fixture
def api():
    server = FakeEndpointsAPI.from_dict(FLEET, clock=FakeClock(NOW), resume_delay=300)
    server.start()
    yield server
    server.stop()


def in_process_hub(api) -> EndpointsHub:
    return EndpointsHub(HubSettings(token="hf_test_token_lifecycle", api_url=api.api_url, hub_url=api.base_url))


def simulated_time(api):
    """sleep and monotonic on the fake API's clock: minutes of start-up pass instantly."""
    return (lambda seconds: api.advance(seconds)), (lambda: api.now().timestamp())


def test_cold_start_of_five_simulated_minutes_is_followed_to_running(api):
    sleep, monotonic = simulated_time(api)
    said: list[str] = []
    url = resume_and_wait(in_process_hub(api), "acme-ml", "eval-7b", timeout=600, say=said.append,
                          sleep=sleep, monotonic=monotonic)
    assert url and url.startswith("https://")
    assert api.state_of("acme-ml", "eval-7b") == "running"
    changes = [line for line in said if line.startswith("  ")]
    assert [line.split()[1] for line in changes] == ["initializing", "running"]  # one line per state change
    # Backed-off polling: 5 simulated minutes take a couple of dozen status calls, not hundreds.
    assert api.request_counts()["get"] <= 25


def test_a_start_that_fails_reports_the_message(api):
    sleep, monotonic = simulated_time(api)
    said: list[str] = []
    url = resume_and_wait(in_process_hub(api), "acme-ml", "broken", timeout=600, say=said.append,
                          sleep=sleep, monotonic=monotonic)
    assert url is None
    assert "CUDA out of memory" in said[-1]


def test_wait_times_out():
    clock = [0.0]
    result = wait_until_running(lambda: EndpointStatus("initializing", None, "still starting"), timeout=60,
                                sleep=lambda s: clock.__setitem__(0, clock[0] + s), monotonic=lambda: clock[0])
    assert not result.ok and result.timed_out and result.waited_seconds >= 60


@pytest.mark.parametrize("command, expected", [
    ([sys.executable, "-c", "import os,sys; open(sys.argv[1],'w').write(os.environ['HF_ENDPOINT_URL'])"], 0),
    ([sys.executable, "-c", "import sys; sys.exit(7)"], 7),
])
def test_session_runs_the_command_with_the_url_then_pauses(api, tmp_path, command, expected):
    sleep, monotonic = simulated_time(api)
    out = tmp_path / "url.txt"
    if expected == 0:
        command = [*command, str(out)]
    code = run_session(in_process_hub(api), "acme-ml", "eval-7b", command, timeout=600, say=lambda s: None,
                       sleep=sleep, monotonic=monotonic, env={"PATH": os.environ.get("PATH", "")})
    assert code == expected
    assert api.state_of("acme-ml", "eval-7b") == "paused"
    if expected == 0:
        assert out.read_text().startswith("https://")


def test_session_pauses_even_when_the_start_fails(api):
    sleep, monotonic = simulated_time(api)
    code = run_session(in_process_hub(api), "acme-ml", "broken", ["true"], timeout=600, say=lambda s: None,
                       sleep=sleep, monotonic=monotonic)
    assert code == 1
    assert api.state_of("acme-ml", "broken") == "paused"


def test_keep_running_opts_out(api):
    sleep, monotonic = simulated_time(api)
    code = run_session(in_process_hub(api), "acme-ml", "eval-7b", ["true"], keep_running=True, timeout=600,
                       say=lambda s: None, sleep=sleep, monotonic=monotonic)
    assert code == 0 and api.state_of("acme-ml", "eval-7b") == "running"


# -- through the real CLI ------------------------------------------------------------------------------------------


@pytest.fixture
def instant_api():
    """The fake with zero start-up delay: a subprocess cannot move the fake clock, so `running` must be immediate."""
    server = FakeEndpointsAPI.from_dict({**FLEET, "resume_delay": 0, "pending_delay": 0}, clock=FakeClock(NOW))
    server.start()
    yield server
    server.stop()


def cli(api, tmp_path, *args):
    (tmp_path / "policies.yaml").write_text(POLICY)
    state = ["--state", str(tmp_path / "s.json")] if args[0] == "status" else []  # the only one that reads state
    return run_cli([*args, "--now", NOW_ISO, *state], cli_env(api.base_url), cwd=tmp_path)


def test_pause_command_refuses_protected_without_force_and_is_idempotent(instant_api, tmp_path):
    refused = cli(instant_api, tmp_path, "pause", "prod-api")
    assert refused.code == 2 and "protected" in refused.stderr and "--force" in refused.stderr
    assert instant_api.state_of("acme-ml", "prod-api") == "running"
    forced = cli(instant_api, tmp_path, "pause", "acme-ml/prod-api", "--force")
    assert forced.code == 0 and instant_api.state_of("acme-ml", "prod-api") == "paused"
    again = cli(instant_api, tmp_path, "pause", "prod-api")
    assert again.code == 0 and "already paused" in again.stdout
    assert instant_api.request_counts()["pause"] == 1


def test_resume_wait_prints_the_url_and_status_shows_it(instant_api, tmp_path):
    resumed = cli(instant_api, tmp_path, "resume", "eval-7b", "--wait", "--timeout", "30")
    assert resumed.code == 0, resumed.stdout + resumed.stderr
    assert "export HF_ENDPOINT_URL=https://" in resumed.stdout
    status = cli(instant_api, tmp_path, "status", "eval-7b")
    assert status.code == 0
    assert "state      running" in status.stdout and "url        https://" in status.stdout
    assert "policy     rule 0" in status.stdout


def test_resume_of_a_failing_start_exits_1_with_the_message(instant_api, tmp_path):
    result = cli(instant_api, tmp_path, "resume", "broken", "--wait", "--timeout", "30")
    assert result.code == 1
    assert "CUDA out of memory" in result.stdout


def test_sigterm_mid_command_still_pauses(instant_api, tmp_path):
    (tmp_path / "policies.yaml").write_text(POLICY)
    marker = tmp_path / "started"
    child = f"import pathlib, time; pathlib.Path({str(marker)!r}).write_text('x'); time.sleep(60)"
    proc = subprocess.Popen(
        [sys.executable, "-m", "watchdog", "session", "eval-7b", "--now", NOW_ISO, "--", sys.executable, "-c", child],
        env=cli_env(instant_api.base_url), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), proc.communicate(timeout=5)
        assert instant_api.state_of("acme-ml", "eval-7b") == "running"
        proc.send_signal(signal.SIGTERM)
        stdout, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert "interrupted by SIGTERM" in stdout
    assert instant_api.state_of("acme-ml", "eval-7b") == "paused"


def test_session_echoes_the_command_shell_quoted_exactly_as_it_runs(api):
    sleep, monotonic = simulated_time(api)
    said: list[str] = []
    command = ["sh", "-c", 'echo hi; echo "url=$HF_ENDPOINT_URL"']
    run_session(in_process_hub(api), "acme-ml", "eval-7b", command, timeout=600, say=said.append,
                sleep=sleep, monotonic=monotonic, env={"PATH": os.environ.get("PATH", "")})
    assert "running: sh -c 'echo hi; echo \"url=$HF_ENDPOINT_URL\"'" in said
