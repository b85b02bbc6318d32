"""`max_uptime`: the longest continuous billable stretch (watchdog/core/rules/max_uptime.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NOW,
    POLICY,
    ROW_FIELDS,
    RULE_1,
    K,
    P,
    Row,
    check_row,
    effective,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Action, NoticeKind, UptimeSource
from watchdog.core.rules import CheckResult
from watchdog.core.rules.max_uptime import MaxUptime

CASES: list[Row] = [
    ("mert-uptime", snap("mert-a", up=5), NOW, P, 2,
     'running 5h > max_uptime 4h (rule 2 "namespace=acme-ml name=mert-*")', set()),
    ("defaults-uptime", snap("misc", up=9.2), NOW, P, 0, "running 9h12m > max_uptime 8h (defaults)", set()),
    ("initializing-bills", snap("misc", "initializing", up=9), NOW, P, 0, "running 9h > max_uptime 8h", set()),
    ("uptime-unknown", snap("misc", up=None), NOW, K, 0, "within limits", {"uptime-unknown"}),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


def test_violation_fields_are_readable():
    result = evaluate(POLICY, snap("misc", up=9.2), NOW)
    (finding,) = result.violations
    assert (finding.check, finding.limit, finding.observed, finding.action) == ("max_uptime", "8h", "9h12m", "pause")


# --- check() on its own ------------------------------------------------------------------------------------------

HOURS_8 = 8 * 3600


def up_for(seconds: int, source: UptimeSource = UptimeSource.REPLICA):
    return snap("x", up=seconds / 3600, source=source)


def test_unset_checks_nothing_however_long_it_runs():
    assert MaxUptime().check(snap("x", up=1000), effective(), NOW) == CheckResult()


def test_exactly_at_the_limit_is_not_a_violation_and_is_reached_now():
    result = MaxUptime().check(up_for(HOURS_8), effective(max_uptime="8h", warn_before="1h"), NOW)
    assert result.violations == ()
    assert result.nearest == ((0, "max_uptime 8h"),)
    (warning,) = result.warnings
    assert warning.reason == f"running 8h, max_uptime 8h reached now {RULE_1}"


def test_one_second_over_the_limit_pauses_and_shows_the_second():
    (finding,) = MaxUptime().check(up_for(HOURS_8 + 1), effective(max_uptime="8h"), NOW).violations
    assert finding.action is Action.PAUSE
    assert (finding.limit, finding.observed) == ("8h", "8h0m1s")
    assert finding.reason == f"running 8h0m1s > max_uptime 8h {RULE_1}"


def test_the_rules_action_is_the_violations_action():
    (finding,) = MaxUptime().check(up_for(HOURS_8 + 60), effective(max_uptime="8h", action="scale-to-zero"),
                                   NOW).violations
    assert finding.action is Action.SCALE_TO_ZERO


def test_the_limit_reads_as_written_not_reformatted():
    (finding,) = MaxUptime().check(up_for(41 * 3600), effective(max_uptime="40h"), NOW).violations
    assert (finding.limit, finding.observed) == ("40h", "1d17h")


def test_unknown_uptime_is_a_notice_never_a_violation():
    result = MaxUptime().check(snap("x", up=None), effective(max_uptime="8h", warn_before="1h"), NOW)
    assert (result.violations, result.warnings, result.nearest, result.notify_reason) == ((), (), (), None)
    (notice,) = result.notices
    assert notice.kind is NoticeKind.UPTIME_UNKNOWN
    assert notice.message == "acme-ml/x: running since unknown, max_uptime 8h cannot be checked"


def test_weak_uptime_within_the_limit_says_nothing_about_its_source():
    result = MaxUptime().check(up_for(3600, UptimeSource.UPDATED_AT), effective(max_uptime="8h"), NOW)
    assert (result.violations, result.notices) == ((), ())


def test_weak_uptime_over_the_limit_notifies_with_a_notice():
    result = MaxUptime().check(up_for(HOURS_8 + 60, UptimeSource.UPDATED_AT), effective(max_uptime="8h"), NOW)
    (finding,) = result.violations
    assert finding.action is Action.NOTIFY
    assert finding.reason == f"running 8h1m > max_uptime 8h, from status.updatedAt only {RULE_1}"
    (notice,) = result.notices
    assert notice.kind is NoticeKind.UPTIME_WEAK
    assert notice.message.endswith("so it is reported, not acted on (trust_updated_at: true allows it)")


@pytest.mark.parametrize(("left", "warned"), [(3600, True), (3601, False)])
def test_warning_exactly_within_warn_before(left, warned):
    result = MaxUptime().check(up_for(HOURS_8 - left), effective(max_uptime="8h", warn_before="1h"), NOW)
    assert result.violations == ()
    assert result.nearest == ((left, "max_uptime 8h"),)
    assert [w.reason for w in result.warnings] == (
        [f"running 7h, max_uptime 8h reached in 1h {RULE_1}"] if warned else [])


def test_no_warning_without_warn_before():
    result = MaxUptime().check(up_for(HOURS_8 - 60), effective(max_uptime="8h"), NOW)
    assert result.warnings == ()
    assert result.nearest == ((60, "max_uptime 8h"),)


def test_not_checked_on_an_endpoint_that_does_not_bill():
    assert MaxUptime.billable_only
    # Evaluated, a paused endpoint is never measured against its uptime limit, however long ago it started.
    paused = evaluate(POLICY, snap("misc", "paused", up=100), NOW)
    assert paused.violations == () and paused.warnings == ()
