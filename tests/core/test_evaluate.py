"""The evaluator as a table: (endpoint, instant) under one policy → decision, rule, reason and notices.

These rows are about evaluation as a whole: protection and exemptions, first match, the strongest action among
several violations, endpoints that bill no longer or cannot be measured. The rows about one rule live with its tests
in `tests/core/rules/` and read against the same policy (`tests/core/rules/support.py`).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.core.rules.support import (
    EX,
    NOW,
    PARIS,
    POLICY,
    PR,
    ROW_FIELDS,
    K,
    N,
    P,
    Row,
    at,
    check_row,
    snap,
    table,
)
from tests.paths import TESTS
from watchdog.core.evaluate import evaluate, evaluate_all
from watchdog.core.model import Decision, EndpointSnapshot, UptimeSource

CASES: list[Row] = [
    # --- a field a rule matches on came unreadable: which rule applies is not known, so nothing is acted on
    ("tags-unreadable-an-earlier-tag-rule-may-apply", snap("gpu-box", up=20, unreadable_match_fields=("tag",)), NOW,
     N, 9, 'not acted on: tags is missing or malformed, so an earlier rule may cover it (rule 9 "tag=gpu-heavy")',
     {"rule-uncertain"}),
    ("name-unreadable-a-protecting-rule-may-apply", snap("?", up=20, unreadable_match_fields=("name",)), NOW, PR, 1,
     'protected, not acted on: name is missing or malformed, and this rule may cover it (rule 1 "prod-*")',
     {"rule-uncertain"}),
    ("unreadable-field-no-rule-matches-on-it", snap("mert-x", namespace="acme-ml", up=5, idle=0.1,
                                                    unreadable_match_fields=("repository",)), NOW, P, 2,
     'running 5h > max_uptime 4h (rule 2 "namespace=acme-ml name=mert-*")', set()),
    ("unreadable-tags-a-later-tag-rule-does-not-matter", snap("mert-y", up=5, unreadable_match_fields=("tag",)),
     NOW, P, 2, 'running 5h > max_uptime 4h (rule 2 "namespace=acme-ml name=mert-*")', set()),
    ("unreadable-tags-not-billing", snap("gpu-box", "paused", unreadable_match_fields=("tag",)), NOW, K, 0,
     "paused: not billing", set()),
    # --- protection, first match, defaults
    ("protected-running-over", snap("prod-chat", up=20), NOW, PR, 1,
     'protected, not acted on: running 20h > max_uptime 8h (rule 1 "prod-*")', set()),
    ("protected-paused", snap("prod-chat", "paused"), NOW, PR, 1, 'protected (rule 1 "prod-*")', set()),
    ("mert-other-namespace-falls-to-defaults", snap("mert-a", up=5, namespace="alice"), NOW, K, 0,
     "within limits (nearest: max_idle 2h in 1h54m)", set()),
    ("mert-near-limits", snap("mert-a", up=3 + 1 / 3, idle=1 / 6), NOW, K, 2,
     "within limits (nearest: max_idle 30m in 20m)", set()),
    ("two-violations", snap("misc", up=9, idle=3), NOW, P, 0,
     "running 9h > max_uptime 8h; idle 3h > max_idle 2h (defaults)", set()),
    # --- non-billable, unmeasurable, unknown state
    ("paused", snap("misc", "paused"), NOW, K, 0, "paused: not billing", set()),
    ("scaled-to-zero", snap("misc", "scaledToZero"), NOW, K, 0, "scaledToZero: not billing", {"quota-held"}),
    ("failed", snap("misc", "failed"), NOW, K, 0, "failed: not billing", set()),
    ("update-failed", snap("misc", "updateFailed"), NOW, K, 0, "updateFailed: not billing", set()),
    ("unmeasurable-never-paused", snap("misc", up=30, unmeasurable="status.state missing"), NOW, N, 0,
     "unmeasurable: status.state missing", {"unmeasurable"}),
    ("unknown-state", snap("misc", "melting"), NOW, N, 0, "unknown state 'melting'", {"unknown-state"}),
    # --- a rule that cannot tell does not stop another that can
    ("idle-unknown-but-uptime-breaks", snap("misc", up=9, idle=None), NOW, P, 0, "running 9h > max_uptime 8h",
     {"idle-unknown"}),
    # --- exemptions: active, expiring, expired (end of the day in Europe/Paris), long expired
    ("bench-exempt", snap("bench-x", up=11, price_per_replica_hour=4.0), NOW, EX, 7,
     'exempt until 2026-12-15 (paper), not acted on: stretch cost $44.00 > max_cost $40 (rule 7 "bench-*")', set()),
    ("bench-exempt-last-evening", snap("bench-x", up=11, price_per_replica_hour=4.0,
                                       now=at(2026, 12, 15, 23, 30, PARIS)),
     at(2026, 12, 15, 23, 30, PARIS), EX, 7, "exempt until 2026-12-15 (paper)", {"exemption-expiring"}),
    ("bench-exemption-over-after-midnight-paris", snap("bench-x", up=11, price_per_replica_hour=4.0,
                                                       now=at(2026, 12, 16, 0, 30, PARIS)),
     at(2026, 12, 16, 0, 30, PARIS), P, 7, "stretch cost $44.00 > max_cost $40", {"exemption-expired"}),
    ("old-exemption-ignored", snap("old-x", up=9), NOW, P, 8, 'running 9h > max_uptime 8h (rule 8 "old-*")',
     {"exemption-expired"}),
    ("exempt-without-violations", snap("bench-x", up=1, price_per_replica_hour=4.0), NOW, EX, 7,
     'exempt until 2026-12-15 (paper) (rule 7 "bench-*")', set()),
    # --- the strongest action wins
    ("uptime-pause-beats-config-notify", snap("g", up=9, tags=("gpu-heavy",), max_replicas=4), NOW, P, 9,
     'running 9h > max_uptime 8h; autoscaling up to 4 replicas > max_replicas 1 (rule 9 "tag=gpu-heavy")',
     {"config-unknown"}),  # its minReplica is not known: require_scale_to_zero says it cannot be checked
    # --- first-match order
    ("l4-by-compute-id", snap("l4", up=3, idle=1.5, instance="aws-us-east-1-nvidia-l4-x1"), NOW, K, 0,
     "within limits", set()),
    ("first-match-wins-over-tag", snap("mert-b", up=5, tags=("gpu-heavy",), max_replicas=4), NOW, P, 2,
     "running 5h > max_uptime 4h", set()),
    ("prod-beats-everything", snap("prod-l4", up=6, idle=5, instance_type="nvidia-l4"), NOW, PR, 1,
     'protected, not acted on: idle 5h > max_idle 2h (rule 1 "prod-*")', set()),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


def test_table_is_large_enough_and_ids_unique():
    # One table split by rule: these rows plus every `CASES` of tests/core/rules/, read against the same policy.
    tables = [CASES] + [getattr(importlib.import_module(f"tests.core.rules.{path.stem}"), "CASES", [])
                        for path in sorted((TESTS / "core" / "rules").glob("test_*.py"))]
    ids = [case[0] for cases in tables for case in cases]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)


def test_rule_ref_names_match_text():
    result = evaluate(POLICY, snap("mert-a", up=5), NOW)
    assert (result.rule.index, result.rule.match) == (2, "namespace=acme-ml name=mert-*")
    assert result.owner == "@mert"
    assert evaluate(POLICY, snap("misc"), NOW).rule.match == "defaults"


def test_protected_and_exempt_keep_their_violations():
    protected = evaluate(POLICY, snap("prod-chat", up=20, idle=3), NOW)
    assert [v.check for v in protected.violations] == ["max_uptime", "max_idle"]
    exempt = evaluate(POLICY, snap("bench-x", up=11, price_per_replica_hour=4.0), NOW)
    assert [v.check for v in exempt.violations] == ["max_cost"]


def test_exemption_expiring_notice_window_is_at_least_72h():
    three_days_before = at(2026, 12, 13, 0, 30, PARIS)  # 71h30m before the end of 2026-12-15 in Paris
    result = evaluate(POLICY, snap("bench-x", now=three_days_before, price_per_replica_hour=1.0), three_days_before)
    assert [n.kind for n in result.notices] == ["exemption-expiring"]
    assert "ends in 2d23h" in result.notices[0].message
    four_days_before = at(2026, 12, 12, 0, 0, PARIS)
    later = evaluate(POLICY, snap("bench-x", now=four_days_before, price_per_replica_hour=1.0), four_days_before)
    assert later.notices == ()


def test_naive_datetimes_are_taken_as_utc():
    naive_now = NOW.replace(tzinfo=None)
    snapshot = EndpointSnapshot("acme-ml", "misc", "running", running_since=naive_now - timedelta(hours=9),
                                running_since_source=UptimeSource.REPLICA)
    assert evaluate(POLICY, snapshot, naive_now).decision is Decision.PAUSE


def test_evaluate_all_keeps_order():
    snapshots = [snap("misc", up=9), snap("prod-chat"), snap("misc", "paused")]
    decisions = [e.decision for e in evaluate_all(POLICY, snapshots, NOW)]
    assert decisions == [Decision.PAUSE, Decision.PROTECTED, Decision.KEEP]


def test_core_imports_no_network_libraries():
    code = ("import watchdog.core.policy, watchdog.core.evaluate, watchdog.core.plan, watchdog.core.schedule, sys; "
            "assert 'huggingface_hub' not in sys.modules and 'httpx' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
