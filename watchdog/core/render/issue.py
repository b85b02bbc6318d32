"""The GitHub dashboard issue: its title, label, hidden marker, body table and the news comment (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from watchdog.core.events import Event, count_by_kind, saved_usd_per_hour
from watchdog.core.idle_coverage import idle_coverage
from watchdog.core.model import Outcome, Report
from watchdog.core.render.markdown import EVENT_LABELS, event_line, md_inline, money, outcome_text, table, utc_text
from watchdog.core.durations import format_duration

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

    It holds no timestamp on purpose: when nothing billable changed, the body is identical and the
    watchdog skips the update. Owners appear in backticks so body edits never ping anyone.
    """
    shown = [r for r in report.endpoints if r.endpoint.billable or r.outcome in _ACTED]
    hidden = len(report.endpoints) - len(shown)
    burn = sum(r.endpoint.hourly_usd or 0.0 for r in report.endpoints if r.endpoint.billable)
    head = [
        DASHBOARD_MARKER,
        "## Billable Inference Endpoints",
        "",
        f"{len(shown)} listed below, burning {money(burn, '/h')} before this run's actions; "
        f"{hidden} more paused, scaled to zero or failed and costing nothing.",
        "",
    ]
    coverage = idle_coverage(r.endpoint for r in report.endpoints).sentence
    if coverage:
        head += [md_inline(coverage), ""]
    failed_ns = [ns for ns in report.namespaces if not ns.ok]
    head += [f"- :x: could not list `{ns.name}`: {md_inline(ns.error or 'unknown error')}" for ns in failed_ns]
    if failed_ns:
        head.append("")
    tail = [
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
                f"`{r.endpoint.key}`",
                r.endpoint.state,
                r.evaluation.decision.value,
                outcome_text(r),
                money(r.endpoint.hourly_usd),
                format_duration(r.endpoint.uptime_seconds(now)),
                format_duration(r.endpoint.idle_seconds(now)),
                f"`{r.evaluation.owner}`" if r.evaluation.owner else "—",
                r.evaluation.reason,
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
        note = f" ({md_inline(change.undo_note)})" if change.undo_note else ""
        lines.append(f"- `{r.endpoint.key}` {outcome_text(r)}: {md_inline(change.changes)} — undo: `{change.undo}`{note}")
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
        summary += f" — {money(saved, '/h')} saved"
    link = f" ([workflow run]({run_url}))" if run_url else ""
    head = [f"**{utc_text(now)}**{link}: {summary}", ""]
    return _fit_rows(head, [event_line(e, mention=True) for e in events], [], limit) + "\n"
