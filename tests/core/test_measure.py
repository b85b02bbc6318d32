"""Measuring: uptime and idle sources, their order, and the rules that keep weak data from causing a pause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from watchdog.core.measure import (
    Signals,
    earliest_live_replica_start,
    measure,
    parse_request_counter,
    validate_raw,
)
from watchdog.core.model import IdleSource, UptimeSource
from watchdog.core.stretch_cost import StretchCost
from watchdog.core.timestamps import format_timestamp, parse_timestamp

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)


def ts(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def raw(state: str = "running", *, updated_ago: timedelta = timedelta(days=3), last_used_ago: timedelta | None = None,
        name: str = "llm", min_replica: int = 1) -> dict:
    status = {
        "state": state,
        "message": "Endpoint is ready",
        "url": "https://x.endpoints.huggingface.cloud",
        "readyReplica": 1 if state == "running" else 0,
        "targetReplica": 1 if state in ("running", "initializing") else 0,
        "createdAt": ts(timedelta(days=10)),
        "updatedAt": ts(updated_ago),
    }
    if last_used_ago is not None:
        status["lastUsedAt"] = ts(last_used_ago)
    return {
        "name": name,
        "type": "private",
        "healthRoute": "/health",
        "compute": {"id": "aws-us-east-1-nvidia-l4-x1", "instanceType": "nvidia-l4",
                    "scaling": {"minReplica": min_replica, "maxReplica": 2, "scaleToZeroTimeout": None}},
        "model": {"repository": "org/model", "revision": None, "task": "text-generation", "framework": "pytorch"},
        "tags": ["team:nlp"],
        "status": status,
    }


def test_parse_timestamp_accepts_z_nanoseconds_and_rejects_garbage():
    assert parse_timestamp("2023-10-26T12:41:53.263078506Z") == datetime(2023, 10, 26, 12, 41, 53, 263078, tzinfo=UTC)
    assert parse_timestamp("2026-11-23T02:17:00Z") == NOW
    assert parse_timestamp("yesterday") is None
    assert parse_timestamp(None) is None


def test_request_counter_sums_replicas_and_ignores_other_metrics():
    text = (
        "# TYPE http_requests counter\n"
        'http_requests{replica_id="a",status_code="200"} 40\n'
        'http_requests{replica_id="b",status_code="500"} 2\n'
        "cpu_usage_percent 12.5\n# EOF\n"
    )
    assert parse_request_counter(text) == 42
    assert parse_request_counter("cpu_usage_percent 1\n# EOF\n") is None


def test_earliest_live_replica_wins_and_dead_replicas_are_ignored():
    payload = {"items": [
        {"live": True, "startedAt": ts(timedelta(hours=2))},
        {"live": True, "startedAt": ts(timedelta(hours=5))},
        {"live": False, "startedAt": ts(timedelta(hours=50))},
    ]}
    assert earliest_live_replica_start(payload) == NOW - timedelta(hours=5)
    assert earliest_live_replica_start({"items": []}) is None


def test_uptime_prefers_replica_start_over_memory_and_updated_at():
    # min_replica 0: it may have slept and woken since the earlier run, so the replica start is the stretch.
    snap, memory = measure(raw(min_replica=0), "ns", Signals(replica_started_at=NOW - timedelta(hours=9)),
                           {"first_billable_at": ts(timedelta(hours=20))}, NOW)
    assert snap.running_since_source is UptimeSource.REPLICA
    assert snap.uptime_seconds(NOW) == 9 * 3600
    assert parse_timestamp(memory["first_billable_at"]) == NOW - timedelta(hours=20)


def test_a_replica_newer_than_the_remembered_stretch_of_an_endpoint_that_cannot_sleep_is_weak():
    # min_replica 1 and status.updatedAt older than both: a replica restart (billing went on for 20h) or a pause
    # and resume that left updatedAt alone. Uptime counts from the earlier run, as a weak source; idle from the
    # new replica (the shorter stretch).
    snap, _ = measure(raw(), "ns", Signals(replica_started_at=NOW - timedelta(hours=9)),
                      {"first_billable_at": ts(timedelta(hours=20))}, NOW)
    assert snap.running_since_source is UptimeSource.STATE_ACROSS_RESTART
    assert snap.uptime_seconds(NOW) == 20 * 3600
    assert any("replica restart" in note for note in snap.measurement_notes)
    same, _ = measure(raw(), "ns", Signals(replica_started_at=NOW - timedelta(hours=20, minutes=-4)),
                      {"first_billable_at": ts(timedelta(hours=20))}, NOW)
    assert same.running_since_source is UptimeSource.REPLICA  # within the clocks' slack: the same stretch


def test_remembered_sightings_of_an_endpoint_that_can_sleep_are_weak():
    snap, _ = measure(raw(min_replica=0), "ns", Signals(), {"first_billable_at": ts(timedelta(hours=20))}, NOW)
    assert snap.running_since_source is UptimeSource.SIGHTINGS
    assert any("scale itself to zero" in note for note in snap.measurement_notes)


def test_uptime_from_memory_when_no_replica_start():
    snap, _ = measure(raw(), "ns", Signals(), {"first_billable_at": ts(timedelta(hours=20))}, NOW)
    assert snap.running_since_source is UptimeSource.STATE
    assert snap.uptime_seconds(NOW) == 20 * 3600


def test_memory_is_never_older_than_a_later_user_change():
    # Seen billable 20h ago, but someone touched it 2h ago (perhaps a pause + resume between runs).
    snap, memory = measure(raw(updated_ago=timedelta(hours=2)), "ns", Signals(),
                           {"first_billable_at": ts(timedelta(hours=20))}, NOW)
    assert snap.uptime_seconds(NOW) == 2 * 3600
    assert parse_timestamp(memory["first_billable_at"]) == NOW - timedelta(hours=2)


def test_lost_state_falls_back_to_weak_updated_at_and_starts_remembering():
    snap, memory = measure(raw(updated_ago=timedelta(days=3)), "ns", Signals(), None, NOW)
    assert snap.running_since_source is UptimeSource.UPDATED_AT
    assert any("weak" in note for note in snap.measurement_notes)
    assert memory["first_billable_at"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_not_billable_has_no_uptime_and_no_memory():
    snap, memory = measure(raw("paused"), "ns", Signals(), {"first_billable_at": ts(timedelta(hours=3))}, NOW)
    assert snap.running_since_source is UptimeSource.NOT_BILLABLE
    assert snap.uptime_seconds(NOW) is None
    assert snap.hourly_usd == 0.0
    # The stretch ended: the next billable stretch starts afresh, after this sighting (which bounds it).
    assert memory == {"seen_not_billing_at": "2026-11-23T02:17:00Z", "created_at": ts(timedelta(days=10))[:19] + "Z"}


def test_idle_from_last_used_at_is_capped_at_the_running_stretch():
    # Used a month ago, resumed 10 minutes ago: idle is 10 minutes, not a month.
    snap, _ = measure(raw(last_used_ago=timedelta(days=30)), "ns",
                      Signals(replica_started_at=NOW - timedelta(minutes=10)), None, NOW)
    assert snap.last_activity_source is IdleSource.LAST_USED_AT
    assert snap.idle_seconds(NOW) == 600


def test_idle_unknown_on_first_counter_sample_then_known_from_deltas():
    first, memory = measure(raw(), "ns", Signals(request_counter=100, replica_started_at=NOW - timedelta(days=2)),
                            None, NOW)
    assert first.last_activity_source is IdleSource.UNKNOWN
    assert any("first request-counter sample" in n for n in first.measurement_notes)

    later = NOW + timedelta(hours=6)
    same, memory2 = measure(raw(), "ns", Signals(request_counter=100, replica_started_at=NOW - timedelta(days=2)),
                            memory, later)
    assert same.last_activity_source is IdleSource.METRICS
    assert same.idle_seconds(later) == 6 * 3600  # no request since the first sample

    even_later = later + timedelta(hours=1)
    grew, _ = measure(raw(), "ns", Signals(request_counter=105, replica_started_at=NOW - timedelta(days=2)),
                      memory2, even_later)
    assert grew.idle_seconds(even_later) == 0


def test_counter_reset_counts_as_activity_not_as_idle():
    memory = {"first_billable_at": ts(timedelta(days=1)),
              "counter": {"value": 500, "sampled_at": ts(timedelta(hours=5)),
                          "last_change_at": ts(timedelta(hours=30))}}
    snap, _ = measure(raw(), "ns", Signals(request_counter=3), memory, NOW)
    assert snap.idle_seconds(NOW) == 0


@pytest.mark.parametrize(
    "mutate, problem",
    [
        (lambda r: r.pop("status"), "no status"),
        (lambda r: r["status"].update(state="melting"), "unknown state"),
        (lambda r: r["status"].update(createdAt="not-a-date"), "createdAt"),
        (lambda r: r.pop("name"), "no name"),
    ],
)
def test_malformed_payloads_are_unmeasurable_and_keep_no_memory(mutate, problem):
    payload = raw()
    mutate(payload)
    assert problem in validate_raw(payload)
    snap, memory = measure(payload, "ns", Signals(), {"first_billable_at": ts(timedelta(hours=1))}, NOW)
    assert snap.unmeasurable and problem in snap.unmeasurable
    assert memory == {"first_billable_at": ts(timedelta(hours=1))}  # memory kept as it was, not lost


def test_cost_is_price_times_replicas_times_hours():
    payload = raw(min_replica=2)  # a fixed size: the stretch ran 2 replicas all along
    payload["status"].update(readyReplica=2, targetReplica=2)
    snap, _ = measure(payload, "ns", Signals(price_per_replica_hour=0.8, replica_started_at=NOW - timedelta(hours=10)),
                      None, NOW)
    assert snap.billed_replicas == 2
    assert snap.hourly_usd == 1.6
    assert snap.stretch_cost(NOW) == StretchCost(16.0, exact=True)


def test_timestamps_are_written_with_a_four_digit_year():
    # glibc's strftime("%Y") gave "1-01-01T00:00:00Z" for Go's zero time: not RFC 3339, refused by our own parser.
    assert format_timestamp(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
    assert format_timestamp(datetime(999, 3, 4, 5, 6, 7, tzinfo=UTC)) == "0999-03-04T05:06:07Z"
    assert parse_timestamp(format_timestamp(datetime(1, 1, 1, tzinfo=UTC))) == datetime(1, 1, 1, tzinfo=UTC)


def test_a_state_from_a_later_run_is_ignored_not_read_as_a_stretch_from_the_future():
    """A run at a later instant wrote the state, then a replay ran at an earlier --now: its sighting dated the
    stretch from the future ("running 0s", keep) and its counter sample said "no request since" a later day."""
    later = {"first_billable_at": "2026-11-25T02:17:00Z", "counter": {"total": 5.0, "at": "2026-11-25T02:17:00Z"}}
    snap, memory = measure(raw(updated_ago=timedelta(days=2)), "ns", Signals(), later, NOW)
    assert snap.running_since_source is UptimeSource.UPDATED_AT and snap.running_since == NOW - timedelta(days=2)
    assert any("after this run's instant" in n for n in snap.measurement_notes)
    assert memory["first_billable_at"] == "2026-11-23T02:17:00Z"


def test_a_sighting_from_before_the_endpoint_existed_is_ignored():
    ancient = {"first_billable_at": "2000-01-01T00:00:00Z"}
    snap, _ = measure(raw(updated_ago=timedelta(days=2)), "ns", Signals(), ancient, NOW)
    assert snap.running_since_source is UptimeSource.UPDATED_AT
    assert any("before it was created" in n for n in snap.measurement_notes)
