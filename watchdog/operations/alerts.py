"""Deliver one run's alerts: choose channels, send news once per channel, write the step summary, remember."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx

from watchdog.adapters.environment import Settings
from watchdog.adapters.github_issues import DashboardSync, GitHubError, GitHubIssues, sync_dashboard
from watchdog.adapters.slack_webhook import SlackError, post_webhook
from watchdog.core.announcements import channel_memory, news, normalized_memory, remember, with_channel
from watchdog.core.events import Event, current_events, sort_key
from watchdog.core.idle_coverage import idle_coverage
from watchdog.core.model import AlertChannel, AlertResult, AlertStatus, Report
from watchdog.core.redact import scrub
from watchdog.core.render.issue import DASHBOARD_TITLE, dashboard_body, news_comment
from watchdog.core.render.markdown import render_step_summary
from watchdog.core.render.slack import build_slack_payload

log = logging.getLogger(__name__)

SLACK = AlertChannel.SLACK
GITHUB = AlertChannel.GITHUB
STEP_SUMMARY = AlertChannel.STEP_SUMMARY


@dataclass(frozen=True)
class AlertDelivery:
    """What `deliver_alerts` did: per-channel results, the new alert memory, the rendered payloads, the news."""

    results: tuple[AlertResult, ...]
    memory: dict  # the new state["alerts"]
    rendered: str  # the exact payloads (sent, or that would be sent in a dry run); never a secret
    events: tuple[Event, ...]  # what was news on at least one channel


@dataclass(frozen=True)
class _Channel:
    name: AlertChannel
    active: bool  # configured and enabled: would send
    result: AlertResult | None  # set when the channel is not active (skipped / misconfigured)

    def dry_run(self, would: str) -> AlertResult:
        """A dry run's line for this channel: what a real run would send, and why it would not when inactive."""
        why = "" if self.active or self.result is None else self.result.error or self.result.detail
        note = f"; not sent in a real run ({why})" if why else ""
        return AlertResult(self.name, AlertStatus.DRY_RUN, detail=would + note)


def _channel(name: AlertChannel, enabled: bool | None, missing: list[str], setting: str) -> _Channel:
    if enabled is False:
        return _Channel(name, False, AlertResult(name, AlertStatus.SKIPPED,
                                                 detail=f"disabled in policies.yaml ({setting}: false)"))
    if missing:
        need = " and ".join(missing)
        if enabled is True:
            return _Channel(name, False, AlertResult(name, AlertStatus.FAILED,
                                                     error=f"{setting} is true but {need} not set"))
        return _Channel(name, False, AlertResult(name, AlertStatus.SKIPPED, detail=f"not configured: {need} not set"))
    return _Channel(name, True, None)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def deliver_alerts(
    report: Report,
    memory: Mapping | None,
    *,
    now: datetime,
    dry_run: bool,
    settings: Settings,
    slack_enabled: bool | None,
    github_enabled: bool | None,
    redact: Callable[[str], str],
    sleep: Callable[[float], None] = time.sleep,
    http_client: httpx.Client | None = None,
) -> AlertDelivery:
    """Send this run's news to each enabled channel (GitHub first, so Slack can link the issue).

    A failing channel does not stop the others and keeps its news for the next run. In a dry run
    nothing is sent, every channel is rendered into `rendered`, and the memory is returned unchanged.

    `redact` is the CLI's scrubber (every secret the run knows, the HF token included: an API may echo it in an
    error). Everything sent or written here is made from the report and memory scrubbed by it, and passes it again.
    """
    webhook = settings.slack_webhook_url
    token = settings.github_token
    repository = settings.github_repository
    api_url = settings.github_api_url
    # Scrubbed before rendering: escaping (`https\\://`) or truncation could hide a secret from a scrub of the text.
    report = scrub(report, redact)
    memory = scrub(memory, redact)
    link = settings.run_url
    current = current_events(report, now)
    new_memory = normalized_memory(memory)
    results: list[AlertResult] = []
    rendered: list[str] = []
    all_news: dict[str, Event] = {}

    github = _channel(GITHUB, github_enabled,
                      [k for k, v in (("GITHUB_TOKEN", token), ("GITHUB_REPOSITORY", repository)) if not v],
                      "notify.github_issue")
    slack = _channel(SLACK, slack_enabled, ["SLACK_WEBHOOK_URL"] if not webhook else [], "notify.slack")

    # --- GitHub dashboard issue ---
    issue_url = None
    remembered = channel_memory(memory, GITHUB)
    gh_news = news(remembered, current, report)
    if github.active or dry_run:
        all_news.update((e.key, e) for e in gh_news)
        body = redact(dashboard_body(report, now=now))
        comment = redact(news_comment(gh_news, now=now, run_url=link)) if gh_news else None
        target = repository or "(GITHUB_REPOSITORY not set)"
        rendered.append(f"=== GitHub dashboard issue in {target}: {DASHBOARD_TITLE!r} ===\n--- body ---\n{body}"
                        + (f"--- new comment ---\n{comment}" if comment else "--- no comment: nothing new ---\n"))
    if dry_run:
        results.append(github.dry_run(f"would comment with {_plural(len(gh_news), 'new event')}" if gh_news
                                      else "nothing new: would only refresh the body"))
    elif not github.active:
        results.append(github.result)  # type: ignore[arg-type]
    else:
        try:
            with GitHubIssues(token=token, repository=repository, api_url=api_url, client=http_client,
                              sleep=sleep) as gh:
                sync = sync_dashboard(gh, title=DASHBOARD_TITLE, body=body, comment=comment)
            issue_url = sync.url
            results.append(_github_result(sync, len(gh_news)))
            new_memory = with_channel(new_memory, GITHUB,
                                      remember(remembered, current, report, delivered=True, now=now))
        except Exception as exc:
            results.append(_failure(GITHUB, exc, redact))
            new_memory = with_channel(new_memory, GITHUB,
                                      remember(remembered, current, report, delivered=False, now=now,
                                               undelivered=gh_news))

    # --- Slack digest ---
    remembered = channel_memory(memory, SLACK)
    slack_news = news(remembered, current, report)
    payload = scrub(build_slack_payload(slack_news, now=now, dry_run=dry_run, run_url=link, issue_url=issue_url,
                                        saved_this_month=report.ledger.month.saved if report.ledger else None,
                                        idle_coverage=idle_coverage(r.endpoint for r in report.endpoints)), redact)
    if slack.active or dry_run:
        all_news.update((e.key, e) for e in slack_news)
        shown = json.dumps(payload, indent=2, ensure_ascii=False) if slack_news else "(nothing new: no message)"
        rendered.append(f"=== Slack webhook payload ===\n{shown}\n")
    if dry_run:
        results.append(slack.dry_run(f"would send 1 message with {_plural(len(slack_news), 'new event')}"
                                     if slack_news else "nothing new: would send nothing"))
    elif not slack.active:
        results.append(slack.result)  # type: ignore[arg-type]
    elif not slack_news:
        results.append(AlertResult(SLACK, AlertStatus.SKIPPED, detail="nothing new since the last message"))
        new_memory = with_channel(new_memory, SLACK, remember(remembered, current, report, delivered=True, now=now))
    else:
        try:
            delivery = post_webhook(webhook, payload, client=http_client, sleep=sleep)
            results.append(AlertResult(SLACK, AlertStatus.SENT,
                                       detail=f"1 message, {_plural(len(slack_news), 'new event')}"
                                       f" ({_plural(delivery.attempts, 'attempt')})"))
            new_memory = with_channel(new_memory, SLACK, remember(remembered, current, report, delivered=True, now=now))
        except Exception as exc:
            results.append(_failure(SLACK, exc, redact))
            new_memory = with_channel(new_memory, SLACK, remember(remembered, current, report, delivered=False, now=now,
                                                                   undelivered=slack_news))

    events = tuple(sorted(all_news.values(), key=sort_key))
    if not (github.active or slack.active or dry_run):
        # No channel keeps a memory of what was said, so "new" means nothing: the summary lists what this run saw
        # (it once said "Nothing new: no alert sent" under a run that paused five endpoints).
        events = tuple(sorted(current, key=sort_key))
    text = redact("\n".join(rendered))

    # --- Step summary: always when GitHub provides one, quiet runs included ---
    summary_path = settings.step_summary_path
    if summary_path:
        appendix = (f"<details><summary>Alerts rendered by this dry run</summary>\n\n```text\n{text}\n```\n</details>"
                    if dry_run else "")
        summary = redact(render_step_summary(report, events, now=now, run_url=link, appendix=appendix))
        try:
            with open(summary_path, "a", encoding="utf-8") as handle:
                handle.write(summary)
            results.append(AlertResult(STEP_SUMMARY, AlertStatus.SENT,
                                       detail=f"{len(summary.encode('utf-8'))} bytes appended"))
        except OSError as exc:
            results.append(AlertResult(STEP_SUMMARY, AlertStatus.FAILED,
                                       error=f"could not append to GITHUB_STEP_SUMMARY ({exc.strerror})"))
    else:
        results.append(AlertResult(STEP_SUMMARY, AlertStatus.SKIPPED,
                                   detail="not configured: GITHUB_STEP_SUMMARY not set"))

    final_memory = dict(memory) if dry_run and isinstance(memory, Mapping) else ({} if dry_run else new_memory)
    return AlertDelivery(results=tuple(results), memory=final_memory, rendered=text, events=events)


def _github_result(sync: DashboardSync, news_count: int) -> AlertResult:
    if sync.skipped:
        return AlertResult(GITHUB, AlertStatus.SKIPPED, detail=f"nothing new ({sync.skipped})")
    done = []
    if sync.created:
        done.append(f"created issue #{sync.number}")
    elif sync.body_updated:
        done.append(f"refreshed issue #{sync.number}")
    else:
        done.append(f"issue #{sync.number} unchanged")
    if sync.commented:
        done.append(f"commented with {_plural(news_count, 'new event')}")
    if sync.closed_duplicates:
        done.append("closed duplicates " + ", ".join(f"#{n}" for n in sync.closed_duplicates))
    if not sync.commented:
        return AlertResult(GITHUB, AlertStatus.SKIPPED, detail="nothing new; " + "; ".join(done))
    return AlertResult(GITHUB, AlertStatus.SENT, detail="; ".join(done))


def _failure(channel: AlertChannel, exc: Exception, redact: Callable[[str], str]) -> AlertResult:
    message = str(exc) if isinstance(exc, (SlackError, GitHubError)) else f"unexpected {type(exc).__name__}: {exc}"
    message = redact(message)
    log.warning("%s alert failed: %s", channel, message)
    return AlertResult(channel, AlertStatus.FAILED, error=message)
