"""Property-based shape fuzzing of the lenient readers and the idle model (pure functions: fast, bounded examples).

The end-to-end variations are in tests/e2e/test_shape_fuzz*.py; here hypothesis throws arbitrary JSON and text at each
reader, random RFC 3339 renderings at the timestamp parser, random combinations of endpoint mutations at
measure + evaluate, and random request histories at the idle model.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.shape_mutations import apply, mutations
from tests.shape_service import NOW, endpoint
from watchdog.adapters.interface import HubError, Listing
from watchdog.adapters.listing import list_pages
from watchdog.core.evaluate import evaluate
from watchdog.core.measure import Signals, measure, read_replicas, read_request_counter
from watchdog.core.policy import parse_policy
from watchdog.core.prices import read_price_list
from watchdog.core.timestamps import parse_timestamp

QUICK = settings(max_examples=60, deadline=None)  # bounded: the whole file stays under a second
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["items", "replicas", "live", "startedAt", "stoppedAt", "vendors", "regions", "computes",
                         "id", "pricePerHour", "nextCursor", "prevCursor", "name", "status", "x"]), inner, max_size=4),
    max_leaves=16)


@QUICK
@given(moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       offset_minutes=st.integers(-23 * 60 - 59, 23 * 60 + 59), digits=st.integers(0, 9),
       sep=st.sampled_from("Tt "), zulu=st.sampled_from(["Z", "z", None]))
def test_every_rfc3339_rendering_is_the_same_instant(moment, offset_minutes, digits, sep, zulu):
    instant = moment.replace(tzinfo=UTC)
    if zulu is not None:
        offset_minutes = 0
    local = instant.astimezone(timezone(timedelta(minutes=offset_minutes)))
    fraction = f"{local.microsecond:06d}000"[:digits]
    zone = zulu or (("+" if offset_minutes >= 0 else "-")
                    + f"{abs(offset_minutes) // 60:02d}:{abs(offset_minutes) % 60:02d}")
    text = local.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + (f".{fraction}" if digits else "") + zone
    parsed = parse_timestamp(text)
    expected = instant.replace(microsecond=int(fraction.ljust(6, "0")[:6]) if digits else 0)
    assert parsed == expected, text


@QUICK
@given(st.text(max_size=300) | st.lists(st.sampled_from([
    "http_requests 5", "http_requests_total{a=\"}\"} 3", "http_requests NaN", "http_requests -1", "# EOF",
    "http_requests{replica_id=\"r\"} 1e309", "cpu 1", "http_requests 2 1700000000", ""]), max_size=8).map("\n".join))
def test_the_counter_reader_never_raises_and_gives_a_finite_non_negative_sum(text):
    value, tolerated = read_request_counter(text)
    assert value is None or (math.isfinite(value) and value >= 0)
    assert isinstance(tolerated, tuple)


@QUICK
@given(JSON)
def test_the_replica_reader_takes_any_json(payload):
    reading = read_replicas(payload)
    assert reading.started_at is None or reading.started_at.tzinfo is not None
    if reading.started_at is None and not (isinstance(payload, dict) and isinstance(payload.get("items"), list)) \
            and not isinstance(payload, list) and not (isinstance(payload, dict)
                                                       and isinstance(payload.get("replicas"), list)):
        assert any("unrecognized shape" in t for t in reading.tolerated)


@QUICK
@given(JSON)
def test_the_price_reader_takes_any_json(payload):
    prices = read_price_list(payload)
    assert all(isinstance(k, str) and math.isfinite(v) and v >= 0 for k, v in prices.items())


@QUICK
@given(st.lists(JSON, min_size=1, max_size=4))
def test_the_list_reader_takes_any_json_and_ends(pages):
    calls = []

    def fetch(cursor, limit):
        calls.append(cursor)
        return pages[min(len(calls) - 1, len(pages) - 1)]

    try:
        listing = list_pages(fetch, "ns")
    except HubError as error:
        assert "list namespace" in str(error)
        return
    assert isinstance(listing, Listing) and len(calls) <= 1000


POLICY = parse_policy("version: 1\ndefaults: {max_uptime: 12h, max_idle: 2h, action: pause, max_cost: 100, "
                      "max_replicas: 4}\n", "policies.yaml")
BASE = endpoint("subject")
VARIATIONS = mutations(BASE)


@QUICK
@given(st.lists(st.sampled_from(VARIATIONS), min_size=1, max_size=4, unique_by=str))
def test_combined_endpoint_mutations_never_crash_and_never_pause(chosen):
    payload = BASE
    for mutation in chosen:
        try:
            payload = apply(payload, mutation)
        except (KeyError, IndexError, TypeError, AttributeError):
            return  # an earlier mutation removed (or nulled) what a later one names
    signals = Signals(price_per_replica_hour=1.0, replica_started_at=NOW - timedelta(hours=1), request_counter=10.0)
    snapshot, _ = measure(payload, "acme-ml", signals, None, NOW)
    verdict = evaluate(POLICY, snapshot, NOW)
    assert verdict.decision.value not in ("pause", "scale-to-zero"), (chosen, verdict.reason)


@QUICK
@given(requests=st.lists(st.integers(0, 48 * 60), max_size=30), samples=st.lists(st.integers(0, 48 * 60), min_size=2,
                                                                                 max_size=6, unique=True),
       restarts=st.lists(st.integers(0, 48 * 60), max_size=2), with_last_used=st.booleans())
def test_idle_is_never_longer_than_the_truth(requests, samples, restarts, with_last_used):
    """Random request histories sampled at random runs: the measured idle never exceeds the real one."""
    start = NOW - timedelta(days=3)
    at = lambda minute: start + timedelta(minutes=minute)  # noqa: E731
    samples.sort()

    def counter(minute: int) -> float:
        since = max([r for r in restarts if r <= minute], default=-1)  # replicas restarted: counter from zero
        return float(sum(1 for r in requests if since < r <= minute))

    values = [counter(m) for m in samples]
    for (m0, v0), (m1, v1) in pairwise(zip(samples, values, strict=True)):
        came = any(m0 < r <= m1 for r in requests) or any(m0 < r <= m1 for r in restarts)
        assume(not (came and v0 == v1))  # a restart that lands on the same value cannot be seen by anyone
    memory = None
    for minute, value in zip(samples, values, strict=True):
        now = at(minute)
        last = max([r for r in requests if r <= minute], default=None)
        raw = endpoint("ep", last_used=None, updated=(start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        if with_last_used and last is not None:
            raw["status"]["lastUsedAt"] = at(last).strftime("%Y-%m-%dT%H:%M:%SZ")
        snapshot, memory = measure(raw, "ns", Signals(replica_started_at=start - timedelta(hours=1),
                                                      request_counter=value), memory, now)
        idle = snapshot.idle_seconds(now)
        if idle is not None and last is not None:
            assert idle <= (now - at(last)).total_seconds() + 1, (minute, snapshot.last_activity_evidence)
