"""An unreachable API is a failure (exit 1), never a usage error or "nothing to do" (issue #10, item 6)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from tests.inprocess import env_for, run_watchdog
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI
from watchdog.fakes.faults import Fault

NOW_ISO = "2026-11-23T02:17:00Z"
POLICY = "version: 1\nnamespaces: [acme-ml, alice]\n"
NO_NAMESPACES = "version: 1\n"
FLEET = {"user": "alice", "namespaces": {"acme-ml": {"endpoints": [
    {"name": "eval-7b", "instance": "aws-us-east-1-nvidia-l4-x1", "repository": "org/m", "state": "paused"}]},
    "alice": {"endpoints": []}}}


def closed_port_url() -> str:
    """A loopback address nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def watchdog(tmp_path, base_url, *args, policy=POLICY):
    (tmp_path / "p.yaml").write_text(policy)
    return run_watchdog(["--now", NOW_ISO, "--policies", str(tmp_path / "p.yaml"), "--state", str(tmp_path / "s.json"),
                         "--request-timeout", "2", *args], env_for(base_url, tmp_path))


@pytest.mark.parametrize("args", [["status", "eval-7b"], ["pause", "eval-7b"], ["resume", "eval-7b"],
                                  ["scale-to-zero", "acme-ml/eval-7b"], ["session", "eval-7b", "--", "true"]])
def test_api_down_is_exit_1_could_not_reach_not_no_endpoint_named(tmp_path, args):
    result = watchdog(tmp_path, closed_port_url(), *args)
    assert result.code == 1, result.stderr
    assert "could not reach the Endpoints API (" in result.stderr
    assert "no endpoint named" not in result.stderr


def test_a_persistent_5xx_on_the_lookup_is_exit_1_too(tmp_path):
    with FakeEndpointsAPI.from_dict(FLEET, FakeClock(datetime(2026, 11, 23, tzinfo=UTC))) as api:
        api.add_fault(Fault(route="get", status=503, times=None))
        result = watchdog(tmp_path, api.base_url, "pause", "eval-7b")
        assert (result.code == 1 and "could not reach the Endpoints API (" in result.stderr
                and "HTTP 503" in result.stderr)
        assert api.request_counts().get("pause", 0) == 0
        missing = watchdog(tmp_path, api.base_url, "pause", "ghost")
        assert missing.code == 1  # 503 in every namespace: we cannot say it does not exist
        api.clear_faults()
        truly_missing = watchdog(tmp_path, api.base_url, "pause", "ghost")
        assert truly_missing.code == 2 and "no endpoint named 'ghost'" in truly_missing.stderr  # a real 404


def test_a_failed_whoami_is_exit_1(tmp_path):
    result = watchdog(tmp_path, closed_port_url(), "check", policy=NO_NAMESPACES)
    assert result.code == 1
    assert "could not reach the Endpoints API (whoami" in result.stderr


def test_check_with_every_namespace_unreachable_never_says_nothing_to_do(tmp_path):
    result = watchdog(tmp_path, closed_port_url(), "check")
    assert result.code == 1
    assert "Nothing to do." not in result.stdout
    assert "!! namespace acme-ml" in result.stdout and "could not be listed" in result.stdout
