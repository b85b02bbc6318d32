"""The Slack payload: golden message, escaping, mentions, and Slack's hard limits under a flood of news."""

from __future__ import annotations

import json
from dataclasses import replace

from tests.alerts_support import NOW, check_golden, endpoint_result, make_report, sample_report
from watchdog.core.events import current_events
from watchdog.core.render.slack import (
    MAX_BLOCKS,
    MAX_CONTEXT_ELEMENTS,
    MAX_FALLBACK_CHARS,
    MAX_HEADER_CHARS,
    MAX_SECTION_CHARS,
    MAX_TOTAL_SECTION_CHARS,
    build_slack_payload,
    escape,
    mention,
)
from watchdog.fakes.slack import check_payload

RUN_URL = "https://github.com/acme/ml-ops/actions/runs/123456"
ISSUE_URL = "https://github.com/acme/ml-ops/issues/7"


def sections(payload: dict) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


def test_golden_digest() -> None:
    payload = build_slack_payload(current_events(sample_report(), NOW), now=NOW, run_url=RUN_URL, issue_url=ISSUE_URL)
    check_golden("slack_digest.json", json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    assert check_payload(payload) is None


def test_golden_dry_run_digest() -> None:
    payload = build_slack_payload(current_events(sample_report(dry_run=True), NOW), now=NOW, dry_run=True)
    check_golden("slack_digest_dry_run.json", json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    assert payload["blocks"][0]["text"]["text"].startswith(
        "[dry run] Endpoint watchdog: 1 would pause · 1 would scale to zero · 2 failed")


def test_a_paused_endpoint_section_says_what_why_cost_owner_and_undo() -> None:
    payload = build_slack_payload(current_events(make_report(endpoint_result("mert-spike6")), NOW), now=NOW)
    assert payload["blocks"][0]["text"]["text"] == "Endpoint watchdog: 1 paused · $2.50/h saved"
    [text] = sections(payload)
    assert text.splitlines() == [
        ":double_vertical_bar: *Paused* `acme-ml/mert-spike6` · decision *pause*",
        "running 9h12m &gt; max_uptime 8h (rule 2 `mert-*`)",
        "$2.50/h · this stretch $23.00 · owner @alice",
        "Undo: `watchdog resume mert-spike6 --namespace acme-ml`",
    ]
    assert payload["text"] == "Endpoint watchdog: 1 paused · $2.50/h saved\n- Paused acme-ml/mert-spike6"


def test_mrkdwn_control_characters_are_escaped() -> None:
    assert escape("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    # A reason must not be able to inject a link or a mention.
    assert escape("<!channel>") == "&lt;!channel&gt;"


def test_owner_mentions() -> None:
    assert mention("U024BE7LH") == "<@U024BE7LH>"
    assert mention("@U024BE7LH") == "<@U024BE7LH>"
    assert mention("<@W123ABCDE>") == "<@W123ABCDE>"
    assert mention("@alice") == "@alice"
    # A Slack mention written in the owner field on purpose pings; anything else in angle brackets is text.
    assert mention("<!here>") == "<!here>"
    assert mention("<!channel>") == "<!channel>"
    assert mention("<!channel> please") == "&lt;!channel&gt; please"
    assert mention("*boss*") == "`*boss*`"


def test_context_links_only_when_known() -> None:
    events = current_events(make_report(endpoint_result("a")), NOW)
    bare = build_slack_payload(events, now=NOW)
    assert bare["blocks"][-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "2026-11-23 02:17 UTC"}]}
    linked = build_slack_payload(events, now=NOW, run_url=RUN_URL, issue_url=ISSUE_URL)
    assert [e["text"] for e in linked["blocks"][-1]["elements"]] == [
        "2026-11-23 02:17 UTC", f"<{RUN_URL}|Workflow run>", f"<{ISSUE_URL}|Dashboard issue>"]


def test_120_paused_endpoints_stay_within_every_slack_limit() -> None:
    results = [endpoint_result(f"spike-{i:03d}", owner="@alice") for i in range(120)]
    payload = build_slack_payload(current_events(make_report(*results), NOW), now=NOW, run_url=RUN_URL)
    blocks = payload["blocks"]
    texts = sections(payload)
    assert len(blocks) <= MAX_BLOCKS
    assert len(blocks[0]["text"]["text"]) <= MAX_HEADER_CHARS
    assert blocks[0]["text"]["text"] == "Endpoint watchdog: 120 paused · $300.00/h saved"
    assert all(len(t) <= MAX_SECTION_CHARS for t in texts)
    assert sum(len(t) for t in texts) <= MAX_TOTAL_SECTION_CHARS
    assert len(blocks[-1]["elements"]) <= MAX_CONTEXT_ELEMENTS
    assert 0 < len(payload["text"]) <= MAX_FALLBACK_CHARS
    shown = [t for t in texts if t.startswith(":double_vertical_bar:")]
    more = texts[-1]
    assert more == f"+{120 - len(shown)} more — see the workflow run summary."
    assert len(shown) + int(more[1:].split()[0]) == 120
    assert check_payload(payload) is None


def test_an_enormous_reason_is_clipped_to_the_section_limit() -> None:
    result = endpoint_result("a")
    huge = replace(result, evaluation=replace(result.evaluation, reason="x" * 10_000))
    payload = build_slack_payload(current_events(make_report(huge), NOW), now=NOW)
    [text] = sections(payload)
    assert len(text) == MAX_SECTION_CHARS
    assert text.endswith("…")
    assert check_payload(payload) is None


def test_events_of_one_endpoint_share_one_section() -> None:
    report = sample_report()
    payload = build_slack_payload(current_events(report, NOW), now=NOW)
    subjects = [t.split("`")[1] for t in sections(payload) if "`" in t.splitlines()[0]]
    assert len(subjects) == len(set(subjects))


def test_the_header_counts_pauses_and_scale_to_zero_apart_as_the_comment_does() -> None:
    from watchdog.core.events import current_events
    from watchdog.core.render.issue import news_comment
    from watchdog.core.render.slack import headline

    events = current_events(sample_report(dry_run=True), NOW)
    assert headline(events, dry_run=True).startswith(
        "[dry run] Endpoint watchdog: 1 would pause · 1 would scale to zero · ")
    comment_head = news_comment(events, now=NOW).splitlines()[0]
    assert "1 would pause (dry run), 1 would scale to zero (dry run)" in comment_head


def test_news_carried_over_from_an_earlier_run_is_said_as_such_and_not_counted_as_tonights() -> None:
    from dataclasses import replace

    from watchdog.core.events import current_events
    from watchdog.core.render.slack import build_slack_payload, headline

    events = [e for e in current_events(sample_report(), NOW) if e.kind == "paused"]
    tonight, carried = events[0], replace(events[0], key="paused:x", name="older", carried_from="2026-11-22T02:17:00Z")
    assert headline([tonight, carried]) == "Endpoint watchdog: 1 paused · 1 from an earlier run · $2.50/h saved"
    payload = build_slack_payload([carried], now=NOW)
    section = next(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")
    assert "_(from the run at 2026-11-22T02:17:00Z: not delivered then)_" in section
