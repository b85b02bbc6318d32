"""Multi-night scenarios: three or more consecutive runs sharing one state file, the fake clock moving between
them, every night's decisions asserted (issue #10). In-process against the bundled fake on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.inprocess import env_for, run_watchdog
from watchdog.fakes.clock import FakeClock, iso_z
from watchdog.fakes.endpoints_api import Edit, FakeEndpointsAPI
from watchdog.fakes.faults import Fault

T = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
L4 = "aws-us-east-1-nvidia-l4-x1"
POLICY = """version: 1
namespaces: [acme-ml]
defaults: {max_uptime: 48h, max_idle: 2h, action: pause, on_unknown_idle: notify}
endpoints:
  - match: "eval-*"
    max_uptime: 8h
    max_idle: 6h
  - match: "grow-*"
    max_cost: 40
"""


class Nights:
    """Runs `watchdog run` at the fake clock's instant, always with the same state file."""

    def __init__(self, api: FakeEndpointsAPI, folder: Path):
        self.api, self.folder = api, folder
        (folder / "p.yaml").write_text(POLICY)
        self.state = folder / "state.json"
        self.count = 0

    def run(self) -> dict[str, str]:
        self.count += 1
        now = self.api.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        result = run_watchdog(["run", "--now", now, "--policies", str(self.folder / "p.yaml"), "--state",
                               str(self.state)], env_for(self.api.base_url, self.folder),
                              report=self.folder / f"night{self.count}.json")
        assert result.code == 0, result.stdout + result.stderr
        self.last = result
        return {e["name"]: e["decision"] for e in result.report["endpoints"]}

    def entry(self, name: str) -> dict:
        return self.last.endpoint(name)


def fake(*endpoints: dict) -> FakeEndpointsAPI:
    fleet = {"user": "alice", "resume_delay": 0, "namespaces": {"acme-ml": {"endpoints": list(endpoints)}}}
    return FakeEndpointsAPI.from_dict(fleet, FakeClock(T))


def someone(api: FakeEndpointsAPI, verb: str, name: str) -> None:
    """Another person acting through the API between two runs."""
    response = httpx.post(f"{api.api_url}/endpoint/acme-ml/{name}/{verb}", headers={"Authorization": "Bearer hf_other"})
    assert response.status_code == 200, response.text


def test_idle_from_last_used_at_plus_the_counter(tmp_path):
    with fake({"name": "chatty", "instance": L4, "repository": "o/m", "running_for": "5h",
               "last_used_ago": "30m"}) as api:
        # lastUsedAt as a lagging API might serve it: stuck 30 minutes before the first night.
        api.set_shapes("acme-ml", "chatty",
                       endpoint=[Edit("set", "status.lastUsedAt", iso_z(T - timedelta(minutes=30)))])
        nights = Nights(api, tmp_path)
        assert nights.run() == {"chatty": "keep"}  # idle 30m from lastUsedAt; the counter's first sample proves nothing
        assert nights.entry("chatty")["idle_seconds"] == 1800
        api.advance(3600)
        api.record_traffic("acme-ml", "chatty", 7)  # requests the stuck lastUsedAt does not show
        api.advance(2 * 3600)
        assert nights.run() == {"chatty": "keep"}  # the counter moved between the two runs: evidence of a request
        chatty = nights.entry("chatty")
        assert chatty["idle_seconds"] == 0 and "moved between 2026-12-01T01:00:00Z and 2026-12-01T04:00:00Z" in \
            chatty["last_activity_evidence"]
        api.advance(3 * 3600)
        assert nights.run() == {"chatty": "pause"}  # no movement since 04:00: idle 3h > 2h
        assert nights.entry("chatty")["idle_seconds"] == 3 * 3600 and nights.entry("chatty")["outcome"] == "paused"
        api.advance(3600)
        assert nights.run() == {"chatty": "keep"} and nights.entry("chatty")["state"] == "paused"


def test_counter_only_idle(tmp_path):
    with fake({"name": "quiet", "instance": L4, "repository": "o/m", "running_for": "30h", "requests_total": 412},
              {"name": "busy", "instance": L4, "repository": "o/m", "running_for": "30h",
               "requests_per_hour": 60}) as api:
        nights = Nights(api, tmp_path)
        assert nights.run() == {"quiet": "notify", "busy": "notify"}  # first samples: idle unknown, never a pause
        api.advance(3600)
        assert nights.run() == {"quiet": "keep", "busy": "keep"}  # quiet: no request for at least 1h
        assert nights.entry("quiet")["idle_is_lower_bound"] and nights.entry("quiet")["idle_seconds"] == 3600
        api.advance(2 * 3600)
        assert nights.run() == {"quiet": "pause", "busy": "keep"}  # flat for 3h > max_idle 2h
        assert "no request since the first counter sample at 2026-12-01T01:00:00Z" in \
            nights.entry("quiet")["last_activity_evidence"]
        assert api.state_of("acme-ml", "quiet") == "paused" and api.state_of("acme-ml", "busy") == "running"


def test_a_pause_and_a_resume_by_someone_else_between_two_runs(tmp_path):
    with fake({"name": "eval-7b", "instance": L4, "repository": "o/m", "running_for": "2h",
               "last_used_ago": "10m"}) as api:
        api.add_fault(Fault(route="replica", name="eval-7b", status=500, times=None))  # uptime from memory only
        nights = Nights(api, tmp_path)
        assert nights.run() == {"eval-7b": "keep"}  # 2h from status.updatedAt (weak)
        api.advance(3600)
        someone(api, "pause", "eval-7b")
        api.advance(4 * 3600)
        someone(api, "resume", "eval-7b")
        api.advance(3 * 3600)
        # First seen billable 8h ago, but updatedAt moved at the resume: the stretch is 3h, not 8h (max_uptime 8h).
        assert nights.run() == {"eval-7b": "keep"}
        assert nights.entry("eval-7b")["uptime_seconds"] == 3 * 3600
        assert nights.entry("eval-7b")["running_since_source"] == "state"
        api.advance(6 * 3600)
        assert nights.run() == {"eval-7b": "pause"}  # 9h of this stretch > 8h
        assert nights.entry("eval-7b")["outcome"] == "paused"


def test_the_state_file_lost_on_night_two(tmp_path):
    with fake({"name": "quiet", "instance": L4, "repository": "o/m", "running_for": "30h", "requests_total": 9},
              {"name": "used", "instance": L4, "repository": "o/m", "running_for": "30h",
               "last_used_ago": "1h"}) as api:
        nights = Nights(api, tmp_path)
        assert nights.run() == {"quiet": "notify", "used": "keep"}
        api.advance(3 * 3600)
        nights.state.unlink()  # a cache eviction
        # quiet: the counter memory is gone, so idle is unknown again: notify, never a pause on weaker data
        assert nights.run() == {"quiet": "notify", "used": "pause"}  # used: lastUsedAt 4h ago, state or not
        assert any("no state file" in n for n in nights.last.report["notices"])
        api.advance(3 * 3600)
        nights.state.write_text("{truncated")  # and corrupt the next night, for good measure
        assert nights.run() == {"quiet": "notify", "used": "keep"}  # used: paused last night
        assert any("unreadable" in n for n in nights.last.report["notices"])
        api.advance(3 * 3600)
        assert nights.run() == {"quiet": "pause", "used": "keep"}  # flat since the sample before: idle 3h


def test_an_endpoint_deleted_and_recreated_under_the_same_name(tmp_path):
    spec = {"name": "phoenix", "instance": L4, "repository": "o/m", "running_for": "1h", "requests_total": 5}
    with fake(spec) as api:
        nights = Nights(api, tmp_path)
        # First sample: idle unknown, but it has run 1h, so max_idle 2h cannot be broken yet.
        assert nights.run() == {"phoenix": "keep"}
        api.advance(3600)
        api.delete_endpoint("acme-ml", "phoenix")
        api.add_endpoint("acme-ml", {**spec, "running_for": 0, "created_ago": 0})  # same name, same counter value
        api.advance(3 * 3600)
        # The old endpoint's samples are not this one's: without that check the flat counter would read as 3h idle.
        assert nights.run() == {"phoenix": "notify"}
        assert any("re-created" in n for n in nights.entry("phoenix")["measurement_notes"])
        api.advance(3 * 3600)
        assert nights.run() == {"phoenix": "pause"}  # its own counter, flat for 3h
        assert nights.entry("phoenix")["uptime_seconds"] == 6 * 3600


def test_a_flat_counter_is_not_trusted_across_a_night_that_saw_it_paused(tmp_path):
    # Review finding 2: someone else paused it one night and resumed it 17 minutes before the next run; the replica
    # route fails and status.updatedAt never moves, so only the watchdog's own sighting of it paused tells the
    # stretches apart. The counter restarts at 0, as flat as the old replica's was.
    with fake({"name": "ctr", "instance": L4, "repository": "o/m", "running_for": "30h", "requests_total": 0,
               "min_replica": 1}) as api:
        api.add_fault(Fault(route="replica", name="ctr", status=500, times=None))
        api.set_shapes("acme-ml", "ctr", endpoint=[Edit("set", "status.updatedAt", iso_z(T - timedelta(hours=30)))])
        nights = Nights(api, tmp_path)
        assert nights.run() == {"ctr": "notify"}  # first counter sample: idle unknown
        api.advance(3600)
        someone(api, "pause", "ctr")
        api.advance(23 * 3600)
        assert nights.run() == {"ctr": "keep"} and nights.entry("ctr")["state"] == "paused"
        api.advance(24 * 3600 - 17 * 60)
        someone(api, "resume", "ctr")
        api.advance(17 * 60)
        # Before the fix: "idle >= 2d > max_idle 2h ... no request since the first counter sample" and a pause.
        assert nights.run() == {"ctr": "notify"}
        ctr = nights.entry("ctr")
        assert ctr["idle_seconds"] is None and ctr["outcome"] != "paused"
        assert ctr["uptime_seconds"] is None or ctr["uptime_seconds"] <= 24 * 3600
        assert any("not billing" in n for n in ctr["measurement_notes"]), ctr["measurement_notes"]
        assert api.state_of("acme-ml", "ctr") == "running"
        api.advance(3 * 3600)
        # This stretch's own samples: flat since night 3 for 3h > max_idle 2h, so the counter still acts.
        assert nights.run() == {"ctr": "pause"}
        assert "no request since the first counter sample at 2026-12-03T01:00:00Z" in \
            nights.entry("ctr")["last_activity_evidence"]


def test_a_stretch_that_grew_is_priced_from_the_counts_the_runs_saw(tmp_path):
    """One replica for 20 h, then an update to four: $20.67 billed, not 4 x 20 h = $80.67 against max_cost $40."""
    a10g = "aws-us-east-1-nvidia-a10g-x1"  # $1.00 per replica-hour in the fake's hardware list
    with fake({"name": "grow-a", "instance": a10g, "repository": "org/m", "running_for": "20h",
               "last_used_ago": "1m"}) as api:
        api.update_delay = 0
        nights = Nights(api, tmp_path)
        assert nights.run() == {"grow-a": "keep"}
        assert nights.entry("grow-a")["stretch_cost_usd"] == 20.0
        response = httpx.put(f"{api.api_url}/endpoint/acme-ml/grow-a", headers={"Authorization": "Bearer hf_other"},
                             json={"compute": {"scaling": {"minReplica": 4, "maxReplica": 4}}})
        assert response.status_code == 200, response.text
        api.advance(600)
        assert nights.run() == {"grow-a": "keep"}  # was: pause, "stretch cost $80.67 > max_cost $40"
        entry = nights.entry("grow-a")
        assert entry["ready_replicas"] == 4 and entry["stretch_cost_is_lower_bound"] is True
        assert entry["stretch_cost_usd"] == 20.17  # 20 h x 1 + 10 min x min(1, 4): at least what was billed
