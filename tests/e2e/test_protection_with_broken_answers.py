"""A rule that protects by tag or repository keeps protecting when the API sends that field malformed: `run` and
`pause-all` leave the endpoint running and say why (in-process, against the bundled fake on 127.0.0.1)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.inprocess import fleet_world
from watchdog.fakes.endpoints_api.shapes import Edit

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
FLEET = {"user": "alice", "namespaces": {"team": {"endpoints": [
    {"name": "keeper", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m", "running_for": "3d",
     "tags": ["keep-alive"]},
    {"name": "critical", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/critical", "running_for": "3d"},
    {"name": "forgotten", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m", "running_for": "3d"},
]}}}
POLICY = """\
version: 1
namespaces: [team]
defaults: {max_uptime: 4h, action: pause}
endpoints:
  - match: {tag: keep-alive}
    protected: true
  - match: {repository: org/critical}
    protected: true
"""
BROKEN = [("keeper", Edit("set", "tags", "keep-alive"), "tags"),
          ("keeper", Edit("set", "tags", [{"key": "keep-alive"}]), "tags"),
          ("critical", Edit("set", "model.repository", {"id": "org/critical"}), "model.repository")]


@pytest.fixture
def world(tmp_path):
    with fleet_world(FLEET, POLICY, tmp_path, NOW, "--state", str(tmp_path / "s.json")) as (api, watchdog):
        yield api, watchdog, tmp_path


@pytest.mark.parametrize("name, edit, path", BROKEN)
@pytest.mark.parametrize("command", [["run"], ["pause-all", "--confirm", "team"]])
def test_protection_holds_when_the_field_it_matches_on_is_malformed(world, command, name, edit, path):
    api, watchdog, tmp_path = world
    api.set_shapes(namespace="team", name=name, endpoint=[edit])
    result = watchdog(*command, "--report", str(tmp_path / "r.json"))
    assert result.code == 0, result.stdout + result.stderr
    assert api.state_of("team", name) == "running"
    assert api.state_of("team", "forgotten") == "paused"  # the others are unaffected
    entry = next(e for e in json.loads((tmp_path / "r.json").read_text())["endpoints"] if e["name"] == name)
    assert entry["decision"] == "protected" and entry["outcome"] == "none"
    assert f"{path} is missing or malformed, and this rule may cover it" in entry["reason"]
