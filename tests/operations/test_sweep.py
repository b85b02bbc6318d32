"""The runner: one broken namespace never hides the others, the safety cap, gone vs failed, pause-all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from watchdog.adapters.interface import EndpointGone, HubError
from watchdog.core.measure import Signals
from watchdog.core.model import Decision, Evaluation, Outcome, RuleRef
from watchdog.core.outcomes import pause_all_evaluations, planned_outcomes, safety_cap_exceeded
from watchdog.operations.sweep import act, collect

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)


def raw(name: str, state: str = "running") -> dict:
    stamp = (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "name": name, "type": "private", "healthRoute": "/health",
        "compute": {"id": "aws-us-east-1-nvidia-l4-x1", "scaling": {"minReplica": 1, "maxReplica": 1}},
        "model": {"repository": "org/m", "revision": None, "task": "text-generation", "framework": "pytorch"},
        "status": {"state": state, "createdAt": stamp, "updatedAt": stamp, "readyReplica": 1, "targetReplica": 1},
    }


class FakeHub:
    """A tiny in-memory stand-in for hub.EndpointsHub recording what was asked of it."""

    concurrency = 4  # the sweep runs on threads even here

    def __init__(self, namespaces: dict, broken: dict | None = None, fail_actions: dict | None = None):
        self.namespaces = namespaces
        self.broken = broken or {}
        self.fail_actions = fail_actions or {}
        self.calls: list[tuple] = []

    def list_raw(self, namespace, on_page=None):  # one page: the sweep takes what list_raw returns
        self.calls.append(("list", namespace))
        if namespace in self.broken:
            raise HubError(self.broken[namespace], 403)
        return self.namespaces[namespace]

    def prices(self, namespace):
        self.calls.append(("prices", namespace))
        return {"aws-us-east-1-nvidia-l4-x1": 0.8}

    def replicas(self, namespace, raw):
        self.calls.append(("replicas", namespace, raw["name"]))
        return Signals(replica_started_at=NOW - timedelta(hours=30))

    def open_metrics(self, namespace, raw):
        self.calls.append(("open_metrics", namespace, raw["name"]))
        return Signals()

    def _act(self, verb, namespace, name):
        self.calls.append((verb, namespace, name))
        error = self.fail_actions.get(name)
        if error is not None:
            raise error
        return "paused" if verb == "pause" else "scaledToZero"

    def pause(self, namespace, name):
        return self._act("pause", namespace, name)

    def scale_to_zero(self, namespace, name):
        return self._act("scale_to_zero", namespace, name)

    def map(self, fn, items):
        return [fn(item) for item in items]


def test_a_failing_namespace_is_reported_and_the_others_are_still_measured():
    hub = FakeHub({"good": [raw("a"), raw("b", "paused")]}, broken={"bad": "list namespace 'bad': HTTP 403"})
    memory = {"bad/x": {"first_billable_at": "2026-11-20T00:00:00Z"}}
    fleet = collect(hub, ["bad", "good"], memory, NOW)
    assert [(ns.name, ns.ok) for ns in fleet.namespaces] == [("bad", False), ("good", True)]
    assert [s.key for s in fleet.snapshots] == ["good/a", "good/b"]
    assert fleet.memory["bad/x"] == memory["bad/x"]  # kept, not reset by a transient error
    # Only the billable endpoint costs extra requests; the paused one is measured from the listing alone.
    assert ("replicas", "good", "a") in hub.calls and ("replicas", "good", "b") not in hub.calls


def test_malformed_item_is_unmeasurable_and_costs_no_extra_request():
    broken = raw("weird")
    broken["status"]["state"] = "exploding"
    hub = FakeHub({"ns": [broken, raw("fine")]})
    fleet = collect(hub, ["ns"], {}, NOW)
    weird = next(s for s in fleet.snapshots if s.name == "weird")
    assert weird.unmeasurable and "unknown state" in weird.unmeasurable
    assert ("replicas", "ns", "weird") not in hub.calls


def _evaluation(name: str, decision: Decision) -> Evaluation:
    hub = FakeHub({"ns": [raw(name)]})
    snapshot = collect(hub, ["ns"], {}, NOW).snapshots[0]
    return Evaluation(snapshot, RuleRef(1, "*"), decision, f"{decision.value} because test")


def test_actions_record_paused_gone_and_failed_without_stopping():
    evaluations = [_evaluation("ok", Decision.PAUSE), _evaluation("deleted", Decision.PAUSE),
                   _evaluation("broken", Decision.SCALE_TO_ZERO), _evaluation("fine", Decision.KEEP),
                   _evaluation("tell", Decision.NOTIFY)]
    hub = FakeHub({}, fail_actions={"deleted": EndpointGone("pause ns/deleted: HTTP 404", 404),
                                    "broken": HubError("scale-to-zero ns/broken: HTTP 500", 500)})
    results, errors = act(hub, evaluations, max_actions=20)
    outcomes = {r.endpoint.name: (r.outcome, r.error) for r in results}
    assert outcomes["ok"] == (Outcome.PAUSED, None)
    assert outcomes["deleted"][0] is Outcome.GONE
    assert outcomes["broken"] == (Outcome.FAILED, "scale-to-zero ns/broken: HTTP 500")
    assert outcomes["fine"] == (Outcome.NONE, None)
    assert outcomes["tell"] == (Outcome.NOTIFIED, None)
    assert errors == ()
    assert ("pause", "ns", "fine") not in hub.calls


def test_safety_cap_acts_on_none_and_says_why():
    evaluations = [_evaluation(f"e{i}", Decision.PAUSE) for i in range(3)]
    hub = FakeHub({})
    results, errors = act(hub, evaluations, max_actions=2)
    assert [c for c in hub.calls if c[0] in ("pause", "scale_to_zero")] == []
    assert all(r.outcome is Outcome.NONE and "safety cap" in r.error for r in results)
    assert errors and "max_actions_per_run=2" in errors[0]


def test_planned_outcomes_touch_nothing():
    results = planned_outcomes([_evaluation("a", Decision.PAUSE), _evaluation("b", Decision.SCALE_TO_ZERO),
                                _evaluation("c", Decision.KEEP)])
    assert [r.outcome for r in results] == [Outcome.WOULD_PAUSE, Outcome.WOULD_SCALE_TO_ZERO, Outcome.NONE]


def test_a_check_over_the_safety_cap_promises_nothing_and_says_why():
    evaluations = [_evaluation("a", Decision.PAUSE), _evaluation("b", Decision.SCALE_TO_ZERO),
                   _evaluation("c", Decision.NOTIFY)]
    assert planned_outcomes(evaluations, 2) == planned_outcomes(evaluations)  # at the cap: still acted on
    results = planned_outcomes(evaluations, 1)
    assert [(r.outcome, r.error) for r in results] == [
        (Outcome.NONE, "would not be acted on: safety cap exceeded"),
        (Outcome.NONE, "would not be acted on: safety cap exceeded"), (Outcome.NONE, None)]
    message = safety_cap_exceeded(evaluations, 1, planned=True)
    assert message is not None and "2 endpoints" in message and "a run would act on none" in message
    assert safety_cap_exceeded(evaluations, None, planned=True) is None  # pause-all: no cap


def test_pause_all_spares_protected_unless_included():
    evaluations = [_evaluation("prod", Decision.PROTECTED), _evaluation("dev", Decision.KEEP)]
    spared = pause_all_evaluations(evaluations, include_protected=False)
    assert [e.decision for e in spared] == [Decision.PROTECTED, Decision.PAUSE]
    everything = pause_all_evaluations(evaluations, include_protected=True)
    assert [e.decision for e in everything] == [Decision.PAUSE, Decision.PAUSE]
    assert "include-protected" in everything[0].reason
