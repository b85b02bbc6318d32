"""`watchdog session` never pauses what it must not (issue #10, item 2).

A protected endpoint is refused like `pause` refuses it (exit 2, nothing touched) unless `--force`; and when the
resume call fails for any reason other than "already running", the session did not change the endpoint, so it
does not pause it either: exit 1 with the reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.inprocess import fleet_world
from watchdog.fakes.endpoints_api.shapes import Edit
from watchdog.fakes.faults import Fault

FLEET = {"user": "alice", "resume_delay": 0, "namespaces": {"acme-ml": {"endpoints": [
    {"name": "prod-api", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m", "state": "paused"},
    {"name": "eval-7b", "instance": "aws-us-east-1-nvidia-l4-x1", "repository": "org/m", "state": "paused"},
    {"name": "busy", "instance": "aws-us-east-1-nvidia-l4-x1", "repository": "org/m", "running_for": "1h"},
    {"name": "prod-live", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m", "running_for": "3d"},
    {"name": "keeper", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m", "running_for": "3d",
     "tags": ["keep-alive"]},
]}}}
POLICY = ("version: 1\nnamespaces: [acme-ml]\nendpoints:\n  - match: 'prod-*'\n    protected: true\n"
          "  - match: {tag: keep-alive}\n    protected: true\n")


def child(marker) -> list[str]:
    """A command that records the URL it was given (its stdout is the process's, not the captured one)."""
    return ["/bin/sh", "-c", f'printf %s "$HF_ENDPOINT_URL" > "{marker}"']


@pytest.fixture
def world(tmp_path):
    with fleet_world(FLEET, POLICY, tmp_path, datetime(2026, 11, 23, 2, 17, tzinfo=UTC)) as (api, watchdog):
        yield api, watchdog, tmp_path / "child-ran"


def test_session_refuses_a_protected_endpoint_like_pause_does(world):
    api, watchdog, marker = world
    api.clear_requests()
    session = watchdog("session", "prod-api", "--", *child(marker))
    assert session.code == 2
    assert "is protected by rule 1" in session.stderr and "--force" in session.stderr
    assert not marker.exists()
    assert {e.route for e in api.request_log()} <= {"get", "list"}  # nothing touched
    pause = watchdog("pause", "prod-api")
    assert pause.code == 0  # already paused: nothing to do, so compare the refusal on a running one
    api.resume_delay = 0
    assert watchdog("resume", "prod-api").code == 0
    refused_pause = watchdog("pause", "prod-api")
    refused_session = watchdog("session", "prod-api", "--", *child(marker))
    assert refused_pause.code == refused_session.code == 2
    assert refused_pause.stderr == refused_session.stderr  # the same message
    assert api.state_of("acme-ml", "prod-api") in ("initializing", "running")


def test_session_with_force_runs_and_pauses_a_protected_endpoint(world):
    api, watchdog, marker = world
    session = watchdog("session", "prod-api", "--force", "--", *child(marker))
    assert session.code == 0, session.stdout + session.stderr
    assert "paused acme-ml/prod-api" in session.stdout and marker.exists()
    assert api.state_of("acme-ml", "prod-api") == "paused"


@pytest.mark.parametrize("status, message", [(500, "Internal Server Error"), (409, "Conflict: quota exceeded"),
                                             (403, "Forbidden")])
def test_a_failed_resume_leaves_the_endpoint_alone_and_exits_1_with_the_reason(world, status, message):
    api, watchdog, marker = world
    api.add_fault(Fault(route="resume", name="eval-7b", status=status, message=message, times=None))
    session = watchdog("session", "eval-7b", "--", *child(marker))
    assert session.code == 1
    assert f"could not resume acme-ml/eval-7b: resume acme-ml/eval-7b: HTTP {status}" in session.stdout + session.stderr
    assert not marker.exists()
    assert api.request_counts().get("pause", 0) == 0  # it did not change it, so it does not pause it
    assert api.state_of("acme-ml", "eval-7b") == "paused"


def test_already_running_is_fine_and_the_session_still_pauses_at_the_end(world):
    api, watchdog, marker = world
    session = watchdog("session", "busy", "--", *child(marker))
    assert session.code == 0, session.stdout + session.stderr
    assert marker.read_text().startswith("https://")
    assert api.state_of("acme-ml", "busy") == "paused"


# The GET answer of a protected endpoint, broken in ways that once made `pause`, `scale-to-zero` and `session` go
# ahead (the refusal looked only at a full evaluation, which stops at "unmeasurable" before protection).
BROKEN_ANSWERS = {
    "no createdAt": ("prod-live", [Edit("drop", "status.createdAt")]),
    "unknown state": ("prod-live", [Edit("set", "status.state", "resuming")]),
    "no name": ("prod-live", [Edit("drop", "name")]),
    "tags as a string": ("keeper", [Edit("set", "tags", "keep-alive")]),
    "tags as objects": ("keeper", [Edit("set", "tags", [{"key": "keep-alive"}])]),
}


@pytest.mark.parametrize("command", ["pause", "scale-to-zero", "session"])
@pytest.mark.parametrize("answer", list(BROKEN_ANSWERS))
def test_a_protected_endpoint_with_a_broken_answer_is_still_refused(world, command, answer):
    api, watchdog, marker = world
    name, edits = BROKEN_ANSWERS[answer]
    api.set_shapes(namespace="acme-ml", name=name, endpoint=edits)
    api.clear_requests()
    result = watchdog(command, name, *(["--", *child(marker)] if command == "session" else []))
    assert result.code == 2, result.stdout + result.stderr
    assert f"acme-ml/{name} is protected by rule" in result.stderr and "--force" in result.stderr
    if answer.startswith("tags"):
        assert "(it may: tag could not be read)" in result.stderr
    assert {e.route for e in api.request_log()} <= {"get", "list"} and not marker.exists()
    assert api.state_of("acme-ml", name) == "running"
