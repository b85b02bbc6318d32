"""The fake Slack webhook's command line: it prints the URL to export, then every message it accepts."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx

from watchdog.fakes.slack import FakeSlack


def test_each_accepted_message_reaches_on_message_and_a_refused_one_does_not():
    seen: list[dict] = []
    with FakeSlack(on_message=seen.append) as fake:
        assert httpx.post(fake.url, json={"text": "hello"}, timeout=5).status_code == 200
        assert httpx.post(fake.url, json={"blocks": "not a list"}, timeout=5).status_code == 400
    assert seen == [{"text": "hello"}] == fake.messages


def test_the_command_line_prints_the_webhook_url_and_each_message():
    proc = subprocess.Popen([sys.executable, "-m", "watchdog.fakes.slack"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("Fake Slack webhook listening: SLACK_WEBHOOK_URL=http://127.0.0.1:")
        url = first.strip().split("SLACK_WEBHOOK_URL=", 1)[1]
        assert httpx.post(url, json={"text": "paused *x*"}, timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    printed, _, tail = out.rpartition("}")
    assert json.loads(printed + "}") == {"text": "paused *x*"}
    assert tail.strip() == "1 message(s) received"
