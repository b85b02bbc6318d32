"""fix_config and scale_to_zero_after (issue #12) as an operation: how the evaluator turns broken configuration limits
into one reconfigure decision or why a stronger decision wins, and how check, dry runs, pause-all and `act` carry it
out. What each limit asks for, how the asks merge, when an update is held back and the undo command are the rules'
own: tests/core/rules/ (test_fix_config.py, test_scale_to_zero_after.py, test_require_scale_to_zero.py,
test_max_replicas.py)."""

from __future__ import annotations

from typing import Any

from tests.core.rules.support import FIX_POLICY, NOW, fix_snap
from watchdog.adapters.interface import EndpointGone, HubError
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Decision, Outcome
from watchdog.core.outcomes import pause_all_evaluations, planned_outcomes
from watchdog.operations.sweep import act

# --- when it does not reconfigure --------------------------------------------------------------------------------


def test_a_pause_wins_and_the_reason_says_why_no_update():
    ev = evaluate(FIX_POLICY, fix_snap("sleepy-a", up=20, min_r=1), NOW)
    assert ev.decision is Decision.PAUSE and ev.reconfiguration is None
    assert ev.reason == ('running 20h > max_uptime 12h; does not sleep within 30m idle (min_replicas 1, no '
                         'scale-to-zero timeout) but scale_to_zero_after 30m; not reconfigured: the pause wins (an '
                         'update may restart the endpoint it stops) (rule 3 "sleepy-*")')


def test_protected_and_exempt_are_reported_as_today_never_reconfigured():
    ev = evaluate(FIX_POLICY, fix_snap("prod-chat", min_r=2, max_r=4), NOW)
    assert ev.decision is Decision.PROTECTED and ev.reconfiguration is None and ev.violations
    ev = evaluate(FIX_POLICY, fix_snap("paper-run", min_r=1), NOW)
    assert ev.decision is Decision.EXEMPT and ev.reconfiguration is None and ev.violations


# --- planned outcomes, pause-all, act ----------------------------------------------------------------------------

class RecordingHub:
    def __init__(self, fail: dict[str, Exception] | None = None) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.fail = fail or {}

    def map(self, fn, items):
        return [fn(item) for item in items]

    def _record(self, method: str, namespace: str, name: str, **kwargs: Any) -> str:
        self.calls.append((method, f"{namespace}/{name}", kwargs))
        if name in self.fail:
            raise self.fail[name]
        return "ok"

    def pause(self, namespace, name):
        return self._record("pause", namespace, name)

    def scale_to_zero(self, namespace, name):
        return self._record("scale_to_zero", namespace, name)

    def update(self, namespace, name, **kwargs):
        return self._record("update", namespace, name, **kwargs)


def test_check_and_dry_runs_plan_would_reconfigure():
    evs = [evaluate(FIX_POLICY, fix_snap("sleepy-a"), NOW)]
    assert [r.outcome for r in planned_outcomes(evs)] == [Outcome.WOULD_RECONFIGURE]


def test_act_sends_only_the_changed_fields_and_reports_each_outcome():
    evs = [evaluate(FIX_POLICY, fix_snap(name, min_r=1, max_r=4), NOW) for name in ("sleepy-a", "sleepy-b", "sleepy-c")]
    hub = RecordingHub(fail={"sleepy-b": HubError("update acme-ml/sleepy-b: HTTP 400: scaleToZeroTimeout must be "
                                                  "between 15 and 2880 minutes", 400),
                             "sleepy-c": EndpointGone("update acme-ml/sleepy-c: HTTP 404", 404)})
    results, errors = act(hub, evs, max_actions=10)
    assert errors == ()
    assert hub.calls[0] == ("update", "acme-ml/sleepy-a",
                            {"min_replica": 0, "max_replica": 2, "scale_to_zero_timeout": 30})
    assert [r.outcome for r in results] == [Outcome.RECONFIGURED, Outcome.FAILED, Outcome.GONE]
    assert "between 15 and 2880 minutes" in results[1].error


def test_the_cap_counts_updates_with_pauses():
    evs = [evaluate(FIX_POLICY, fix_snap("sleepy-a"), NOW), evaluate(FIX_POLICY, fix_snap("sleepy-b", up=20), NOW)]
    assert [e.decision for e in evs] == [Decision.RECONFIGURE, Decision.PAUSE]
    hub = RecordingHub()
    results, errors = act(hub, evs, max_actions=1)
    assert hub.calls == [] and "2 endpoints to pause, scale or reconfigure" in errors[0]
    assert all(r.error == "not acted on: safety cap exceeded" for r in results)
    results, errors = act(hub, evs, max_actions=2)
    assert [c[0] for c in hub.calls] == ["update", "pause"] and errors == ()


def test_the_capped_outcomes_find_the_held_back_verdicts_by_identity_not_by_deep_equality(monkeypatch):
    """Over the cap every verdict is matched against the held-back ones. Matching with `in list` compared frozen
    dataclasses field by field: quadratic, 8 s of the 10,000-endpoint benchmark. No `__eq__` call may happen."""
    from watchdog.core.model import Evaluation
    from watchdog.core.outcomes import capped_outcomes

    evs = [evaluate(FIX_POLICY, fix_snap(f"sleepy-{i}", up=20), NOW) for i in range(30)]
    evs.append(evaluate(FIX_POLICY, fix_snap("sleepy-gone", "paused"), NOW))
    calls = []
    original = Evaluation.__eq__
    monkeypatch.setattr(Evaluation, "__eq__", lambda a, b: calls.append(1) or original(a, b))
    results = capped_outcomes(evs, planned=True)
    assert calls == []
    assert [r.outcome for r in results] == [Outcome.NONE] * 31
    assert [r.error for r in results[:30]] == ["would not be acted on: safety cap exceeded"] * 30


def test_pause_all_pauses_an_endpoint_that_would_be_reconfigured():
    evs = pause_all_evaluations([evaluate(FIX_POLICY, fix_snap("sleepy-a"), NOW)], include_protected=False)
    assert evs[0].decision is Decision.PAUSE and evs[0].reconfiguration is None
    hub = RecordingHub()
    act(hub, evs, max_actions=None)
    assert hub.calls == [("pause", "acme-ml/sleepy-a", {})]


def test_status_card_shows_the_fix_and_its_undo():
    from watchdog.core.render.status import render_status

    snapshot = fix_snap("sleepy-a", min_r=1)
    card = render_status([snapshot], [evaluate(FIX_POLICY, snapshot, NOW)], NOW)
    assert ("  fix        min_replica 1 → 0, scale_to_zero_timeout none → 30m; undo: hf endpoints update sleepy-a "
            "--namespace acme-ml --min-replica 1") in card
