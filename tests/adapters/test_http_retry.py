"""Bounded retries: which answers are retried, how long we wait, and that attempts and time stay bounded."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchdog.adapters.http_retry import RetryPolicy, call_with_retries, retry_delay
from watchdog.adapters.log_redaction import redacted_logs
from watchdog.core.redact import redact

POLICY = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=30.0, deadline_seconds=60.0)


def half() -> float:
    return 0.5


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422, 200])
def test_final_statuses_are_not_retried(status: int) -> None:
    assert retry_delay(status, {}, 1, POLICY, half) is None


@pytest.mark.parametrize("status", [None, 408, 429, 500, 502, 503, 504])
def test_transient_statuses_back_off_exponentially_with_full_jitter(status: int | None) -> None:
    # rng 0.5 is half of the ceiling base * 2**(attempt-1)
    assert [retry_delay(status, {}, a, POLICY, half) for a in (1, 2, 3)] == [0.25, 0.5, 1.0]
    assert retry_delay(status, {}, 1, POLICY, lambda: 0.0) == 0.0


def test_backoff_is_capped_at_max_delay() -> None:
    policy = RetryPolicy(max_attempts=20, base_delay=1.0, max_delay=5.0)
    assert retry_delay(503, {}, 10, policy, lambda: 1.0) == 5.0


def test_no_retry_once_attempts_are_used_up() -> None:
    assert retry_delay(503, {}, 4, POLICY, half) is None


def test_retry_after_seconds_is_honoured_case_insensitively() -> None:
    assert retry_delay(429, {"Retry-After": "7"}, 1, POLICY, half) == 7.0
    assert retry_delay(503, {"retry-after": "0"}, 1, POLICY, half) == 0.0


def test_hub_ratelimit_header_gives_the_wait() -> None:
    assert retry_delay(429, {"RateLimit": '"api";r=0;t=12'}, 1, POLICY, half) == 12.0


def test_a_server_wait_longer_than_max_delay_means_give_up() -> None:
    # Retrying earlier would only earn another 429; a cron job should report rather than hang.
    assert retry_delay(429, {"Retry-After": "3600"}, 1, POLICY, half) is None


def test_http_date_retry_after_falls_back_to_backoff() -> None:
    assert retry_delay(429, {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, 1, POLICY, half) == 0.25


@given(
    status=st.one_of(st.none(), st.integers(100, 599)),
    attempt=st.integers(1, 10),
    retry_after=st.one_of(st.none(), st.integers(0, 10_000).map(str), st.text(max_size=8)),
    jitter=st.floats(0.0, 1.0),
)
def test_delay_is_never_negative_nor_above_max_delay(status, attempt, retry_after, jitter) -> None:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    delay = retry_delay(status, headers, attempt, POLICY, lambda: jitter)
    assert delay is None or 0.0 <= delay <= POLICY.max_delay


class Clock:
    """A fake monotonic clock that sleeping advances."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def classify_status(outcome: object):
    if isinstance(outcome, Exception):
        return (None, {})
    status, headers = outcome  # type: ignore[misc]
    return None if status == 200 else (status, headers)


def test_call_with_retries_returns_the_first_success() -> None:
    answers = iter([(429, {"Retry-After": "2"}), (503, {}), (200, {})])
    clock = Clock()
    result = call_with_retries(lambda: next(answers), classify=classify_status, policy=POLICY,
                               sleep=clock.sleep, monotonic=clock.monotonic, rng=half)
    assert result == (200, {})
    assert clock.sleeps == [2.0, 0.5]


def test_call_with_retries_stops_after_max_attempts_and_returns_the_last_answer() -> None:
    calls: list[int] = []

    def always_503():
        calls.append(1)
        return (503, {})

    clock = Clock()
    result = call_with_retries(always_503, classify=classify_status, policy=POLICY, sleep=clock.sleep,
                               monotonic=clock.monotonic, rng=half)
    assert result == (503, {})
    assert len(calls) == POLICY.max_attempts
    assert len(clock.sleeps) == POLICY.max_attempts - 1


def test_call_with_retries_never_sleeps_past_the_deadline() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=30.0, deadline_seconds=45.0)
    clock = Clock()
    calls: list[int] = []

    def slow_429():
        calls.append(1)
        clock.now += 5  # each call itself takes time
        return (429, {"Retry-After": "20"})

    call_with_retries(slow_429, classify=classify_status, policy=policy, sleep=clock.sleep,
                      monotonic=clock.monotonic, rng=half)
    # t=5: sleep 20 -> t=25; call -> t=30; a second sleep would end at 50 > 45: stop.
    assert clock.sleeps == [20.0]
    assert len(calls) == 2
    assert clock.now == 30


def test_transport_errors_are_retried_then_reraised() -> None:
    clock = Clock()
    calls: list[int] = []

    def broken():
        calls.append(1)
        raise ConnectionError("refused")

    with pytest.raises(ConnectionError):
        call_with_retries(broken, classify=classify_status, policy=POLICY, sleep=clock.sleep,
                          monotonic=clock.monotonic, rng=half)
    assert len(calls) == POLICY.max_attempts


def test_exceptions_classified_final_are_raised_at_once() -> None:
    calls: list[int] = []

    def bad():
        calls.append(1)
        raise ValueError("bug")

    with pytest.raises(ValueError):
        call_with_retries(bad, classify=lambda o: None, policy=POLICY, sleep=lambda s: None)
    assert calls == [1]


def test_redact_replaces_every_secret_longest_first() -> None:
    url = "https://hooks.slack.com/services/T0/B0/SECRETxyz"
    text = f"POST {url} failed; path SECRETxyz"
    assert redact(text, [url, "SECRETxyz", None, ""]) == "POST *** failed; path ***"


def test_redacted_logs_scrub_httpx_records(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with redacted_logs(["SENTINEL-url"]):
        logging.getLogger("httpx").info('HTTP Request: POST %s "HTTP/1.1 200 OK"', "http://h/SENTINEL-url")
    logging.getLogger("httpx").info("after: %s", "SENTINEL-url")  # filter removed again
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == 'HTTP Request: POST http://h/*** "HTTP/1.1 200 OK"'
    assert messages[1] == "after: SENTINEL-url"
