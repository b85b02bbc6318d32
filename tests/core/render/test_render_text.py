"""The terminal table and status cards: what a person reads, pinned exactly (issue 16 items 1, 3 and 5)."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts_support import NOW
from watchdog.core.evaluate import evaluate
from watchdog.core.model import EndpointSnapshot, IdleSource, NamespaceResult, Report, UptimeSource
from watchdog.core.outcomes import planned_outcomes
from watchdog.core.policy import parse_policy
from watchdog.core.render.status import render_status
from watchdog.core.render.text import render_text

POLICY = parse_policy("version: 1\ndefaults: {max_uptime: 8h, max_idle: 2h}\nendpoints:\n"
                      "  - match: \"mert-*\"\n    max_uptime: 4h\n", "p.yaml")
LEGEND = "* uptime from the watchdog's own memory or status.updatedAt, not a replica start time"


def _snapshot(name: str, source: UptimeSource, up_hours: float, idle_hours: float) -> EndpointSnapshot:
    return EndpointSnapshot("acme-ml", name, "running", running_since=NOW - timedelta(hours=up_hours),
                            running_since_source=source, last_activity=NOW - timedelta(hours=idle_hours),
                            last_activity_source=IdleSource.LAST_USED_AT, price_per_replica_hour=1.0)


def _report(*snapshots: EndpointSnapshot) -> Report:
    evaluations = [evaluate(POLICY, s, NOW) for s in snapshots]
    return Report(NOW, "check", False, (NamespaceResult("acme-ml", True, endpoints=len(snapshots)),),
                  planned_outcomes(evaluations))


def test_legend_only_when_a_row_carries_the_star() -> None:
    replica_only = render_text(_report(_snapshot("a", UptimeSource.REPLICA, 1, 0.1)))
    assert "*" not in replica_only and LEGEND not in replica_only
    starred = render_text(_report(_snapshot("a", UptimeSource.STATE, 1, 0.1)))
    assert "1h*" in starred and LEGEND in starred


def test_every_broken_limit_is_named_once_under_one_rule_reference() -> None:
    text = render_text(_report(_snapshot("mert-x", UptimeSource.REPLICA, 6, 3)))
    row = next(line for line in text.splitlines() if line.startswith("acme-ml/mert-x"))
    assert row.endswith('pause     running 6h > max_uptime 4h; idle 3h > max_idle 2h (rule 1 "mert-*")')
    assert "more)" not in text


def test_status_card_says_the_reason_once() -> None:
    snapshot = _snapshot("mert-x", UptimeSource.REPLICA, 6, 3)
    evaluation = evaluate(POLICY, snapshot, NOW)
    card = render_status([snapshot], [evaluation], NOW)
    assert card.count("max_uptime 4h") == 1
    assert card.splitlines()[-1] == ('  policy     rule 1 "mert-*" → pause: running 6h > max_uptime 4h; idle 3h > '
                                     'max_idle 2h (rule 1 "mert-*")')


def test_a_billable_endpoint_without_a_price_is_not_counted_as_free() -> None:
    """`burning $2.50/h` alone once hid an unpriced endpoint as $0.00: the headline says what it leaves out."""
    from tests.alerts_support import endpoint_result, make_report
    from watchdog.core.render.issue import dashboard_body

    report = make_report(endpoint_result("priced"), endpoint_result("unpriced", price=None))
    assert "burning $2.50/h plus 1 billable endpoint(s) with no known price" in render_text(report)
    assert r"burning \$2.50/h plus 1 billable endpoint(s) with no known price before" in dashboard_body(report, now=NOW)
