"""Idle coverage (issue #12 item 4), the grouped "idle time unknown" news, and how each channel shows a
reconfiguration: old → new values and the undo."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from tests.alerts_support import NOW, endpoint_result, kept, make_report
from watchdog.core.announcements import news, remember
from watchdog.core.events import current_events
from watchdog.core.idle_coverage import idle_coverage
from watchdog.core.model import (
    ConfigFix,
    Decision,
    Finding,
    IdleSource,
    NamespaceResult,
    Notice,
    NoticeKind,
    Outcome,
    Reconfiguration,
    ScalingConfig,
)
from watchdog.core.render.issue import dashboard_body, news_comment
from watchdog.core.render.json_report import report_to_dict
from watchdog.core.render.markdown import render_report_markdown, render_step_summary
from watchdog.core.render.slack import build_slack_payload
from watchdog.core.render.text import render_text
from watchdog.core.rules import Check

UNKNOWN = Notice(NoticeKind.IDLE_UNKNOWN, "no idle signal")


def with_idle(result, source: IdleSource, ago: timedelta = timedelta(minutes=5)):
    ep = replace(result.endpoint, last_activity=NOW - ago, last_activity_source=source)
    return replace(result, evaluation=replace(result.evaluation, endpoint=ep))


def blind(name: str, namespace: str = "acme-ml"):
    return kept(name, namespace, notices=(UNKNOWN,))


def fleet_report(**kw):
    return make_report(
        with_idle(kept("chat"), IdleSource.LAST_USED_AT),
        with_idle(kept("rag"), IdleSource.METRICS),
        blind("vision"),
        blind("sandbox", "alice"),
        blind("notebook", "alice"),
        kept("old", state="paused", up=None),
        **kw,
    )


def test_coverage_counts_billable_endpoints_by_source_and_names_blind_namespaces():
    report = fleet_report()
    coverage = idle_coverage(r.endpoint for r in report.endpoints)
    assert coverage.as_dict() == {"last_used_at": 1, "metrics": 1, "unknown": 3}
    assert (coverage.billable, coverage.known, coverage.short) == (5, 2, "idle known 2/5")
    assert coverage.namespaces_without_signal == ("alice",)  # acme-ml has signals for two of three
    summary = report_to_dict(report)["summary"]
    assert summary["idle_known"] == {"last_used_at": 1, "metrics": 1, "unknown": 3}
    assert summary["namespaces_without_idle_signal"] == ["alice"]
    sentence = ("Idle time known for 2 of 5 billable endpoint(s) (lastUsedAt 1, metrics 1, unknown 3). No idle signal "
                "at all in alice. Fix: set fix_config: true and scale_to_zero_after on their rule (the platform then "
                "puts idle endpoints to sleep by itself), or use a plan with open metrics (Team or Enterprise).")
    assert sentence in render_text(report)
    assert sentence in render_step_summary(report, (), now=NOW)
    assert sentence in dashboard_body(report, now=NOW)
    assert sentence in render_report_markdown(report)


def test_nothing_billable_says_nothing_about_idle():
    report = make_report(kept("old", state="paused", up=None))
    assert "Idle time" not in render_text(report)
    assert report_to_dict(report)["summary"]["idle_known"] == {"last_used_at": 0, "metrics": 0, "unknown": 0}


def test_idle_unknown_news_is_one_event_per_namespace_with_the_fix():
    events = [e for e in current_events(fleet_report(), NOW) if e.kind == "idle-unknown"]
    assert [(e.key, e.title, e.subject) for e in events] == [
        ("idle-unknown:acme-ml", "Idle time unknown in acme-ml", "namespace:acme-ml"),
        ("idle-unknown:alice", "Idle time unknown in alice", "namespace:alice"),
    ]
    assert "2 billable endpoint(s)" in events[1].detail and "notebook, sandbox" in events[1].detail
    assert "Fix: set fix_config: true and scale_to_zero_after" in events[1].detail
    assert events[1].owner == "@alice"  # the owners of the endpoints concerned are still told (and mentioned)
    mixed = make_report(blind("a"), kept("b", notices=(UNKNOWN,), owner="@bob"),
                        kept("c", notices=(UNKNOWN,), owner=None))
    assert current_events(mixed, NOW)[0].owner == "@alice, @bob"
    many = make_report(*(blind(f"ep-{i}") for i in range(7)))
    (event,) = current_events(many, NOW)
    assert "ep-0, ep-1, ep-2, ep-3, ep-4 and 2 more" in event.detail


def test_idle_unknown_is_said_when_it_starts_not_again_and_again_when_it_restarts():
    memory: dict = {}

    def night(report):
        nonlocal memory
        current = current_events(report, NOW)
        said = news(memory, current, report)
        memory = remember(memory, current, report, delivered=True, now=NOW)
        return [e.key for e in said]

    assert night(make_report(blind("a"))) == ["idle-unknown:acme-ml"]
    # A second blind endpoint in the same namespace, and later runs: nothing new.
    assert night(make_report(blind("a"), blind("b"))) == []
    assert night(make_report(blind("b"))) == []
    # The condition clears (the endpoints were fixed), then starts again: news once more.
    assert night(make_report(kept("a"))) == []
    assert night(make_report(blind("c"))) == ["idle-unknown:acme-ml"]


def reconfigured(outcome: Outcome = Outcome.RECONFIGURED, note: str | None = None):
    change = Reconfiguration(
        before=ScalingConfig(1, 8, None), after=ScalingConfig(0, 4, 60),
        changes="min_replica 1 → 0, max_replica 8 → 4, scale_to_zero_timeout none → 1h",
        undo="hf endpoints update batch-scorer --namespace acme-ml --min-replica 1 --max-replica 8", undo_note=note)
    finding = Finding(Check.MAX_REPLICAS, "4", "8",
                      'autoscaling up to 8 replicas > max_replicas 4 (rule 7 "tag=batch")',
                      fix=ConfigFix(max_replica=4))
    result = endpoint_result("batch-scorer", decision=Decision.RECONFIGURE, outcome=outcome, price=1.0,
                             violations=(finding,))
    ep = replace(result.endpoint, min_replicas=1, max_replicas=8)
    reason = f"{finding.reason}: fix {change.changes}"
    return replace(result, evaluation=replace(result.evaluation, endpoint=ep, reconfiguration=change, reason=reason))


def test_every_channel_shows_old_new_and_the_undo():
    note = "the scale-to-zero timeout stays set"
    report = make_report(reconfigured(note=note))
    undo = "hf endpoints update batch-scorer --namespace acme-ml --min-replica 1 --max-replica 8"
    text = render_text(report)
    assert (f"Reconfigured acme-ml/batch-scorer: min_replica 1 → 0, max_replica 8 → 4, "
            f"scale_to_zero_timeout none → 1h; undo: {undo} ({note})" in text)
    assert "reconfigure → reconfigured" in text
    data = report_to_dict(report)
    entry = data["endpoints"][0]
    assert entry["decision"] == "reconfigure" and entry["outcome"] == "reconfigured"
    assert entry["config_before"] == {"min_replica": 1, "max_replica": 8, "scale_to_zero_timeout_minutes": None}
    assert entry["config_after"] == {"min_replica": 0, "max_replica": 4, "scale_to_zero_timeout_minutes": 60}
    assert entry["config_undo"] == undo and entry["config_undo_note"] == note
    assert data["summary"]["reconfigured"] == 1
    (event,) = [e for e in current_events(report, NOW) if e.kind == "reconfigured"]
    assert event.title == "Reconfigured acme-ml/batch-scorer" and event.undo == undo and event.undo_note == note
    comment = news_comment([event], now=NOW)
    assert "**Reconfigured** `acme-ml/batch-scorer` — autoscaling up to 8 replicas" in comment
    assert f"undo: `{undo}` ({note})" in comment
    body = dashboard_body(report, now=NOW)
    assert f"- `acme-ml/batch-scorer` reconfigured: min_replica 1 → 0, max_replica 8 → 4, scale_to_zero_timeout " \
           f"none → 1h — undo: `{undo}` ({note})" in body
    assert "- reconfigure: min_replica 1 → 0" in render_report_markdown(report)
    payload = build_slack_payload([event], now=NOW, idle_coverage=idle_coverage(r.endpoint for r in report.endpoints))
    assert payload["blocks"][0]["text"]["text"] == "Endpoint watchdog: 1 reconfigured · idle known 0/1"
    assert payload["blocks"][-1]["elements"][1]["text"].startswith(
        "Idle time known for 0 of 1 billable endpoint(s) (lastUsedAt 0, metrics 0, unknown 1). No idle signal at all "
        "in acme-ml. Fix: set fix_config: true")
    section = payload["blocks"][1]["text"]["text"]
    assert section.startswith(":wrench: *Reconfigured* `acme-ml/batch-scorer` · decision *reconfigure*")
    assert "max_replica 8 → 4" in section and f"Undo: `{undo}`\n({note})" in section


def test_dry_runs_and_check_say_would_reconfigure():
    report = make_report(reconfigured(Outcome.WOULD_RECONFIGURE), dry_run=True)
    assert "Would reconfigure acme-ml/batch-scorer: min_replica 1 → 0" in render_text(report)
    (event,) = [e for e in current_events(report, NOW) if e.kind == "would-reconfigure"]
    payload = build_slack_payload([event], now=NOW, dry_run=True)
    assert payload["blocks"][0]["text"]["text"] == "[dry run] Endpoint watchdog: 1 would reconfigure"
    assert json.dumps(report_to_dict(report))  # serializable


def test_a_failed_update_is_an_action_failure_with_the_apis_message():
    failed = replace(reconfigured(Outcome.FAILED), error="update acme-ml/batch-scorer: HTTP 400: Bad Request: nope")
    report = make_report(failed)
    (event,) = current_events(report, NOW)
    assert event.kind == "action-failed" and event.title == "Failed to reconfigure acme-ml/batch-scorer"
    assert "HTTP 400: Bad Request: nope" in event.detail
    assert report.failed
    text = render_text(report)
    assert ("FAILED to reconfigure acme-ml/batch-scorer (min_replica 1 → 0, max_replica 8 → 4, scale_to_zero_timeout "
            "none → 1h): update acme-ml/batch-scorer: HTTP 400: Bad Request: nope") in text
    assert "undo: hf endpoints update" not in text
    assert "hf endpoints update" not in dashboard_body(report, now=NOW)
    assert "- reconfigure: min_replica 1 → 0, max_replica 8 → 4, scale_to_zero_timeout none → 1h\n" in \
        render_report_markdown(report)


def test_a_reconfigure_held_back_by_the_cap_is_news_as_a_violation():
    capped = replace(reconfigured(Outcome.NONE), error="not acted on: safety cap exceeded")
    kinds = [e.kind for e in current_events(make_report(capped, errors=("safety cap",)), NOW)]
    assert kinds == ["run-error", "violation"]


def test_blind_namespaces_ignore_namespaces_that_could_not_be_listed():
    report = make_report(blind("a"), namespaces=(NamespaceResult("acme-ml", True, endpoints=1),
                                                 NamespaceResult("bob", False, "403")))
    assert idle_coverage(r.endpoint for r in report.endpoints).namespaces_without_signal == ("acme-ml",)
