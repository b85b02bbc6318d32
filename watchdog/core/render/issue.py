"""The GitHub dashboard issue: its title, label, hidden marker, body table and the news comment (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from watchdog.core.durations import format_duration
from watchdog.core.events import Event, count_by_kind, saved_usd_per_hour
from watchdog.core.idle_coverage import idle_coverage
from watchdog.core.model import Outcome, Report
from watchdog.core.render.escape import md_code, md_reason, md_text
from watchdog.core.render.ledger import markdown_section as ledger_markdown
from watchdog.core.render.markdown import (
    EVENT_LABELS,
    event_line,
    md_money,
    outcome_markdown,
    table,
    unpriced_text,
    utc_text,
)

DASHBOARD_LABEL = "endpoint-watchdog"
DASHBOARD_MARKER = "<!-- endpoint-watchdog:dashboard -->"
DASHBOARD_TITLE = "Endpoint watchdog dashboard"
LABEL_COLOR = "d93f0b"
LABEL_DESCRIPTION = "Dashboard issue maintained by hf-endpoint-watchdog"
# GitHub rejects issue and comment bodies over 65,536 characters; keep a margin for the truncation note.
GITHUB_BODY_MAX_CHARS = 65_000

_ACTED = (Outcome.PAUSED, Outcome.SCALED_TO_ZERO, Outcome.FAILED, Outcome.WOULD_PAUSE, Outcome.WOULD_SCALE_TO_ZERO,
          Outcome.RECONFIGURED, Outcome.WOULD_RECONFIGURE)


def _fit_rows(head: list[str], rows: list[str], tail: list[str], limit: int) -> str:
    """Join head + as many rows as fit + a "+N more" row + tail within `limit` characters."""
    fixed = len("\n".join(head + tail)) + 200
    kept: list[str] = []
    used = fixed
    for row in rows:
        if used + len(row) + 1 > limit:
            break
        kept.append(row)
        used += len(row) + 1
    more = len(rows) - len(kept)
    if more:
        kept.append(f"\n_+{more} more not shown (GitHub's 65,536-character limit); see the JSON report._")
    return "\n".join(head + kept + tail)


def dashboard_body(report: Report, *, now: datetime, limit: int = GITHUB_BODY_MAX_CHARS) -> str:
    """The issue body: billable endpoints and what this run did, rewritten each run.

    It holds no timestamp of its own: when nothing changed, the body is identical and the watchdog skips the
    update (with a ledger, each run adds a chart point, so the body changes every run; edits notify no one).
    Owners appear in backticks so body edits never ping anyone.
    """
    shown = [r for r in report.endpoints if r.endpoint.billable or r.outcome in _ACTED]
    hidden = len(report.endpoints) - len(shown)
    burn = sum(r.endpoint.hourly_usd or 0.0 for r in report.endpoints if r.endpoint.billable)
    head = [
        DASHBOARD_MARKER,
        "## Billable Inference Endpoints",
        "",
        f"{len(shown)} listed below, burning {md_money(burn, '/h')}"
        f"{unpriced_text(report.unpriced_billable)} "
        "before this run's actions; "
        f"{hidden} more paused, scaled to zero or failed and costing nothing.",
        "",
    ]
    coverage = idle_coverage(r.endpoint for r in report.endpoints).sentence
    if coverage:
        head += [md_text(coverage), ""]
    failed_ns = [ns for ns in report.namespaces if not ns.ok]
    head += [f"- :x: could not list {md_code(ns.name)}: {md_text(ns.error or 'unknown error')}" for ns in failed_ns]
    if failed_ns:
        head.append("")
    # The money section is bounded (30 chart points, 10 namespaces, 5 spenders): the endpoint rows give way first.
    tail = ([""] + ledger_markdown(report.ledger) if report.ledger is not None else []) + [
        "",
        *_reconfiguration_lines(report),
        "Undo a pause with `watchdog resume NAME --namespace NS` (or resume it in the Endpoints UI).",
        "This body is rewritten by the watchdog on every run; new events arrive as comments.",
    ]
    if not shown:
        return "\n".join(head + ["Nothing billable. :tada:"] + tail) + "\n"
    headers = ("Endpoint", "State", "Decision", "Done", "$/h", "Uptime", "Idle", "Owner", "Reason")
    rows = table(
        headers,
        (
            [
                md_code(r.endpoint.key, table=True),
                md_text(r.endpoint.state),
                md_text(r.evaluation.decision.value),
                outcome_markdown(r),
                md_money(r.endpoint.hourly_usd),
                format_duration(r.endpoint.uptime_seconds(now)),
                format_duration(r.endpoint.idle_seconds(now)),
                md_code(r.evaluation.owner, table=True) if r.evaluation.owner else "—",
                md_reason(r.evaluation.reason, r.evaluation.rule, table=True),
            ]
            for r in shown
        ),
    )
    return _fit_rows(head + rows[:2], rows[2:], tail, limit) + "\n"


def _reconfiguration_lines(report: Report) -> list[str]:
    """fix_config updates of this run: old → new values and the command that restores the old ones."""
    lines = []
    for r in report.endpoints:
        change = r.evaluation.reconfiguration
        if change is None or r.outcome not in (Outcome.RECONFIGURED, Outcome.WOULD_RECONFIGURE):
            continue  # a failed update has nothing to undo: its error is in the table
        note = f" ({md_text(change.undo_note)})" if change.undo_note else ""
        lines.append(f"- {md_code(r.endpoint.key)} {outcome_markdown(r)}: {md_text(change.changes)} — undo: "
                     f"{md_code(change.undo)}{note}")
    return [*lines, ""] if lines else []


def news_comment(
    events: Sequence[Event],
    *,
    now: datetime,
    run_url: str | None = None,
    limit: int = GITHUB_BODY_MAX_CHARS,
) -> str:
    """The comment posted when there is news: one bullet per event, owners @-mentioned so they are notified."""
    counts = count_by_kind(events)
    summary = ", ".join(f"{n} {EVENT_LABELS.get(k, k).lower()}" for k, n in counts.items())
    saved = saved_usd_per_hour(events)
    if saved:
        summary += f" — {md_money(saved, '/h')} saved"
    link = f" ([workflow run]({run_url}))" if run_url else ""
    head = [f"**{utc_text(now)}**{link}: {summary}", ""]
    return _fit_rows(head, [event_line(e, mention=True) for e in events], [], limit) + "\n"
