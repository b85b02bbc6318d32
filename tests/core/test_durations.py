"""Durations as people write and read them, and comparisons whose rounding never contradicts the verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from watchdog.core.durations import (
    DurationError,
    format_comparison,
    format_duration,
    format_duration_exact,
    format_time_left,
    parse_duration,
)
from watchdog.core.evaluate import evaluate
from watchdog.core.model import EndpointSnapshot, IdleSource, UptimeSource
from watchdog.core.policy import parse_policy


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("4h", 14400), ("1d", 86400), ("1h30m", 5400),
                                               ("40h", 144000), ("90s", 90)])
def test_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0m", "30m1h", "1h1h", "eight", "-1h"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_exact_form_keeps_every_unit_between_the_first_and_last() -> None:
    assert [format_duration_exact(s) for s in (3630, 3600, 86405, 45, 0)] == ["1h0m30s", "1h", "1d0h0m5s", "45s", "0s"]


@pytest.mark.parametrize(("value", "limit", "written", "expected"), [
    (3630, 3600, None, ("1h0m30s", "1h")),  # would read `1h > 1h`
    (3600, 3600, None, ("1h", "1h")),  # equal: nothing to disambiguate
    (7240, 7230, None, ("2h0m40s", "2h0m30s")),  # both round to 2h
    (9000, 3600, None, ("2h30m", "1h")),  # plainly different: the short form
    (144060, 144000, "40h", ("1d16h1m", "40h")),  # the limit as the policy writes it
])
def test_comparison_text_reads_true(value: int, limit: int, written: str | None, expected: tuple[str, str]) -> None:
    assert format_comparison(value, limit, written) == expected


def test_time_left_never_says_in_0s() -> None:
    assert [format_time_left(s) for s in (0, 0.4, 30, 4800)] == ["now", "now", "in 30s", "in 1h20m"]
    assert format_duration(0) == "0s"


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
POLICY = parse_policy("version: 1\ndefaults: {max_idle: 1h, max_uptime: 40h, warn_before: 1h}\n", "p.yaml")


def _running(up: timedelta, idle: timedelta) -> EndpointSnapshot:
    return EndpointSnapshot("ns", "e", "running", running_since=NOW - up, running_since_source=UptimeSource.REPLICA,
                            last_activity=NOW - idle, last_activity_source=IdleSource.LAST_USED_AT)


def test_a_limit_just_passed_says_so_with_the_seconds() -> None:
    verdict = evaluate(POLICY, _running(timedelta(hours=3), timedelta(hours=1, seconds=30)), NOW)
    assert verdict.reason == "idle 1h0m30s > max_idle 1h (defaults)"


def test_a_limit_exactly_reached_is_not_in_0s() -> None:
    verdict = evaluate(POLICY, _running(timedelta(hours=3), timedelta(hours=1)), NOW)
    assert verdict.reason == "within limits (nearest: max_idle 1h reached now, not exceeded)"
    assert [w.reason for w in verdict.warnings] == ["idle 1h, max_idle 1h reached now (defaults)"]


def test_limits_show_as_the_policy_writes_them() -> None:
    verdict = evaluate(POLICY, _running(timedelta(hours=41), timedelta(minutes=5)), NOW)
    assert verdict.reason == "running 1d17h > max_uptime 40h (defaults)"
