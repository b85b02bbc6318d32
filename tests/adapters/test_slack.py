"""Slack webhook delivery against the loopback fake: 429 honoured once, errors carry Slack's string, URL never leaks."""

from __future__ import annotations

import logging

import httpx
import pytest

from watchdog.adapters.slack_webhook import SlackError, post_webhook
from watchdog.fakes.slack import FakeSlack

PAYLOAD = {"text": "Endpoint watchdog: 1 paused", "blocks": [
    {"type": "header", "text": {"type": "plain_text", "text": "Endpoint watchdog: 1 paused"}}]}
SENTINEL_PATH = "/services/T000/B000/SENTINELxyz"


@pytest.fixture
def fake():
    with FakeSlack(path=SENTINEL_PATH) as server:
        yield server


def no_sleep(seconds: float) -> None:
    no_sleep.calls.append(seconds)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _reset_sleep() -> None:
    no_sleep.calls = []  # type: ignore[attr-defined]


def test_delivers_one_message(fake: FakeSlack) -> None:
    delivery = post_webhook(fake.url, PAYLOAD, sleep=no_sleep)
    assert delivery.attempts == 1
    assert fake.messages == [PAYLOAD]
    assert fake.requests[0].headers["User-Agent"].startswith("hf-endpoint-watchdog/")


def test_429_then_200_is_delivered_once_after_retry_after(fake: FakeSlack) -> None:
    fake.script(429, "rate_limited", {"Retry-After": "3"})
    delivery = post_webhook(fake.url, PAYLOAD, sleep=no_sleep)
    assert delivery.attempts == 2
    assert len(fake.requests) == 2
    assert fake.messages == [PAYLOAD]
    assert no_sleep.calls == [3.0]  # type: ignore[attr-defined]


def test_persistent_429_gives_up_after_the_bounded_attempts(fake: FakeSlack) -> None:
    for _ in range(5):
        fake.script(429, "rate_limited", {"Retry-After": "1"})
    with pytest.raises(SlackError) as info:
        post_webhook(fake.url, PAYLOAD, sleep=no_sleep)
    assert len(fake.requests) == 3
    assert info.value.status == 429
    assert fake.messages == []


@pytest.mark.parametrize(("status", "error"), [(500, "rollup_error"), (410, "channel_is_archived"),
                                               (404, "no_service"), (403, "action_prohibited")])
def test_non_200_fails_with_slacks_error_string_and_is_not_retried(fake: FakeSlack, status: int, error: str) -> None:
    # Retrying a 500 could post the message twice: webhooks are not idempotent.
    fake.script(status, error)
    with pytest.raises(SlackError) as info:
        post_webhook(fake.url, PAYLOAD, sleep=no_sleep)
    assert info.value.slack_error == error
    assert str(info.value) == f"Slack webhook answered HTTP {status}: {error}"
    assert len(fake.requests) == 1


def test_a_payload_slack_would_refuse_is_reported(fake: FakeSlack) -> None:
    with pytest.raises(SlackError, match="HTTP 400: no_text"):
        post_webhook(fake.url, {"blocks": []}, sleep=no_sleep)


def test_unreachable_webhook_fails_without_the_url(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeSlack(path=SENTINEL_PATH) as gone:
        url = gone.url  # the port is closed once the fake stops
    with pytest.raises(SlackError) as info:
        post_webhook(url, PAYLOAD, sleep=no_sleep)
    message = str(info.value)
    assert message.startswith("could not reach the Slack webhook (ConnectError)")
    assert "SENTINEL" not in message and "127.0.0.1" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert "SENTINEL" not in caplog.text


def test_httpx_request_logs_never_show_the_webhook_url(fake: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    post_webhook(fake.url, PAYLOAD, sleep=no_sleep)
    assert any("HTTP Request: POST" in r.getMessage() for r in caplog.records)
    assert "SENTINEL" not in caplog.text


def test_a_url_that_is_not_http_is_refused_without_echoing_it() -> None:
    with pytest.raises(SlackError) as info:
        post_webhook("hooks.slack.com/services/T0/B0/SENTINELxyz", PAYLOAD)
    assert "SENTINEL" not in str(info.value)


def test_an_injected_client_is_used(fake: FakeSlack) -> None:
    with httpx.Client(timeout=5) as client:
        post_webhook(fake.url, PAYLOAD, client=client, sleep=no_sleep)
    assert len(fake.messages) == 1
