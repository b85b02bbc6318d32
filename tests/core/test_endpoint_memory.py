"""What a run hands the next: its own stops end a remembered stretch; unlisted namespaces keep their entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from watchdog.core.endpoint_memory import STOPPED_AT, after_run, keep_unlisted
from watchdog.core.measure import Signals, measure
from watchdog.core.model import (
    Decision,
    EndpointResult,
    EndpointSnapshot,
    EndpointState,
    Evaluation,
    Outcome,
    RuleRef,
    UptimeSource,
)

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)


def _result(key: str, outcome: Outcome) -> EndpointResult:
    namespace, name = key.split("/")
    snapshot = EndpointSnapshot(namespace=namespace, name=name, state=EndpointState.RUNNING)
    return EndpointResult(Evaluation(snapshot, RuleRef(0, "defaults"), Decision.PAUSE, "r"), outcome)


def _raw(state: str, updated: datetime, min_replica: int = 1) -> dict:
    return {"name": "exp", "type": "protected", "compute": {"id": "aws-x", "instanceType": "nvidia-l4",
                                                            "scaling": {"minReplica": min_replica, "maxReplica": 1}},
            "model": {"repository": "org/m"},
            "status": {"state": state, "createdAt": "2026-11-01T00:00:00Z",
                       "updatedAt": updated.strftime("%Y-%m-%dT%H:%M:%SZ")}}


def test_an_own_stop_replaces_the_stretch_with_the_instant_of_the_stop():
    measured = {"a/exp": {"first_billable_at": "2026-11-20T00:00:00Z", "created_at": "2026-11-01T00:00:00Z",
                          "counter": {"value": 3}},
                "a/kept": {"first_billable_at": "2026-11-20T00:00:00Z"}}
    memory = after_run(measured, [_result("a/exp", Outcome.PAUSED), _result("a/kept", Outcome.NOTIFIED)], NOW,
                       before={}, listed=["a"], watched=["a"])
    assert memory["a/exp"] == {"created_at": "2026-11-01T00:00:00Z", STOPPED_AT: "2026-11-23T02:17:00Z"}
    assert memory["a/kept"] == measured["a/kept"]
    scaled = after_run(measured, [_result("a/exp", Outcome.SCALED_TO_ZERO)], NOW, before={}, listed=["a"],
                       watched=None)
    assert STOPPED_AT in scaled["a/exp"] and "first_billable_at" not in scaled["a/exp"]


def test_after_an_own_stop_a_resume_with_an_old_updated_at_has_unknown_uptime_then_a_fresh_stretch():
    stopped = {STOPPED_AT: "2026-11-23T02:17:00Z", "created_at": "2026-11-01T00:00:00Z"}
    old_update = NOW - timedelta(days=3)
    paused, kept = measure(_raw("paused", old_update), "a", Signals(), stopped, NOW + timedelta(hours=1))
    assert paused.running_since_source is UptimeSource.NOT_BILLABLE and kept[STOPPED_AT] == stopped[STOPPED_AT]
    later = NOW + timedelta(hours=8)
    resumed, memory = measure(_raw("running", old_update), "a", Signals(), kept, later)
    assert resumed.running_since_source is UptimeSource.UNKNOWN and resumed.running_since is None
    assert any("resumed since this watchdog stopped it" in note for note in resumed.measurement_notes)
    assert STOPPED_AT not in memory and memory["first_billable_at"] == "2026-11-23T10:17:00Z"
    # A resume that moved updatedAt dates the stretch from it, as for an endpoint seen for the first time.
    moved, _ = measure(_raw("running", later - timedelta(minutes=30)), "a", Signals(), kept, later)
    assert moved.running_since_source is UptimeSource.UPDATED_AT


def test_unlisted_namespaces_keep_their_entries_while_the_policy_watches_them():
    before = {"a/x": {"first_billable_at": "old"}, "b/y": {"first_billable_at": "old"},
              "gone/z": {"first_billable_at": "old"}}
    after = after_run({"a/x": {"first_billable_at": "new"}}, [], NOW, before=before, listed=["a"],
                      watched=["a", "b"])
    assert after == {"a/x": {"first_billable_at": "new"}, "b/y": {"first_billable_at": "old"}}
    # A listed namespace's endpoint that is no longer listed is forgotten (deleted), not kept from before.
    assert "a/deleted" not in after_run({}, [], NOW, before={"a/deleted": {}}, listed=["a"], watched=["a"])
    # No namespaces in the policy: every unlisted namespace counts as watched.
    assert set(after_run({}, [], NOW, before=before, listed=["a"], watched=None)) == {"b/y", "gone/z"}
    assert keep_unlisted({"b": 1, "c": 2}, {"a": 0}, listed=["a", "c"], watched=None) == {"a": 0, "b": 1}



def test_after_an_own_stop_old_signs_of_life_say_nothing_about_idle_until_the_stretch_is_known():
    # Paused by the watchdog a day ago, resumed since (updatedAt unchanged), last used 26h ago: the resume came at
    # an unknown instant after the stop, so idle is unknown, not "1d2h" (which would pause it again at once).
    stopped = {STOPPED_AT: "2026-11-22T02:17:00Z"}
    raw = _raw("running", NOW - timedelta(days=3))
    raw["status"]["lastUsedAt"] = "2026-11-22T00:17:00Z"
    snap, _ = measure(raw, "a", Signals(), stopped, NOW)
    assert snap.running_since is None and snap.idle_seconds(NOW) is None
    assert any("predates this watchdog's stop" in note for note in snap.measurement_notes)
    # A request after the stop is real evidence of the new stretch.
    raw["status"]["lastUsedAt"] = "2026-11-23T01:17:00Z"
    fresh, _ = measure(raw, "a", Signals(), stopped, NOW)
    assert fresh.idle_seconds(NOW) == 3600
