"""`schedule`: the only window in which an endpoint may bill (watchdog/core/rules/schedule.py).

The Schedule value itself (days, hours, DST, window ends) is tested in tests/core/test_schedule.py; here, the rule:
what it decides at an instant, its warning before the window closes, and how the policy key is parsed.
"""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NEW_YORK,
    NOW,
    PARIS,
    POLICY,
    ROW_FIELDS,
    RULE_1,
    K,
    P,
    Row,
    at,
    check_row,
    effective,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate
from watchdog.core.model import Action
from watchdog.core.policy import PolicyError, parse_policy
from watchdog.core.rules import CheckResult
from watchdog.core.rules.schedule import ScheduleRule

CASES: list[Row] = [
    # --- plain, wrap-around days, hours across midnight
    ("paris-inside", snap("paris-x"), NOW, K, 3, "within limits", set()),
    ("paris-saturday", snap("paris-x", now=at(2026, 11, 28, 11)), at(2026, 11, 28, 11), P, 3,
     'billing outside schedule mon-fri 08:00-19:00 Europe/Paris (now Sat 12:00 Europe/Paris) (rule 3 "paris-*")',
     set()),
    ("night-friday-evening", snap("night-x", now=at(2026, 11, 27, 23, 0, PARIS)), at(2026, 11, 27, 23, 0, PARIS),
     K, 5, "within limits", set()),
    ("night-saturday-early-belongs-to-friday", snap("night-x", now=at(2026, 11, 28, 5, 0, PARIS)),
     at(2026, 11, 28, 5, 0, PARIS), K, 5, "within limits", set()),
    ("night-saturday-evening", snap("night-x", now=at(2026, 11, 28, 23, 0, PARIS)), at(2026, 11, 28, 23, 0, PARIS),
     P, 5, "billing outside schedule fri 22:00-06:00", set()),
    ("night-friday-early-not-thursdays", snap("night-x", now=at(2026, 11, 27, 5, 0, PARIS)),
     at(2026, 11, 27, 5, 0, PARIS), P, 5, "(now Fri 05:00 Europe/Paris)", set()),
    ("weekend-sunday", snap("weekend-x", now=at(2026, 11, 29, 15, 0, PARIS)), at(2026, 11, 29, 15, 0, PARIS), K, 6,
     "within limits", set()),
    ("weekend-monday-late", snap("weekend-x", now=at(2026, 11, 30, 23, 59, PARIS)), at(2026, 11, 30, 23, 59, PARIS),
     K, 6, "within limits", set()),
    ("weekend-tuesday", snap("weekend-x", now=at(2026, 12, 1, 0, 1, PARIS)), at(2026, 12, 1, 0, 1, PARIS), P, 6,
     "billing outside schedule fri-mon 00:00-24:00 Europe/Paris (now Tue 00:01", set()),
    ("weekend-wednesday", snap("weekend-x", now=at(2026, 12, 2, 12)), at(2026, 12, 2, 12), P, 6, "now Wed 13:00",
     set()),
    # --- DST, Europe/Paris: clocks go forward on 2026-03-29 and back on 2026-10-25 (both Sundays)
    ("paris-before-spring-forward-0630Z-is-0730", snap("paris-x", now=at(2026, 3, 23, 6, 30)), at(2026, 3, 23, 6, 30),
     P, 3, "(now Mon 07:30 Europe/Paris)", set()),
    ("paris-after-spring-forward-0630Z-is-0830", snap("paris-x", now=at(2026, 3, 30, 6, 30)), at(2026, 3, 30, 6, 30),
     K, 3, "within limits", set()),
    ("paris-before-fall-back-0630Z-is-0830", snap("paris-x", now=at(2026, 10, 19, 6, 30)), at(2026, 10, 19, 6, 30),
     K, 3, "within limits", set()),
    ("paris-after-fall-back-0630Z-is-0730", snap("paris-x", now=at(2026, 10, 26, 6, 30)), at(2026, 10, 26, 6, 30),
     P, 3, "(now Mon 07:30 Europe/Paris)", set()),
    # --- DST, America/New_York: forward on 2026-03-08, back on 2026-11-01
    ("ny-before-spring-forward-1230Z-is-0730", snap("ny-x", now=at(2026, 3, 2, 12, 30)), at(2026, 3, 2, 12, 30), P, 4,
     "(now Mon 07:30 America/New_York)", set()),
    ("ny-after-spring-forward-1230Z-is-0830", snap("ny-x", now=at(2026, 3, 9, 12, 30)), at(2026, 3, 9, 12, 30), K, 4,
     "within limits", set()),
    ("ny-before-fall-back-2330Z-is-1930", snap("ny-x", now=at(2026, 10, 30, 23, 30)), at(2026, 10, 30, 23, 30), P, 4,
     "(now Fri 19:30 America/New_York)", set()),
    ("ny-after-fall-back-2330Z-is-1830", snap("ny-x", now=at(2026, 11, 6, 23, 30)), at(2026, 11, 6, 23, 30), K, 4,
     "within limits", set()),
    ("ny-after-fall-back-1230Z-is-0730", snap("ny-x", now=at(2026, 11, 2, 12, 30)), at(2026, 11, 2, 12, 30), P, 4,
     "(now Mon 07:30 America/New_York)", set()),
]


@pytest.mark.parametrize(ROW_FIELDS, table(CASES))
def test_decision_table(snapshot, now, decision, rule_index, reason, notice_kinds):
    check_row(snapshot, now, decision, rule_index, reason, notice_kinds)


def test_warning_for_schedule_end():
    before_close = at(2026, 11, 23, 18, 30, PARIS)
    result = evaluate(POLICY, snap("paris-x", now=before_close), before_close)
    assert [w.reason for w in result.warnings] == [
        'schedule mon-fri 08:00-19:00 Europe/Paris window ends in 30m (rule 3 "paris-*")'
    ]


# --- check() on its own ------------------------------------------------------------------------------------------

OFFICE = {"days": "mon-fri", "hours": "08:00-19:00", "timezone": "Europe/Paris"}
MONDAY = at(2026, 11, 23, 0, 0, PARIS).date()


def monday(hour: int, minute: int = 0):
    return at(MONDAY.year, MONDAY.month, MONDAY.day, hour, minute, PARIS)


def test_unset_checks_nothing_at_any_hour():
    assert ScheduleRule().check(snap("x"), effective(), at(2026, 11, 28, 3)) == CheckResult()


def test_the_window_closes_exactly_at_its_end():
    # 19:00 is outside (the window is 08:00 up to, not including, 19:00); 18:59 is inside, one minute left.
    (finding,) = ScheduleRule().check(snap("x"), effective(schedule=OFFICE), monday(19)).violations
    assert (finding.limit, finding.observed) == ("mon-fri 08:00-19:00 Europe/Paris", "Mon 19:00 Europe/Paris")
    assert finding.reason == ("billing outside schedule mon-fri 08:00-19:00 Europe/Paris (now Mon 19:00 "
                              f"Europe/Paris) {RULE_1}")
    inside = ScheduleRule().check(snap("x"), effective(schedule=OFFICE), monday(18, 59))
    assert inside.violations == ()
    assert inside.nearest == ((60, "schedule window end"),)


def test_the_window_opens_exactly_at_its_start():
    assert ScheduleRule().check(snap("x"), effective(schedule=OFFICE), monday(8)).violations == ()
    assert ScheduleRule().check(snap("x"), effective(schedule=OFFICE), monday(7, 59)).violations != ()


def test_billing_outside_takes_the_rules_action():
    (finding,) = ScheduleRule().check(snap("x"), effective(schedule=OFFICE), monday(20)).violations
    assert finding.action is Action.PAUSE
    (finding,) = ScheduleRule().check(snap("x"), effective(schedule=OFFICE, action="notify"), monday(20)).violations
    assert finding.action is Action.NOTIFY


@pytest.mark.parametrize(("hour", "minute", "left", "warned"), [(18, 0, 3600, True), (17, 59, 3660, False)])
def test_warning_exactly_within_warn_before(hour, minute, left, warned):
    # 18:00 is exactly 1h before the window closes at 19:00; 17:59 is 1h1m before.
    result = ScheduleRule().check(snap("x"), effective(schedule=OFFICE, warn_before="1h"), monday(hour, minute))
    assert result.nearest == ((left, "schedule window end"),)
    assert [w.reason for w in result.warnings] == (
        [f"schedule mon-fri 08:00-19:00 Europe/Paris window ends in 1h {RULE_1}"] if warned else [])


def test_back_to_back_windows_end_when_the_last_one_does():
    # Fri to Mon all day: on Saturday noon the stretch ends on Tuesday 00:00, 2d12h later.
    saturday_noon = at(2026, 11, 28, 12, 0, PARIS)
    result = ScheduleRule().check(snap("x"), effective(schedule={"days": "fri-mon", "timezone": "Europe/Paris"}),
                                  saturday_noon)
    assert result.nearest == ((2.5 * 86400, "schedule window end"),)


def test_a_window_that_never_closes_has_no_end_to_warn_about():
    result = ScheduleRule().check(snap("x"), effective(schedule={"days": "mon-sun"}, warn_before="1h"), NOW)
    assert result == CheckResult()


def test_window_end_in_new_york_time():
    ny = {"days": "mon-fri", "hours": "08:00-19:00", "timezone": "America/New_York"}
    result = ScheduleRule().check(snap("x"), effective(schedule=ny), at(2026, 11, 23, 17, 0, NEW_YORK))
    assert result.nearest == ((7200, "schedule window end"),)


# --- parsing the policy key --------------------------------------------------------------------------------------

def parsed(schedule_yaml: str, timezone: str = "Europe/Paris"):
    text = f"version: 1\ntimezone: {timezone}\nendpoints:\n  - match: x\n    schedule: {schedule_yaml}\n"
    policy = parse_policy(text, "p.yaml")
    return policy.rules[0].settings.values["schedule"]


def test_days_only_bill_all_day_and_hours_only_bill_every_day():
    assert parsed("{days: sat}").text == "sat 00:00-24:00 Europe/Paris"
    every_day = parsed('{hours: "09:00-17:00"}')
    assert (every_day.days, every_day.text) == (frozenset(range(7)), "every day 09:00-17:00 Europe/Paris")


def test_days_may_be_a_yaml_list_and_the_zone_defaults_to_the_policys():
    schedule = parsed("{days: [mon, wed, fri], hours: \"08:00-12:00\"}", timezone="Asia/Tokyo")
    assert schedule.days == frozenset({0, 2, 4})
    assert schedule.timezone == "Asia/Tokyo"


def test_unquoted_number_hours_get_a_hint_to_quote_them():
    with pytest.raises(PolicyError) as caught:
        parsed("{days: mon, hours: 800}")
    (issue,) = caught.value.issues
    assert issue.message.startswith("invalid hours in the schedule of rule 1:")
    assert issue.hint == 'quote it: hours: "08:00-19:00"'


def test_every_part_is_checked_in_one_pass():
    with pytest.raises(PolicyError) as caught:
        parsed('{days: fry, hours: "8-19", timezone: Mars/Olympus}')
    messages = [i.message for i in caught.value.issues]
    assert [m.split(":")[0] for m in messages] == ["invalid days in the schedule of rule 1",
                                                    "invalid hours in the schedule of rule 1",
                                                    "invalid timezone in the schedule of rule 1"]


def test_describe_and_zone_of():
    schedule = parsed('{days: mon-fri, hours: "08:00-19:00", timezone: America/New_York}')
    assert ScheduleRule().describe(schedule) == "mon-fri 08:00-19:00 America/New_York"
    assert ScheduleRule().describe(None) is None
    assert ScheduleRule.zone_of(effective(schedule=OFFICE)) == "Europe/Paris"
    assert ScheduleRule.zone_of(effective()) is None
