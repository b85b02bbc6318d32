"""Events: what counts as news, stable keys, per-channel memory, recovery said once, bounded memory."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, timedelta

from tests.alerts_support import NOW, endpoint_result, kept, make_report
from watchdog.core.announcements import (
    FORGET_UNOBSERVED_AFTER,
    channel_memory,
    news,
    normalized_memory,
    remember,
    with_channel,
)
from watchdog.core.events import EventKind, current_events
from watchdog.core.model import (
    Decision,
    Finding,
    NamespaceResult,
    Notice,
    NoticeKind,
    Outcome,
)
from watchdog.core.rules import Check


def kinds(events) -> list[str]:
    return [e.kind for e in events]


def deliver(memory: dict, report, *, delivered: bool = True, now=NOW):
    """One run on one channel: the news, and the memory after it."""
    current = current_events(report, now)
    said = news(memory, current, report)
    return said, remember(memory, current, report, delivered=delivered, now=now)


def test_each_condition_becomes_one_event_of_its_kind() -> None:
    report = make_report(
        endpoint_result("a-paused"),
        endpoint_result("b-scaled", decision=Decision.SCALE_TO_ZERO, outcome=Outcome.SCALED_TO_ZERO),
        endpoint_result("c-failed", outcome=Outcome.FAILED, error="HTTP 500 from pause"),
        endpoint_result("d-notify", decision=Decision.NOTIFY, outcome=Outcome.NOTIFIED),
        kept("e-warn", warnings=(Finding(Check.MAX_IDLE, "2h", "1h40m", "idle 1h40m, max_idle 2h in 20m"),)),
        kept("f-exempt", notices=(Notice(NoticeKind.EXEMPTION_EXPIRING, "exemption ends 2026-11-24"),)),
        kept("g-unknown", notices=(Notice(NoticeKind.IDLE_UNKNOWN, "no idle signal; on_unknown_idle: notify"),
                                   Notice(NoticeKind.UPTIME_WEAK, "only updatedAt"))),
        kept("h-quiet"),
        namespaces=(NamespaceResult("acme-ml", True, endpoints=8), NamespaceResult("bob", False, "401 Unauthorized")),
        errors=("action cap hit: 20 pauses max per run",),
        notices=("the last run was 3 days ago: is the cron dropped?",),
    )
    events = current_events(report, NOW)
    assert kinds(events) == [
        "namespace-error", "action-failed", "run-error", "paused", "scaled-to-zero", "violation",
        "limit-approaching", "exemption-expiring", "idle-unknown", "run-notice",
    ]
    by_kind = {e.kind: e for e in events}
    assert by_kind["paused"].undo == "watchdog resume a-paused --namespace acme-ml"
    assert by_kind["paused"].hourly_usd == 2.5
    assert by_kind["paused"].stretch_usd == 23.0  # $2.50/h for 9h12m
    assert by_kind["paused"].owner == "@alice"
    assert "HTTP 500 from pause" in by_kind["action-failed"].detail
    assert by_kind["namespace-error"].detail == "401 Unauthorized"
    assert by_kind["action-failed"].undo is None


def test_a_pause_decision_not_carried_out_is_reported_as_over_limit() -> None:
    report = make_report(endpoint_result("capped", outcome=Outcome.NONE),
                         errors=("action cap reached: 20 per run",))
    assert kinds(current_events(report, NOW)) == ["run-error", "violation"]


def test_a_pause_the_safety_cap_held_back_says_so_in_its_own_event() -> None:
    """Read alone (a Slack section, an issue row), a held-back pause must not look like one still coming."""
    from watchdog.core.render.markdown import outcome_text

    capped = endpoint_result("capped", outcome=Outcome.NONE, error="not acted on: safety cap exceeded")
    [_, violation] = current_events(make_report(capped, errors=("safety cap: ...",)), NOW)
    assert violation.detail.endswith("; not acted on: safety cap exceeded")
    assert outcome_text(capped) == "not acted on: safety cap exceeded"


def test_protected_and_exempt_endpoints_raise_no_limit_approaching_event() -> None:
    """They are never acted on, so a warning would be noise every stretch (docs/alerts.md); kept ones still warn."""
    warning = (Finding(Check.MAX_UPTIME, "8h", "7h", "running 7h, max_uptime 8h in 1h"),)
    report = make_report(
        endpoint_result("prod", decision=Decision.PROTECTED, outcome=Outcome.NONE, violations=(), warnings=warning),
        endpoint_result("paper", decision=Decision.EXEMPT, outcome=Outcome.NONE, violations=(), warnings=warning),
        kept("plain", warnings=warning),
    )
    assert [(e.kind, e.title) for e in current_events(report, NOW)] == [
        ("limit-approaching", "Limit approaching: acme-ml/plain")]


def test_protected_exempt_and_gone_endpoints_raise_no_event() -> None:
    report = make_report(
        endpoint_result("prod", decision=Decision.PROTECTED, outcome=Outcome.NONE),
        endpoint_result("paper", decision=Decision.EXEMPT, outcome=Outcome.NONE),
        endpoint_result("deleted", outcome=Outcome.GONE),
    )
    assert current_events(report, NOW) == ()


def test_dry_run_outcomes_become_would_events() -> None:
    report = make_report(endpoint_result("x", outcome=Outcome.WOULD_PAUSE), dry_run=True)
    [event] = current_events(report, NOW)
    assert (event.kind, event.title) == ("would-pause", "Would pause acme-ml/x")


def test_identical_run_errors_are_one_event() -> None:
    report = make_report(errors=("state file was corrupt; started afresh",) * 2)
    assert kinds(current_events(report, NOW)) == ["run-error"]


def test_announced_once_then_quiet() -> None:
    report = make_report(endpoint_result("a"), endpoint_result("b"))
    said, memory = deliver({}, report)
    assert kinds(said) == ["paused", "paused"]
    # The same conditions on the next run (e.g. a retried job replaying the report) are not news.
    said_again, memory_again = deliver(memory, report)
    assert said_again == ()
    assert memory_again == memory


def test_a_new_pause_after_a_resume_is_news_again() -> None:
    first = make_report(endpoint_result("a"))
    _, memory = deliver({}, first)
    quiet = make_report(endpoint_result("a", state="paused", decision=Decision.KEEP, outcome=Outcome.NONE, up=None))
    said, memory = deliver(memory, quiet, now=NOW + timedelta(days=1))
    assert said == ()
    assert memory == {}  # the old pause no longer applies: forgotten
    later = NOW + timedelta(days=2)
    again = make_report(endpoint_result("a", now=later), now=later)
    said, _ = deliver(memory, again, now=later)
    assert kinds(said) == ["paused"]


def test_the_pause_key_is_the_billable_stretch_not_the_run() -> None:
    one = current_events(make_report(endpoint_result("a")), NOW)
    same_stretch_later = current_events(
        make_report(endpoint_result("a", up=timedelta(hours=10), now=NOW + timedelta(minutes=48))),
        NOW + timedelta(minutes=48),
    )
    assert one[0].key == same_stretch_later[0].key == "paused:acme-ml/a:20261122T170500Z"


def test_a_failed_delivery_keeps_the_news_for_next_run() -> None:
    report = make_report(endpoint_result("a"))
    said, memory = deliver({}, report, delivered=False)
    assert kinds(said) == ["paused"]
    assert memory == {}
    said, _ = deliver(memory, report)
    assert kinds(said) == ["paused"]


def test_channels_remember_separately() -> None:
    report = make_report(endpoint_result("a"))
    current = current_events(report, NOW)
    slack_heard = remember({}, current, report, delivered=True, now=NOW)
    memory = with_channel(with_channel({}, "slack", slack_heard), "github", {})
    assert news(channel_memory(memory, "slack"), current, report) == ()
    assert kinds(news(channel_memory(memory, "github"), current, report)) == ["paused"]


def test_a_failure_is_said_once_then_its_recovery_once() -> None:
    failing = make_report(endpoint_result("a", outcome=Outcome.FAILED, error="HTTP 503"))
    said, memory = deliver({}, failing)
    assert kinds(said) == ["action-failed"]
    said, memory = deliver(memory, failing)
    assert said == ()  # still failing: not repeated
    fixed = make_report(endpoint_result("a"))
    said, memory = deliver(memory, fixed)
    assert kinds(said) == ["paused", "recovered"]
    assert said[1].title == "Recovered: Failed to pause acme-ml/a"
    said, memory = deliver(memory, fixed)
    assert said == ()
    assert memory.keys() == {"paused:acme-ml/a:20261122T170500Z"}


def test_a_recovery_that_failed_to_deliver_is_news_next_run() -> None:
    failing = make_report(namespaces=(NamespaceResult("bob", False, "401"),))
    _, memory = deliver({}, failing)
    fixed = make_report(namespaces=(NamespaceResult("bob", True),))
    said, memory = deliver(memory, fixed, delivered=False)
    assert kinds(said) == ["recovered"]
    said, memory = deliver(memory, fixed)
    assert kinds(said) == ["recovered"]
    assert memory == {}


def test_no_recovery_is_claimed_for_an_endpoint_in_a_namespace_that_could_not_be_listed() -> None:
    failing = make_report(endpoint_result("a", outcome=Outcome.FAILED, error="timeout"))
    _, memory = deliver({}, failing)
    unlisted = make_report(namespaces=(NamespaceResult("acme-ml", False, "HTTP 502"),))
    said, memory = deliver(memory, unlisted)
    assert kinds(said) == ["namespace-error"]
    assert "action-failed:acme-ml/a:pause" in memory


def test_a_failure_about_a_subject_never_seen_again_is_forgotten_after_a_while() -> None:
    failing = make_report(endpoint_result("a", "old-ns", outcome=Outcome.FAILED, error="x"))
    _, memory = deliver({}, failing)
    elsewhere = make_report(kept("b"))
    _, memory = deliver(memory, elsewhere, now=NOW + timedelta(days=1))
    assert "action-failed:old-ns/a:pause" in memory
    later = NOW + FORGET_UNOBSERVED_AFTER + timedelta(days=1)
    _, memory = deliver(memory, make_report(kept("b", now=later), now=later), now=later)
    assert memory == {}


def test_memory_is_plain_json_and_round_trips() -> None:
    report = make_report(endpoint_result("a"),
                         namespaces=(NamespaceResult("acme-ml", True), NamespaceResult("x", False, "e")))
    _, heard = deliver({}, report)
    memory = with_channel({}, "slack", heard)
    restored = json.loads(json.dumps(memory))
    assert channel_memory(restored, "slack") == heard
    assert news(channel_memory(restored, "slack"), current_events(report, NOW), report) == ()


def test_malformed_memory_reads_as_nothing_remembered() -> None:
    for junk in (None, [], {"version": 99}, {"version": 1, "channels": []}, {"version": 1, "channels": {"slack": 3}}):
        assert channel_memory(junk, "slack") == {}  # type: ignore[arg-type]
        normal = normalized_memory(junk)  # type: ignore[arg-type]
        assert normal["version"] == 1
        assert all(remembered == {} for remembered in normal["channels"].values())


def test_memory_stays_bounded() -> None:
    from watchdog.core import announcements as ev

    results = [endpoint_result(f"ep-{i:04d}") for i in range(ev.MAX_REMEMBERED + 50)]
    _, memory = deliver({}, make_report(*results))
    assert len(memory) == ev.MAX_REMEMBERED


def test_news_a_failed_delivery_missed_is_sent_on_the_next_run_then_forgotten():
    from datetime import datetime, timedelta

    from watchdog.core.announcements import news, remember
    from watchdog.core.events import Event
    from watchdog.core.model import NamespaceResult, Report

    now = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
    report = Report(generated_at=now, command="run", dry_run=False,
                    namespaces=(NamespaceResult("acme-ml", ok=True, endpoints=1),), endpoints=())
    pause = Event(key="paused:acme-ml/a:x", kind="paused", title="Paused acme-ml/a", detail="running 9h > 8h",
                  subject="endpoint:acme-ml/a", namespace="acme-ml", name="a", hourly_usd=2.5)
    # Night 1: the pause is news, the delivery fails.
    first = news({}, [pause], report)
    memory = remember({}, [pause], report, delivered=False, now=now, undelivered=first)
    # Night 2: the endpoint is paused now, so the pause is no longer a current event; it is still news.
    later = now + timedelta(days=1)
    second = news(memory, [], report)
    # The same news, marked as carried over from the night it happened (so no channel calls it tonight's).
    assert second == (replace(pause, kind=EventKind.PAUSED, carried_from="2026-11-23T02:17:00Z"),)
    memory = remember(memory, [], report, delivered=True, now=later)
    # Night 3: said, and forgotten.
    assert news(memory, [], report) == () and memory == {}
