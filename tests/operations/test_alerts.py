"""deliver_alerts end to end on loopback: three nights of news, channel choice, failures isolated, no secret leaks."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from tests.alerts_support import NOW, endpoint_result, kept, make_report, sample_report
from watchdog.adapters.environment import Settings
from watchdog.core.model import Decision, Outcome
from watchdog.core.redact import Redactor
from watchdog.fakes.github import FakeGitHub
from watchdog.fakes.slack import FakeSlack
from watchdog.operations.alerts import deliver_alerts

REPO = "acme/ml-ops"
TOKEN = "ghs_SENTINEL0123456789abcdef"
SLACK_PATH = "/services/T000/B000/SENTINELxyz"


@pytest.fixture
def slack():
    with FakeSlack(path=SLACK_PATH) as server:
        yield server


@pytest.fixture
def github():
    with FakeGitHub(REPO) as server:
        yield server


def env_for(slack: FakeSlack | None, github: FakeGitHub | None, **extra: str) -> dict[str, str]:
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": REPO, "GITHUB_RUN_ID": "4242"}
    if slack is not None:
        env["SLACK_WEBHOOK_URL"] = slack.url
    if github is not None:
        env.update(GITHUB_TOKEN=TOKEN, GITHUB_API_URL=github.url)
    env.update(extra)
    return env


def deliver(report, memory, env, *, now=NOW, dry_run=False, slack_enabled=None, github_enabled=None):
    settings = Settings.from_env(env)
    return deliver_alerts(report, memory, now=now, dry_run=dry_run, settings=settings, slack_enabled=slack_enabled,
                          github_enabled=github_enabled, redact=Redactor(settings.secrets), sleep=lambda s: None)


def statuses(delivery) -> dict[str, str]:
    return {r.channel: r.status for r in delivery.results}


def paused_then_resting(name: str, now) -> object:
    """The night after a pause: the endpoint is paused, costs nothing, and is no news."""
    return endpoint_result(name, state="paused", decision=Decision.KEEP, outcome=Outcome.NONE, up=None, now=now)


def test_three_nights(slack: FakeSlack, github: FakeGitHub) -> None:
    env = env_for(slack, github)
    # Night 1: two endpoints paused.
    night1 = make_report(endpoint_result("mert-spike6"), endpoint_result("bench-a100"), kept("steady"))
    d1 = deliver(night1, {}, env)
    assert statuses(d1) == {"github": "sent", "slack": "sent", "step-summary": "skipped"}
    assert len(slack.messages) == 1
    names = json.dumps(slack.messages[0])
    assert "acme-ml/mert-spike6" in names and "acme-ml/bench-a100" in names
    assert len(github.issues) == 1 and len(github.comments_on(1)) == 1
    # Slack links the dashboard issue created just before it.
    assert "issues/1|Dashboard issue>" in names and "actions/runs/4242|Workflow run>" in names

    # Night 2: nothing new (the two rest paused, one still runs within limits).
    n2 = NOW + timedelta(days=1)
    night2 = make_report(paused_then_resting("mert-spike6", n2), paused_then_resting("bench-a100", n2),
                         kept("steady", now=n2, up=timedelta(hours=33)), now=n2)
    d2 = deliver(night2, d1.memory, env, now=n2)
    assert statuses(d2) == {"github": "skipped", "slack": "skipped", "step-summary": "skipped"}
    assert len(slack.messages) == 1
    assert len(github.comments_on(1)) == 1
    patches = [r for r in github.mutations() if r.method == "PATCH"]
    assert len(patches) == 1 and "steady" in patches[0].json["body"]  # body refreshed
    assert "refreshed issue #1" in next(r.detail for r in d2.results if r.channel == "github")

    # Night 3: one new violation.
    n3 = NOW + timedelta(days=2)
    night3 = make_report(paused_then_resting("mert-spike6", n3), paused_then_resting("bench-a100", n3),
                         endpoint_result("steady", now=n3, up=timedelta(hours=57)), now=n3)
    d3 = deliver(night3, d2.memory, env, now=n3)
    assert statuses(d3)["slack"] == "sent"
    assert len(slack.messages) == 2
    third = json.dumps(slack.messages[1])
    assert "acme-ml/steady" in third
    assert "mert-spike6" not in third and "bench-a100" not in third
    assert len(github.comments_on(1)) == 2
    assert "acme-ml/steady" in github.comments_on(1)[1]["body"]
    assert len(github.issues) == 1


def test_a_failed_slack_delivery_is_retried_next_run_but_github_is_not_repeated(slack, github) -> None:
    env = env_for(slack, github)
    report = make_report(endpoint_result("a"))
    slack.script(500, "rollup_error")
    first = deliver(report, {}, env)
    assert statuses(first) == {"github": "sent", "slack": "failed", "step-summary": "skipped"}
    slack_result = next(r for r in first.results if r.channel == "slack")
    assert slack_result.error == "Slack webhook answered HTTP 500: rollup_error"
    second = deliver(report, first.memory, env)
    assert statuses(second)["slack"] == "sent" and statuses(second)["github"] == "skipped"
    assert len(slack.messages) == 1 and len(github.comments_on(1)) == 1


def test_github_410_fails_clearly_and_slack_still_goes_out(slack) -> None:
    with FakeGitHub(REPO, issues_enabled=False) as github:
        delivery = deliver(make_report(endpoint_result("a")), {}, env_for(slack, github))
    gh = next(r for r in delivery.results if r.channel == "github")
    assert gh.status == "failed"
    assert "Issues are disabled for this repository" in (gh.error or "")
    assert statuses(delivery)["slack"] == "sent"


def test_slack_429_then_200_delivers_one_message(slack) -> None:
    slack.script(429, "rate_limited", {"Retry-After": "1"})
    delivery = deliver(make_report(endpoint_result("a")), {}, env_for(slack, None))
    assert statuses(delivery)["slack"] == "sent"
    assert len(slack.requests) == 2 and len(slack.messages) == 1


def test_channels_follow_the_policy_and_the_secrets() -> None:
    report = make_report(endpoint_result("a"))
    off = deliver(report, {}, {}, slack_enabled=None, github_enabled=False)
    assert {r.channel: (r.status, r.detail) for r in off.results} == {
        "github": ("skipped", "disabled in policies.yaml (notify.github_issue: false)"),
        "slack": ("skipped", "not configured: SLACK_WEBHOOK_URL not set"),
        "step-summary": ("skipped", "not configured: GITHUB_STEP_SUMMARY not set"),
    }
    demanded = deliver(report, {}, {"GITHUB_TOKEN": TOKEN}, slack_enabled=True, github_enabled=True)
    errors = {r.channel: r.error for r in demanded.results if r.status == "failed"}
    assert errors == {"github": "notify.github_issue is true but GITHUB_REPOSITORY not set",
                      "slack": "notify.slack is true but SLACK_WEBHOOK_URL not set"}


def test_a_disabled_channel_keeps_its_memory_untouched(slack) -> None:
    report = make_report(endpoint_result("a"))
    first = deliver(report, {}, env_for(slack, None))
    second = deliver(make_report(), first.memory, env_for(slack, None), slack_enabled=False)
    assert second.memory["channels"]["slack"] == first.memory["channels"]["slack"]


def test_dry_run_sends_nothing_renders_everything_and_keeps_memory(slack, github) -> None:
    memory = {"version": 1, "channels": {}}
    delivery = deliver(sample_report(dry_run=True), memory, env_for(slack, github), dry_run=True)
    assert set(statuses(delivery).values()) <= {"dry-run", "skipped"}
    assert slack.requests == [] and github.requests == []
    assert delivery.memory == memory
    assert "=== Slack webhook payload ===" in delivery.rendered
    payload = json.loads(delivery.rendered.split("=== Slack webhook payload ===\n", 1)[1])
    assert payload["blocks"][0]["text"]["text"].startswith("[dry run]")
    assert "<!-- endpoint-watchdog:dashboard -->" in delivery.rendered
    assert "--- new comment ---" in delivery.rendered


def test_dry_run_without_secrets_still_shows_what_would_be_sent() -> None:
    delivery = deliver(sample_report(dry_run=True), {}, {}, dry_run=True)
    details = {r.channel: r.detail for r in delivery.results}
    assert details["slack"].startswith("would send 1 message with 9 new events; not sent in a real run")
    assert "Slack webhook payload" in delivery.rendered


def test_step_summary_is_appended_on_quiet_runs_too(tmp_path, slack) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = env_for(slack, None, GITHUB_STEP_SUMMARY=str(summary))
    first = deliver(make_report(endpoint_result("a")), {}, env)
    quiet = deliver(make_report(endpoint_result("a")), first.memory, env)
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    assert text.count("## Endpoint watchdog") == 2
    assert "Nothing new: no alert sent." in text
    assert statuses(quiet)["step-summary"] == "sent"


def test_with_no_alert_channel_the_step_summary_lists_what_the_run_did(tmp_path) -> None:
    """No Slack, no GitHub issue: nothing remembers what was said, so "Nothing new" was false under a run that
    paused endpoints. The summary lists this run's events instead, every night."""
    summary = tmp_path / "summary.md"
    env = env_for(None, None, GITHUB_STEP_SUMMARY=str(summary))
    first = deliver(make_report(endpoint_result("a")), {}, env)
    deliver(make_report(endpoint_result("a")), first.memory, env)
    text = summary.read_text()
    assert text.count("**Paused** `acme-ml/a`") == 2 and "Nothing new" not in text


def test_run_url_needs_all_three_variables() -> None:
    assert Settings.from_env({"GITHUB_SERVER_URL": "https://github.com/", "GITHUB_REPOSITORY": "o/r",
                              "GITHUB_RUN_ID": "9"}).run_url == "https://github.com/o/r/actions/runs/9"
    assert Settings.from_env({"GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "9"}).run_url is None


def closed_loopback_url(path: str = "") -> str:
    """A loopback URL where nothing listens any more (a fake that was started, then stopped)."""
    with FakeSlack(path=SLACK_PATH) as gone:
        base = gone.url.split("/services/")[0]
    return base + path


@pytest.mark.parametrize("failure", ["slack-500", "slack-unreachable", "github-403", "github-unreachable",
                                     "unexpected"])
def test_secrets_never_leak_on_failure_paths(failure: str, tmp_path, caplog: pytest.LogCaptureFixture,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    summary = tmp_path / "summary.md"
    with FakeSlack(path=SLACK_PATH) as slack, FakeGitHub(REPO) as github:
        env = env_for(slack, github, GITHUB_STEP_SUMMARY=str(summary))
        if failure == "slack-500":
            slack.script(500, f"rollup_error for {slack.url}")  # even a server echoing the URL must not leak it
        elif failure == "slack-unreachable":
            env["SLACK_WEBHOOK_URL"] = closed_loopback_url(SLACK_PATH)
        elif failure == "github-403":
            github.script(403, {"message": f"Resource not accessible by integration (token {TOKEN})"})
        elif failure == "github-unreachable":
            env["GITHUB_API_URL"] = closed_loopback_url()
        else:
            import watchdog.operations.alerts as alerts

            def broken(*args: object, **kwargs: object) -> None:
                raise RuntimeError(f"boom with {env['SLACK_WEBHOOK_URL']} and {TOKEN}")

            monkeypatch.setattr(alerts, "post_webhook", broken)
            monkeypatch.setattr(alerts, "sync_dashboard", broken)
        delivery = deliver(sample_report(), {}, env)
        dry = deliver(sample_report(dry_run=True), {}, env, dry_run=True)

    assert "SENTINEL" in env["SLACK_WEBHOOK_URL"] and "SENTINEL" in env["GITHUB_TOKEN"]
    assert any(r.status == "failed" for r in delivery.results)
    texts = [f"{r.error} {r.detail}" for r in delivery.results + dry.results]
    texts += [delivery.rendered, dry.rendered, caplog.text, summary.read_text(), json.dumps(delivery.memory)]
    for text in texts:
        assert "SENTINEL" not in text, text
