"""The ledger's renderings: golden Mermaid charts and fallback table, text, CSV and JSON; the dashboard body, the
step summary and the Slack header with a ledger; size bounds with a huge history and fleet."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.alerts_support import check_golden, kept, make_report
from tests.ledger_support import NIGHT1, night_report, three_nights
from watchdog.core.events import current_events
from watchdog.core.ledger import History, ledger, record_run
from watchdog.core.ledger.codec import history_to_dict
from watchdog.core.model import NamespaceResult
from watchdog.core.render.charts import axis_top, line_chart, point_labels, quoted
from watchdog.core.render.issue import dashboard_body
from watchdog.core.render.json_report import report_to_dict
from watchdog.core.render.ledger import charts, markdown_section, render_csv, render_text
from watchdog.core.render.markdown import render_step_summary
from watchdog.core.render.slack import build_slack_payload


def three_night_ledger():
    history, now = three_nights()
    return ledger(history, now)


def test_three_nights_add_up_by_hand():
    result = three_night_ledger()
    # Billed, night 1 → 2: prod $4 + chat $0.50 all along (108), the sandbox from $0 to $0.80 (trapezoid 9.60);
    # night 2 → 3: $5.30/h for 24h (127.20). Saved: the spike's $2.50/h for 48h; the sandbox woke, so nothing.
    assert round(result.total.billed, 2) == 108.00 + 9.60 + 127.20
    assert round(result.total.saved, 2) == 120.00
    assert round(result.total.exceptions, 2) == 192.00
    assert [(s.key, round(s.billed, 2)) for s in result.top_spenders] == [
        ("acme-ml/prod-api", 192.0), ("alice/sandbox", 28.8), ("acme-ml/chat", 24.0)]


def test_golden_money_section_with_the_mermaid_charts_and_the_fallback_table():
    check_golden("ledger/section.md", "\n".join(markdown_section(three_night_ledger())) + "\n")


def test_golden_report_text_and_csv():
    result = three_night_ledger()
    check_golden("ledger/report.txt", render_text(result))
    check_golden("ledger/report.csv", render_csv(result))


def test_mermaid_labels_are_quoted_and_at_most_30_points_are_drawn():
    lines = line_chart('burn "now"', "$/h", [f"d{i}" for i in range(45)], [float(i) for i in range(45)])
    assert lines[0] == "```mermaid" and lines[1] == "xychart-beta" and lines[-1] == "```"
    assert lines[2] == "    title \"burn 'now'\""  # a double quote cannot be escaped in Mermaid: it becomes '
    assert lines[3].count('"') == 60 and '"d15"' in lines[3] and '"d14"' not in lines[3]
    assert lines[5] == "    line [" + ", ".join(f"{i}.00" for i in range(15, 45)) + "]"
    assert quoted("a`b\nc") == '"a\'b c"'
    assert axis_top([4.3]) == "5" and axis_top([0.0]) == "1" and axis_top([75.0]) == "80"


def test_labels_are_days_for_nightly_runs_and_times_when_a_day_has_several():
    days = [NIGHT1 + timedelta(days=i) for i in range(3)]
    assert point_labels(days) == ["11-20", "11-21", "11-22"]
    assert point_labels([NIGHT1, NIGHT1 + timedelta(hours=6)]) == ["20 02:17", "20 08:17"]


def test_no_history_no_chart():
    assert charts(ledger(History(), NIGHT1)) == []
    assert "no history yet" in "\n".join(markdown_section(ledger(History(), NIGHT1)))


def test_dashboard_body_and_step_summary_carry_the_chart_and_the_table():
    history, now = three_nights()
    report = replace(night_report(3), ledger=ledger(history, now))
    body = dashboard_body(report, now=now)
    summary = render_step_summary(report, current_events(report, now), now=now)
    section = "\n".join(markdown_section(report.ledger))
    assert section in body  # the same section, whole
    assert "```mermaid\nxychart-beta" in body and "<details><summary>The charts as a table</summary>" in body
    assert "```mermaid\nxychart-beta" in summary and "### Money, November 2026 to date" in summary
    assert body.index("## Billable Inference Endpoints") < body.index("## Money")


def test_slack_header_adds_the_months_saving():
    history, now = three_nights()
    report = replace(night_report(3), ledger=ledger(history, now))
    events = [e for e in current_events(night_report(1), NIGHT1) if e.kind == "paused"]
    head = build_slack_payload(events, now=now, saved_this_month=report.ledger.month.saved)["blocks"][0]["text"]["text"]
    assert head == "Endpoint watchdog: 1 paused · $2.50/h saved · saved $120.00 this month (est.)"
    assert "this month" not in build_slack_payload(events, now=now)["blocks"][0]["text"]["text"]


def test_json_report_has_the_ledger_section():
    history, now = three_nights()
    data = report_to_dict(replace(night_report(3), ledger=ledger(history, now)))["ledger"]
    assert data["billed_usd"] == 244.8 and data["saved_usd"] == 120.0 and data["exceptions_usd"] == 192.0
    assert data["month_to_date"] is True and data["history_since"] == "2026-11-20T02:17:00Z"
    assert data["month"] == {"month": "2026-11", "billed_usd": 244.8, "saved_usd": 120.0, "exceptions_usd": 192.0,
                             "unknown_hours": 0.0}
    assert [ns["name"] for ns in data["namespaces"]] == ["acme-ml", "alice"]
    assert "runs" not in data  # the per-run detail is for `watchdog report`
    json.dumps(data)
    assert "ledger" not in report_to_dict(night_report(3))


def test_dashboard_body_stays_under_githubs_limit_with_a_huge_history_and_fleet():
    # 402 hourly runs over 20 namespaces (more than a run itemises), then a report of 3,000 billable endpoints.
    namespaces = [f"an-organisation-with-a-rather-long-name-{n:03d}" for n in range(20)]
    listed = tuple(NamespaceResult(ns, True, endpoints=150) for ns in namespaces)
    start = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)
    each_run = [kept(f"endpoint-with-a-long-name-{i:05d}", namespaces[i % 20], price=1.0 + i % 7, now=start)
                for i in range(100)]
    history = History()
    for i in range(402):
        at = start + timedelta(hours=i)
        history = record_run(history, make_report(*each_run, namespaces=listed, now=at), at, 3600)
    assert len(history.runs) == 400 and [m.month for m in history.months] == ["2026-11"]
    assert all(len(run.rates) == 50 for run in history.runs)  # the rest is summed per namespace
    assert len(json.dumps(history_to_dict(history))) < 2_500_000  # 83-character keys: realistic ones halve it
    now = start + timedelta(hours=401)
    fleet = [kept(f"endpoint-with-a-long-name-{i:05d}", namespaces[i % 20], price=1.0 + i % 7, owner="@someone",
                  now=now) for i in range(3000)]
    report = replace(make_report(*fleet, namespaces=listed, now=now), ledger=ledger(history, now))
    body = dashboard_body(report, now=now)
    assert len(body) < 65_536
    assert "more not shown" in body and "+10 more namespaces" in body
    assert body.count("```mermaid") == 2 and body.rstrip().endswith("new events arrive as comments.")
    assert round(report.ledger.total.billed, 2) == round(sum(1.0 + i % 7 for i in range(100)) * 401, 2)


def test_a_paused_endpoint_shows_in_the_body_with_what_it_saved_this_month():
    history, now = three_nights()
    body = dashboard_body(replace(night_report(3), ledger=ledger(history, now)), now=now)
    assert r"**\$244.80 billed** · **\$120.00 saved** (est.) · \$192.00 on exceptions" in body
    assert r"1 endpoint stopped by the watchdog still stopped (\$2.50/h)" in body


def test_billable_endpoints_without_a_price_are_named_not_counted_as_zero() -> None:
    from dataclasses import replace

    from tests.ledger_support import three_nights
    from watchdog.core.render.ledger import render_text, summary_line, unpriced_text

    history, now = three_nights()
    result = replace(ledger(history, now), unpriced_most=2, unpriced_runs=3)
    expected = ("not counted: up to 2 billable endpoint(s) had no price (at 3 of 3 run(s)), so what they billed is "
                "unknown, not $0")
    assert unpriced_text(result) == expected
    assert expected in summary_line(result)
    assert "  unpriced               2  billable endpoint(s) with no price at 3 run(s)" in render_text(result)
    assert unpriced_text(ledger(history, now)) is None
