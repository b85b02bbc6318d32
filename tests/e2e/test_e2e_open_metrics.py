"""A namespace without open metrics, end to end (issue #15, item 2): the CLI against the fake API, over two days.

One probe per namespace and run; `run` remembers the verdict in the state for 24 h (no request at all), then asks
one endpoint again; `check` never writes it; the report says it once per namespace, in the same words each night.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.inprocess import env_for, run_watchdog
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI, Fault

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
POLICY = ("version: 1\nnamespaces: [acme-ml, team]\ntimezone: UTC\n"
          "defaults: {max_uptime: 48h, max_idle: 2h, action: pause, on_unknown_idle: notify}\n")
L4 = "aws-us-east-1-nvidia-l4-x1"


def ep(name: str, state: str = "running", metrics: bool = True) -> dict:
    return {"name": name, "state": state, "instance": L4, "repository": "org/m", "running_for": "3h",
            "open_metrics": metrics}


FLEET = {"user": "alice", "namespaces": {
    "acme-ml": {"endpoints": [{**ep("a-warming", "initializing", False), "ready_in": "3d"},
                              *(ep(f"ep-{i}", metrics=False) for i in range(6)),
                              {"name": "z-paused", "state": "paused", "instance": L4, "repository": "org/m"}]},
    "team": {"endpoints": [ep("t-1"), ep("t-2")]},
}}
NOTICE = ("open metrics unavailable in namespace acme-ml (403 on acme-ml/ep-0): request counters are not asked for "
          "its other endpoints; runs remember this for 24 h, then ask one endpoint again")


@pytest.fixture
def api():
    with FakeEndpointsAPI.from_dict(FLEET, FakeClock(NOW)) as server:
        yield server


def night(api, tmp_path, command: str, at: datetime, *extra: str):
    (tmp_path / "p.yaml").write_text(POLICY)
    api.set_time(at)
    api.clear_requests()
    run = run_watchdog([command, *extra, "--now", at.strftime("%Y-%m-%dT%H:%M:%SZ"), "--policies",
                        str(tmp_path / "p.yaml"), "--state", str(tmp_path / "state.json")],
                       env_for(api.base_url, tmp_path), report=tmp_path / "r.json")
    asked = [f"{e.namespace}/{e.name}" for e in api.request_log() if e.route == "open-metrics"]
    return run, asked


def note(run, name: str) -> str:
    return run.endpoint(name)["measurement_notes"][-1]


def test_check_probes_once_per_namespace_and_writes_no_state(api, tmp_path):
    run, asked = night(api, tmp_path, "check", NOW)
    assert run.code == 0, run.stdout + run.stderr
    assert sorted(asked) == ["acme-ml/ep-0", "team/t-1", "team/t-2"]
    assert api.request_counts()["replica"] == 9  # every billable endpoint still has its replica call
    assert run.report["notices"] == [NOTICE] and f"note: {NOTICE}" in run.stdout
    assert note(run, "ep-0").startswith("request counter unknown: open-metrics of acme-ml/ep-0: HTTP 403")
    # A plan without open metrics, not a token without a permission: nothing the token's owner could grant.
    assert note(run, "ep-0").endswith("(the plan has no open metrics, which come with Team and Enterprise: not a token "
                                      "permission problem)")
    assert "Manage Inference Endpoints" not in note(run, "ep-0")
    for name in ("ep-5", "a-warming"):
        assert note(run, name) == ("request counter unknown: open metrics unavailable in this namespace "
                                   "(403 on acme-ml/ep-0)")
    assert not (tmp_path / "state.json").exists()
    _, asked_again = night(api, tmp_path, "check", NOW + timedelta(hours=1))
    assert sorted(asked_again) == sorted(asked)  # nothing remembered: check writes no state


def test_run_remembers_it_for_a_day_then_asks_one_endpoint_again(api, tmp_path):
    first, asked = night(api, tmp_path, "run", NOW)
    assert first.code == 0, first.stdout + first.stderr
    assert [a for a in asked if a.startswith("acme-ml/")] == ["acme-ml/ep-0"]
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["metrics_unavailable"] == {"acme-ml": {"status": 403, "endpoint": "acme-ml/ep-0",
                                                        "since": "2026-11-23T02:17:00Z"}}

    later, asked = night(api, tmp_path, "run", NOW + timedelta(hours=23))
    assert [a for a in asked if a.startswith("acme-ml/")] == []  # not one request
    assert later.report["notices"] == [NOTICE]  # the same words: news once, not every night
    assert note(later, "ep-3") == ("request counter unknown: open metrics unavailable in this namespace (403 on "
                                   "acme-ml/ep-0 at 2026-11-23T02:17:00Z; asked again from 2026-11-24T02:17:00Z)")
    assert json.loads((tmp_path / "state.json").read_text())["metrics_unavailable"] == state["metrics_unavailable"]

    # A day on, one endpoint is asked again: still refused, the verdict starts again from now.
    day2, asked = night(api, tmp_path, "run", NOW + timedelta(hours=24, minutes=5))
    assert [a for a in asked if a.startswith("acme-ml/")] == ["acme-ml/ep-0"]
    assert json.loads((tmp_path / "state.json").read_text())["metrics_unavailable"]["acme-ml"]["since"] == \
        "2026-11-24T02:22:00Z"
    assert day2.report["notices"] == [NOTICE]

    # The plan was upgraded meanwhile: a day later the probe is answered, everyone is asked, the verdict is dropped.
    for spec in FLEET["namespaces"]["acme-ml"]["endpoints"]:
        api.delete_endpoint("acme-ml", spec["name"])
        api.add_endpoint("acme-ml", {**spec, "open_metrics": True})
    day3, asked = night(api, tmp_path, "run", NOW + timedelta(hours=48, minutes=10))
    acme = [a for a in asked if a.startswith("acme-ml/")]
    assert acme[0] == "acme-ml/ep-0"
    assert sorted(acme) == ["acme-ml/a-warming", *(f"acme-ml/ep-{i}" for i in range(6))]
    assert "notices" not in day3.report or day3.report["notices"] == []
    assert json.loads((tmp_path / "state.json").read_text())["metrics_unavailable"] == {}


def test_404_everywhere_is_one_probe_too_and_a_dry_run_keeps_no_verdict_as_it_keeps_no_measurements(api, tmp_path):
    api.add_fault(Fault(route="open-metrics", namespace="team", status=404, times=None))
    run, asked = night(api, tmp_path, "run", NOW, "--dry-run")
    assert sorted(asked) == ["acme-ml/ep-0", "team/t-1"]
    assert len(run.report["notices"]) == 2 and "(404 on team/t-1)" in run.report["notices"][1]
    # A dry run writes no state: neither the endpoints' measurement memory nor the verdict (it may be a replay).
    assert not (tmp_path / "state.json").exists()
