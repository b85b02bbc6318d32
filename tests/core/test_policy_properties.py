"""Properties: no input crashes the parser (only PolicyError, always located) and no snapshot crashes evaluate."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from watchdog.core.evaluate import evaluate
from watchdog.core.model import Decision, EndpointSnapshot, IdleSource, UptimeSource
from watchdog.core.policy import PolicyError, parse_policy
from watchdog.core.policy.model import RULE_KEYS, TOP_KEYS
from watchdog.core.schedule import parse_schedule

QUICK = settings(max_examples=120, deadline=None)

words = st.sampled_from(
    list(TOP_KEYS) + list(RULE_KEYS) + ["days", "hours", "timezone", "name", "tag", "namespace", "x", "*", "prod-*"]
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
    st.sampled_from(["8h", "30m", "0m", "1h30m", "eight", "pause", "notify", "mon-fri", "fri-mon", "22:00-06:00",
                     "Europe/Paris", "Mars/Olympus", "2026-12-15", "2026-02-30", "*", ""]),
    st.text(max_size=12),
)
structures = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(words, children, max_size=5)),
    max_leaves=25,
)


def assert_located(error: PolicyError, text: str) -> None:
    # YAML breaks lines at \r, NEL and the Unicode separators too (found by Hypothesis: "\x85\x850" is line 3).
    lines = len(re.split("\r\n|[\n\r\x85\u2028\u2029]", text))
    assert error.issues, "a PolicyError always carries at least one issue"
    for issue in error.issues:
        assert 1 <= issue.line <= lines + 1, issue
        assert issue.column >= 1, issue
        assert issue.message


@QUICK
@given(st.text(max_size=300))
def test_arbitrary_text_only_raises_policy_error(text):
    try:
        parse_policy(text, "fuzz.yaml")
    except PolicyError as error:
        assert_located(error, text)


@QUICK
@given(st.dictionaries(words, structures, max_size=6))
def test_arbitrary_structures_only_raise_policy_error(data):
    data.setdefault("version", 1)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    try:
        policy = parse_policy(text, "fuzz.yaml")
    except PolicyError as error:
        assert_located(error, text)
    else:
        assert policy.version == 1


def rule_dicts() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {"match": st.sampled_from(["*", "prod-*", "mert-*", {"tag": "gpu"}, {"namespace": "acme-ml"}])},
        optional={
            "max_uptime": st.sampled_from(["1h", "4h", "12h"]),
            "max_idle": st.sampled_from(["30m", "2h", None]),
            "action": st.sampled_from(["pause", "scale-to-zero", "notify"]),
            "on_unknown_idle": st.sampled_from(["notify", "pause", "ignore"]),
            "warn_before": st.sampled_from(["15m", "1h", "1d"]),
            "schedule": st.sampled_from([{"days": "fri-mon"}, {"hours": "22:00-06:00", "timezone": "America/New_York"},
                                         {"days": "mon-fri", "hours": "08:00-19:00"}]),
            "max_cost": st.sampled_from([1, 40, 0.5]),
            "max_replicas": st.integers(1, 4),
            "require_scale_to_zero": st.booleans(),
            "trust_updated_at": st.booleans(),
            "protected": st.booleans(),
        },
    )


valid_policies = st.builds(
    lambda rules, tz: {"version": 1, "timezone": tz, "defaults": {"max_uptime": "12h", "max_idle": "2h"},
                       "endpoints": rules},
    # Unique matches without "*": a shadowed rule is (rightly) a validation error, not what this test is about.
    st.lists(rule_dicts(), max_size=4, unique_by=lambda r: str(r["match"])).map(
        lambda rules: [r for r in rules if r["match"] != "*"]),
    st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe"]),
)
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))
maybe_offset = st.one_of(st.none(), st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=60)))
snapshots = st.builds(
    lambda name, state, tags, up, idle, source, price, replicas, unmeasurable, now: (EndpointSnapshot(
        namespace="acme-ml", name=name, state=state, tags=tags,
        running_since=None if up is None else now - up, running_since_source=source,
        last_activity=None if idle is None else now - idle,
        last_activity_source=IdleSource.UNKNOWN if idle is None else IdleSource.METRICS,
        price_per_replica_hour=price, min_replicas=replicas[0], max_replicas=replicas[1],
        ready_replicas=replicas[2], target_replicas=replicas[2], scale_to_zero_timeout_minutes=replicas[3],
        unmeasurable=unmeasurable), now),
    st.sampled_from(["prod-chat", "mert-1", "x", "bench"]),
    st.sampled_from(["running", "initializing", "paused", "scaledToZero", "failed", "updateFailed", "weird", ""]),
    st.lists(st.sampled_from(["gpu", "benchmark"]), max_size=2).map(tuple),
    maybe_offset, maybe_offset, st.sampled_from(list(UptimeSource)),
    st.one_of(st.none(), st.floats(min_value=0, max_value=500)),
    st.tuples(*(st.one_of(st.none(), st.integers(0, 8)) for _ in range(4))),
    st.one_of(st.none(), st.text(max_size=10)),
    instants,
)


@QUICK
@given(valid_policies, snapshots)
def test_evaluate_never_raises_and_is_consistent(policy_data, snap_and_now):
    snapshot, now = snap_and_now
    policy = parse_policy(yaml.safe_dump(policy_data, sort_keys=False), "gen.yaml")
    result = evaluate(policy, snapshot, now)
    assert result.reason and "\n" not in result.reason
    assert 0 <= result.rule.index <= len(policy.rules)
    if snapshot.unmeasurable or not snapshot.billable:
        # Never pause or scale what cannot be measured or is not billing.
        assert result.decision not in (Decision.PAUSE, Decision.SCALE_TO_ZERO)
    if result.decision in (Decision.PAUSE, Decision.SCALE_TO_ZERO):
        assert result.violations


@QUICK
@given(st.sampled_from(["mon-fri", "fri-mon", "sat", "sun-thu"]), st.sampled_from(["08:00-19:00", "22:00-06:00",
                                                                                     "00:00-24:00", "02:30-03:30"]),
       st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC"]), instants)
def test_window_end_is_after_now_and_outside_the_schedule(days, hours, zone, now):
    schedule = parse_schedule(days, hours, zone)
    end = schedule.window_end(now)
    if end is None:
        return
    assert schedule.is_active(now) and end > now
    assert not schedule.is_active(end)
