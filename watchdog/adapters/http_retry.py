"""Bounded HTTP retries (Retry-After / RateLimit aware, jittered backoff) and secret redaction for errors and logs."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# Statuses worth a second try: the server said "later" (408, 429) or failed on its side (5xx).
RETRYABLE_STATUSES = frozenset({408, 429})
# IETF RateLimit header as the Hub sends it: `"api";r=0;t=42` (r = remaining, t = seconds to reset).
_RATELIMIT_T = re.compile(r"(?:^|;)\s*t\s*=\s*(\d+(?:\.\d+)?)")

Classification = tuple[int | None, Mapping[str, str]] | None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts in all, backoff base and cap, and a total time budget per call."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    # Never start a sleep that would end past this many seconds after the first attempt.
    deadline_seconds: float = 60.0


def is_retryable_status(status: int | None) -> bool:
    """True for transport errors (None), 408, 429 and every 5xx."""
    return status is None or status in RETRYABLE_STATUSES or 500 <= status <= 599


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


def server_wait_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait the server asked for: `Retry-After` seconds, else the RateLimit `t=` value; None if neither."""
    lowered = _lower(headers)
    retry_after = lowered.get("retry-after", "").strip()
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            # An HTTP-date: comparing it needs a wall clock, which this pure function does not take;
            # fall back to backoff rather than guess.
            pass
    match = _RATELIMIT_T.search(lowered.get("ratelimit", ""))
    if match:
        return max(0.0, float(match.group(1)))
    return None


def retry_delay(
    status: int | None,
    headers: Mapping[str, str],
    attempt: int,
    policy: RetryPolicy,
    rng: Callable[[], float],
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None to stop (final status, attempts used up, or a wait too
    long).

    `attempt` counts the attempts already made (1 after the first). A server-requested wait is honoured
    as given (retrying sooner only earns another 429); when it exceeds `policy.max_delay` we give up
    instead, because a cron job should report the failure rather than hang. Otherwise: exponential
    backoff with full jitter, `rng() * min(max_delay, base_delay * 2 ** (attempt - 1))`.
    """
    if attempt >= policy.max_attempts or not is_retryable_status(status):
        return None
    requested = server_wait_seconds(headers)
    if requested is not None:
        return requested if requested <= policy.max_delay else None
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return float(rng() * ceiling)


def call_with_retries(
    fn: Callable[[], T],
    *,
    classify: Callable[[object], Classification],
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    rng: Callable[[], float] = random.random,
) -> T:
    """Call `fn` until `classify` accepts its result, attempts run out or the deadline would be passed.

    `classify(result_or_exception)` returns None when the outcome is final (success, or a failure not
    worth retrying) and `(status, headers)` otherwise (`status` None for transport errors). The last
    outcome is returned, or re-raised when it was an exception; only `Exception` is caught.
    """
    started = monotonic()
    attempt = 0
    while True:
        attempt += 1
        outcome: object
        try:
            outcome = fn()
        except Exception as exc:
            outcome = exc
        verdict = classify(outcome)
        delay = None if verdict is None else retry_delay(verdict[0], verdict[1], attempt, policy, rng)
        if delay is not None and monotonic() - started + delay > policy.deadline_seconds:
            delay = None
        if delay is None:
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome  # not an exception: what fn returned (mypy narrows it to T)
        sleep(delay)
