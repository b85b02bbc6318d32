"""Markdown renderings: the full report (`--format markdown`) and the step summary with its 1 MiB cap."""

from __future__ import annotations

from tests.alerts_support import NOW, check_golden, endpoint_result, kept, make_report, sample_report
from watchdog.core.events import current_events
from watchdog.core.model import AlertResult
from watchdog.core.render.markdown import STEP_SUMMARY_MAX_BYTES, render_report_markdown, render_step_summary

RUN_URL = "https://github.com/acme/ml-ops/actions/runs/123456"


def test_golden_report_markdown() -> None:
    from dataclasses import replace

    report = replace(sample_report(), alerts=(AlertResult("slack", "sent", detail="1 message"),
                                              AlertResult("github", "failed", error="Issues are disabled")))
    check_golden("report.md", render_report_markdown(report))


def test_golden_step_summary() -> None:
    report = sample_report()
    check_golden("step_summary.md", render_step_summary(report, current_events(report, NOW), now=NOW, run_url=RUN_URL))


def test_every_endpoint_and_decision_is_in_the_step_summary() -> None:
    report = sample_report()
    summary = render_step_summary(report, (), now=NOW)
    for result in report.endpoints:
        row = next(line for line in summary.splitlines() if f"`{result.endpoint.key}`" in line)
        assert f"| {result.evaluation.decision.value} |" in row
    assert "Nothing new: no alert sent." in summary


def test_quiet_report_renders() -> None:
    text = render_report_markdown(make_report(kept("a")))
    assert "| `acme-ml/a` | running | keep | — |" in text
    assert "## Findings" not in text


def test_html_in_messages_cannot_open_a_comment_or_tag() -> None:
    report = make_report(errors=("<!-- hidden --> <script>",))
    assert "\\<!-- hidden --> \\<script>" in render_report_markdown(report)


def test_step_summary_is_truncated_under_the_limit_with_a_note() -> None:
    report = make_report(*(endpoint_result(f"ep-{i:05d}") for i in range(300)))
    events = current_events(report, NOW)
    summary = render_step_summary(report, events, now=NOW, max_bytes=20_000)
    assert len(summary.encode("utf-8")) <= 20_000
    assert summary.rstrip().endswith("the JSON report has everything._")


def test_default_limit_holds_for_a_huge_fleet() -> None:
    report = make_report(*(endpoint_result(f"endpoint-{i:05d}") for i in range(5000)))
    summary = render_step_summary(report, current_events(report, NOW), now=NOW, appendix="x" * 200_000)
    assert len(summary.encode("utf-8")) <= STEP_SUMMARY_MAX_BYTES < 1024 * 1024
    assert "Summary truncated" in summary


def test_no_markdown_output_leaves_a_dollar_sign_that_github_could_read_as_math() -> None:
    """GitHub renders `$…$` on one line as inline math: `**$664.01 billed** · **$846.41 saved**` became a formula.
    Every Markdown golden (dashboard body, comments, step summary, report, ledger, pipeline) escapes each `$`
    outside code; inside code spans and fences (`$/h` in a chart title) it stays as written."""
    import re

    from tests.paths import GOLDEN

    files = sorted(p for p in GOLDEN.rglob("*.md"))
    assert len(files) >= 8
    for path in files:
        text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)  # fenced blocks
        text = re.sub(r"`[^`\n]*`", "", text)  # code spans
        bare = [line for line in text.splitlines() if re.search(r"(?<!\\)\$", line)
                and not line.startswith("| Endpoint |")]  # the `$/h` column header: one sign, nothing to pair with
        assert bare == [], f"{path.name}: unescaped $ in {bare[:3]}"
