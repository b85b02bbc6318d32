"""`schedule`: the only window in which an endpoint may bill (watchdog/core/rules/schedule.py).

The Schedule value itself (days, hours, DST, window ends) is tested in tests/core/test_schedule.py; here, the rule:
what it decides at an instant, its warning before the window closes, and how the policy key is parsed.
"""

from __future__ import annotations

import pytest

from tests.core.rules.support import (
    NOW,
    PARIS,
    POLICY,
    ROW_FIELDS,
    K,
    P,
    Row,
    at,
    check_row,
    snap,
    table,
)
from watchdog.core.evaluate import evaluate

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
