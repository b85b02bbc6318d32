"""Post a payload to a Slack incoming webhook: honours 429 Retry-After, never leaks the webhook URL."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from watchdog import __version__
from watchdog.adapters.http_retry import RetryPolicy, call_with_retries
from watchdog.adapters.log_redaction import redacted_logs
from watchdog.core.redact import redact

# A webhook post is not idempotent: a 500 or a read timeout may hide a delivered message, and retrying
# would post it twice. Only "not accepted" answers are retried: 429, and failures to connect at all.
SLACK_RETRY = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=30.0, deadline_seconds=60.0)


class SlackError(Exception):
    """A failed delivery. The message is safe to show: it never contains the webhook URL."""

    def __init__(self, message: str, *, status: int | None = None, slack_error: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.slack_error = slack_error


@dataclass(frozen=True)
class SlackDelivery:
    """A successful post and how many attempts it took."""

    attempts: int


def _classify(outcome: object) -> tuple[int | None, dict[str, str]] | None:
    if isinstance(outcome, httpx.Response):
        return (429, dict(outcome.headers)) if outcome.status_code == 429 else None
    if isinstance(outcome, (httpx.ConnectError, httpx.ConnectTimeout)):
        return (None, {})
    return None


def post_webhook(
    url: str,
    payload: dict,
    *,
    client: httpx.Client | None = None,
    timeout: float = 10.0,
    policy: RetryPolicy = SLACK_RETRY,
    sleep: Callable[[float], None] = time.sleep,
) -> SlackDelivery:
    """POST `payload` to the webhook; raise SlackError (with Slack's error string) on anything but HTTP 200."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # Saying which part is wrong without echoing the value.
        raise SlackError("SLACK_WEBHOOK_URL is not an http(s) URL")
    # The path holds the webhook's secret part; short paths are skipped so redaction cannot eat every "/".
    secrets = (url, parts.path if len(parts.path) > 8 else None, parts.query or None)
    attempts = 0

    def attempt(http: httpx.Client) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        return http.post(url, json=payload, headers={"User-Agent": f"hf-endpoint-watchdog/{__version__}"})

    try:
        with redacted_logs(secrets):
            if client is not None:
                response = call_with_retries(lambda: attempt(client), classify=_classify, policy=policy, sleep=sleep)
            else:
                with httpx.Client(timeout=timeout, follow_redirects=False) as http:
                    response = call_with_retries(lambda: attempt(http), classify=_classify, policy=policy, sleep=sleep)
    except httpx.HTTPError as exc:
        # httpx messages can carry the URL; keep only the kind of failure. `from None` keeps the original
        # (URL-bearing) exception out of tracebacks.
        raise SlackError(f"could not reach the Slack webhook ({type(exc).__name__}) "
                         f"after {attempts} attempt(s)") from None
    if response.status_code == 200:
        return SlackDelivery(attempts=attempts)
    slack_error = redact(response.text.strip()[:200], secrets) or "no error string"
    hint = " (rate limited; gave up after honouring Retry-After)" if response.status_code == 429 else ""
    raise SlackError(f"Slack webhook answered HTTP {response.status_code}: {slack_error}{hint}",
                     status=response.status_code, slack_error=slack_error)
