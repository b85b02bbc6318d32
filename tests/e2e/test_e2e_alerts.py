"""Alerts end to end: the CLI in-process + fake Endpoints API + fake Slack + fake GitHub, over several nights."""

from __future__ import annotations

import json

import pytest

from tests.e2e_support import GITHUB_TOKEN, NOW_ISO, cli_env, run_cli

pytestmark = pytest.mark.e2e


def night(api, workdir, slack, github, name):
    extra = {"SLACK_WEBHOOK_URL": slack.url, "GITHUB_TOKEN": GITHUB_TOKEN, "GITHUB_REPOSITORY": "acme/ml-ops",
             "GITHUB_API_URL": github.url, "GITHUB_STEP_SUMMARY": str(workdir / "summary.md")}
    result = run_cli(["run", "--now", NOW_ISO, "--state", str(workdir / "state.json"),
                      "--report", str(workdir / f"{name}.json")], cli_env(api.base_url, extra), cwd=workdir)
    return result, json.loads((workdir / f"{name}.json").read_text())


def slack_text(message: dict) -> str:
    return json.dumps(message)


def test_three_nights_news_once_quiet_night_then_only_the_new_violation(api, workdir, slack, github):
    first, report1 = night(api, workdir, slack, github, "night1")
    assert first.code == 0, first.stdout + first.stderr
    assert api.state_of("acme-ml", "forgotten-a100") == "paused"
    assert len(slack.messages) == 1
    assert "acme-ml/forgotten-a100" in slack_text(slack.messages[0])
    issues = [i for i in github.issues.values() if i["state"] == "open"]
    assert len(issues) == 1 and "endpoint-watchdog" in json.dumps(issues[0]["labels"])
    assert len(github.comments_on(issues[0]["number"])) == 1
    assert {a["channel"]: a["status"] for a in report1["alerts"]}["slack"] == "sent"

    second, _ = night(api, workdir, slack, github, "night2")
    assert second.code == 0, second.stdout
    assert len(slack.messages) == 1  # nothing new: no message
    assert len(github.comments_on(issues[0]["number"])) == 1  # and no comment
    assert len([i for i in github.issues.values() if i["state"] == "open"]) == 1  # still one dashboard
    body = github.issues[issues[0]["number"]]["body"]
    assert "acme-ml/prod-chat" in body and "acme-ml/forgotten-a100" not in body  # billable ones only, refreshed
    assert (workdir / "summary.md").read_text().count("acme-ml/busy") >= 2  # the summary is written every night

    api.add_endpoint("acme-ml", {"name": "late-night-a100", "instance": "aws-us-east-1-nvidia-a100-x1",
                                 "repository": "org/llm", "running_for": "30h", "last_used_ago": "5m"})
    third, _ = night(api, workdir, slack, github, "night3")
    assert third.code == 0, third.stdout
    assert len(slack.messages) == 2
    latest = slack_text(slack.messages[-1])
    assert "late-night-a100" in latest
    assert "forgotten-a100" not in latest.replace("late-night-a100", "")  # only the new one
    assert len(github.comments_on(issues[0]["number"])) == 2


def test_slack_429_then_200_is_delivered_once(api, workdir, slack, github):
    slack.script(429, "rate_limited", {"Retry-After": "1"})
    result, report = night(api, workdir, slack, github, "r")
    assert result.code == 0, result.stdout
    assert len(slack.messages) == 1 and len(slack.requests) == 2
    assert {a["channel"]: a["status"] for a in report["alerts"]}["slack"] == "sent"


def test_slack_500_and_github_410_fail_the_run_but_the_pauses_stand(api, workdir, slack, github):
    slack.script(500, "rollup_error")
    github.issues_enabled = False
    result, report = night(api, workdir, slack, github, "r")
    assert result.code == 1
    assert api.state_of("acme-ml", "forgotten-a100") == "paused"
    alerts = {a["channel"]: a for a in report["alerts"]}
    assert alerts["slack"]["status"] == "failed" and "rollup_error" in alerts["slack"]["error"]
    assert alerts["github"]["status"] == "failed" and "disabled" in alerts["github"]["error"].lower()
    assert any(e["outcome"] == "paused" for e in report["endpoints"])
    # Slack was not told: the news is still news for Slack next night.
    night(api, workdir, slack, github, "r2")
    assert len(slack.messages) == 1 and "forgotten-a100" in slack_text(slack.messages[0])
