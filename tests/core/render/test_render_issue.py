"""The dashboard issue body and the news comment: golden text, marker, stability, size limit, mentions."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts_support import NOW, check_golden, endpoint_result, kept, make_report, sample_report
from watchdog.core.events import current_events
from watchdog.core.model import Decision, Outcome
from watchdog.core.render.issue import DASHBOARD_MARKER, dashboard_body, news_comment

RUN_URL = "https://github.com/acme/ml-ops/actions/runs/123456"


def test_golden_dashboard_body() -> None:
    check_golden("issue_body.md", dashboard_body(sample_report(), now=NOW))


def test_golden_news_comment() -> None:
    check_golden("issue_comment.md", news_comment(current_events(sample_report(), NOW), now=NOW, run_url=RUN_URL))


def test_body_starts_with_the_hidden_marker() -> None:
    assert dashboard_body(make_report(), now=NOW).splitlines()[0] == DASHBOARD_MARKER


def test_body_lists_billable_and_acted_on_endpoints_only() -> None:
    report = sample_report()
    body = dashboard_body(report, now=NOW)
    assert "`acme-ml/mert-spike6`" in body  # paused this run
    assert "`acme-ml/prod-api`" in body  # billable, protected
    assert "old-paused" not in body  # paused before: costs nothing
    assert "1 more paused, scaled to zero or failed and costing nothing" in body
    assert ":x: could not list `bob`" in body


def test_body_has_no_timestamp_so_a_quiet_fleet_does_not_churn_the_issue() -> None:
    def quiet(now):
        return make_report(endpoint_result("a", state="paused", decision=Decision.KEEP, outcome=Outcome.NONE, up=None),
                           now=now)

    later = NOW + timedelta(days=1)
    assert dashboard_body(quiet(NOW), now=NOW) == dashboard_body(quiet(later), now=later)


def test_body_owners_do_not_ping_but_comment_owners_do() -> None:
    report = make_report(endpoint_result("a", owner="@alice"))
    assert "`@alice`" in dashboard_body(report, now=NOW)
    comment = news_comment(current_events(report, NOW), now=NOW)
    assert "owner @alice" in comment and "`@alice`" not in comment


def test_table_cells_escape_pipes() -> None:
    body = dashboard_body(make_report(kept("a", owner="@a | @b")), now=NOW)
    assert "`@a \\| @b`" in body


def test_body_and_comment_stay_under_githubs_limit_with_a_note() -> None:
    results = [endpoint_result(f"endpoint-with-a-long-name-{i:05d}", owner="@someone") for i in range(2000)]
    report = make_report(*results)
    body = dashboard_body(report, now=NOW)
    comment = news_comment(current_events(report, NOW), now=NOW, run_url=RUN_URL)
    for text in (body, comment):
        assert len(text) < 65_536
        assert "more not shown (GitHub's 65,536-character limit)" in text
    assert body.rstrip().endswith("new events arrive as comments.")


def test_comment_summarises_counts_and_savings() -> None:
    events = current_events(make_report(endpoint_result("a"), endpoint_result("b")), NOW)
    first = news_comment(events, now=NOW, run_url=RUN_URL).splitlines()[0]
    assert first == f"**2026-11-23 02:17 UTC** ([workflow run]({RUN_URL})): 2 paused — \\$5.00/h saved"
