"""`max_idle` and `on_unknown_idle`: the longest an endpoint may bill without a request, and what an unknown idle
time does (watchdog/core/rules/max_idle.py)."""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NOW,
    ROW_FIELDS,
    RULE_1,
    K,
    N,
    P,
    Row,
    check_row,
    effective,
    snap,
    table,
)
from watchdog.core.model import Action, NoticeKind
from watchdog.core.rules import CheckResult
from watchdog.core.rules.max_idle import MaxIdle

CASES: list[Row] = [
    ("mert-idle", snap("mert-a", up=3, idle=0.75), NOW, P, 2, "idle 45m > max_idle 30m", set()),
    ("defaults-idle", snap("misc", up=3, idle=2.5), NOW, P, 0, "idle 2h30m > max_idle 2h (defaults)", set()),
    ("idle-capped-at-uptime", snap("misc", up=0.5, idle=72), NOW, K, 0, "within limits", set()),
    ("idle-unknown-notify", snap("misc", up=3, idle=None), NOW, N, 0,
     "idle time unknown: max_idle 2h cannot be checked", {"idle-unknown"}),
    # Running 1h: idle cannot exceed it, so max_idle 2h cannot be broken yet, whatever on_unknown_idle says.
    ("idle-unknown-capped-by-uptime", snap("misc", idle=None), NOW, K, 0, "within limits", set()),
    ("idle-unknown-pause-capped-by-uptime", snap("strict-idle-x", idle=None), NOW, K, 13, "within limits", set()),
    ("idle-unknown-ignore", snap("quiet-x", idle=None), NOW, K, 12, "within limits", set()),
    ("idle-unknown-pause", snap("strict-idle-x", up=3, idle=None), NOW, P, 13,
     'idle time unknown and on_unknown_idle is pause (rule 13 "strict-idle-*")', set()),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


# --- check() on its own ------------------------------------------------------------------------------------------

HOURS_2 = 2 * 3600


def seconds(up: int | None, idle: int | None):
    """Running for `up` seconds, last request `idle` seconds ago (None = unknown)."""
    return snap("x", up=up / 3600 if up is not None else None, idle=idle / 3600 if idle is not None else None)


def test_unset_checks_nothing_however_long_it_sits_idle():
    assert MaxIdle().check(seconds(100 * 3600, 100 * 3600), effective(), NOW) == CheckResult()


def test_exactly_at_the_limit_is_not_a_violation():
    result = MaxIdle().check(seconds(10 * 3600, HOURS_2), effective(max_idle="2h"), NOW)
    assert result.violations == ()
    assert result.nearest == ((0, "max_idle 2h"),)


def test_one_second_over_the_limit_takes_the_rules_action():
    (finding,) = MaxIdle().check(seconds(10 * 3600, HOURS_2 + 1), effective(max_idle="2h"), NOW).violations
    assert finding.action is Action.PAUSE
    assert finding.reason == f"idle 2h0m1s > max_idle 2h {RULE_1}"
    (finding,) = MaxIdle().check(seconds(10 * 3600, HOURS_2 + 1), effective(max_idle="2h", action="notify"),
                                 NOW).violations
    assert finding.action is Action.NOTIFY


def test_idle_is_judged_no_longer_than_the_current_stretch():
    # Last request 72h ago, but billing only for 1h: 1h of idle, 1h left.
    result = MaxIdle().check(seconds(3600, 72 * 3600), effective(max_idle="2h"), NOW)
    assert result.violations == ()
    assert result.nearest == ((3600, "max_idle 2h"),)


@pytest.mark.parametrize("on_unknown", ["notify", "pause", "ignore"])
def test_unknown_idle_within_the_limit_of_uptime_cannot_break_it_yet(on_unknown):
    # Running exactly 2h with no idle signal: idle is at most 2h, so max_idle 2h is reached, not exceeded.
    result = MaxIdle().check(seconds(HOURS_2, None), effective(max_idle="2h", on_unknown_idle=on_unknown), NOW)
    assert (result.violations, result.notices, result.notify_reason) == ((), (), None)
    assert result.nearest == ((0, "max_idle 2h"),)


def test_unknown_idle_within_the_uptime_warns_with_at_most():
    result = MaxIdle().check(seconds(5400, None), effective(max_idle="2h", warn_before="1h"), NOW)
    assert [w.reason for w in result.warnings] == [f"idle at most 1h30m, max_idle 2h reached in 30m {RULE_1}"]


def test_unknown_idle_past_the_uptime_notifies_by_default_and_never_pauses():
    result = MaxIdle().check(seconds(HOURS_2 + 1, None), effective(max_idle="2h"), NOW)
    assert result.violations == ()
    assert result.notify_reason == f"idle time unknown: max_idle 2h cannot be checked {RULE_1}"
    (notice,) = result.notices
    assert notice.kind is NoticeKind.IDLE_UNKNOWN
    assert notice.message == ("acme-ml/x: no idle signal (no lastUsedAt, no metrics yet), max_idle 2h cannot be "
                              "checked")


@pytest.mark.parametrize("on_unknown", ["notify", "ignore"])
def test_unknown_idle_and_unknown_uptime_never_pause_unless_asked(on_unknown):
    result = MaxIdle().check(seconds(None, None), effective(max_idle="2h", on_unknown_idle=on_unknown), NOW)
    assert result.violations == ()
    assert (result.notify_reason is not None) == (on_unknown == "notify")
    assert [n.kind for n in result.notices] == ([NoticeKind.IDLE_UNKNOWN] if on_unknown == "notify" else [])


def test_on_unknown_idle_pause_is_an_explicit_violation_once_the_limit_can_be_broken():
    (finding,) = MaxIdle().check(seconds(HOURS_2 + 1, None), effective(max_idle="2h", on_unknown_idle="pause"),
                                 NOW).violations
    assert (finding.action, finding.limit, finding.observed) == (Action.PAUSE, "2h", "unknown")
    assert finding.reason == f"idle time unknown and on_unknown_idle is pause {RULE_1}"


def test_on_unknown_idle_ignore_says_nothing():
    assert MaxIdle().check(seconds(HOURS_2 + 1, None), effective(max_idle="2h", on_unknown_idle="ignore"),
                           NOW) == CheckResult()


@pytest.mark.parametrize(("left", "warned"), [(1800, True), (1801, False)])
def test_warning_exactly_within_warn_before(left, warned):
    result = MaxIdle().check(seconds(10 * 3600, HOURS_2 - left), effective(max_idle="2h", warn_before="30m"), NOW)
    assert result.violations == ()
    assert len(result.warnings) == (1 if warned else 0)
    if warned:
        assert result.warnings[0].reason == f"idle 1h30m, max_idle 2h reached in 30m {RULE_1}"
