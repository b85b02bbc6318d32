"""Markdown renderings of a report: the full report (`--format markdown`) and the GitHub step summary (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from watchdog.core.durations import format_duration
from watchdog.core.events import Event
from watchdog.core.model import EndpointResult, Outcome, Report

# GitHub rejects step summaries over 1 MiB per step; stay clear of it, leaving room for other writers.
STEP_SUMMARY_MAX_BYTES = 1_000_000

OUTCOME_WORDS = {
    Outcome.NONE: "—",
    Outcome.PAUSED: "paused",
    Outcome.SCALED_TO_ZERO: "scaled to zero",
    Outcome.NOTIFIED: "notified",
    Outcome.WOULD_PAUSE: "would pause",
    Outcome.WOULD_SCALE_TO_ZERO: "would scale to zero",
    Outcome.FAILED: "failed",
    Outcome.GONE: "gone (deleted meanwhile)",
}

EVENT_LABELS = {
    "namespace-error": "Could not list namespace",
    "action-failed": "Failed to act",
    "unmeasurable": "Could not measure",
    "run-error": "Watchdog error",
    "namespace-warning": "Namespace warning",
    "paused": "Paused",
    "scaled-to-zero": "Scaled to zero",
    "would-pause": "Would pause (dry run)",
    "would-scale-to-zero": "Would scale to zero (dry run)",
    "violation": "Over limit",
    "limit-approaching": "Limit approaching",
    "exemption-expiring": "Exemption expiring",
    "idle-unknown": "Idle time unknown",
    "run-notice": "Notice",
    "recovered": "Recovered",
}


def utc_text(moment: datetime) -> str:
    """`2026-11-23 02:17 UTC`: minutes are enough for people."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def money(value: float | None, suffix: str = "") -> str:
    """`$2.50/h`-style amounts; `?` when unknown."""
    return "?" if value is None else f"${value:,.2f}{suffix}"


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def md_inline(text: object) -> str:
    """Text safe in a Markdown list item: one line; `<` escaped so it cannot open an HTML tag or comment."""
    return " ".join(str(text).split()).replace("<", "&lt;")


def outcome_text(result: EndpointResult) -> str:
    """What the run did, with the error when it failed."""
    words = OUTCOME_WORDS.get(result.outcome, result.outcome.value)
    if result.outcome is Outcome.FAILED and result.error:
        return f"failed: {result.error}"
    return words


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table as lines."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows)
    return lines


def endpoint_row(result: EndpointResult, now: datetime) -> list[object]:
    """Endpoint | State | Decision | Outcome | $/h | Uptime | Idle | Rule | Reason."""
    ep = result.endpoint
    ev = result.evaluation
    rule = f'{ev.rule.index} "{ev.rule.match}"' if ev.rule.index else "defaults"
    return [
        f"`{ep.key}`",
        ep.state,
        ev.decision.value,
        outcome_text(result),
        money(ep.hourly_usd),
        format_duration(ep.uptime_seconds(now)) if ep.billable else "—",
        ("≥" if ep.idle_is_lower_bound else "") + format_duration(ep.idle_seconds(now)),
        rule,
        ev.reason,
    ]


ENDPOINT_HEADERS = ("Endpoint", "State", "Decision", "Outcome", "$/h", "Uptime", "Idle", "Rule", "Reason")


def event_line(event: Event, *, mention: bool) -> str:
    """One Markdown bullet for an event; `mention` turns the owner into a real @-mention (comments only)."""
    label = EVENT_LABELS.get(event.kind, event.kind)
    subject = f"`{event.namespace}/{event.name}`" if event.name else (f"`{event.namespace}`" if event.namespace else "")
    parts = [f"**{label}**" + (f" {subject}" if subject else ""), md_inline(event.detail)]
    if event.hourly_usd:
        cost = money(event.hourly_usd, "/h")
        if event.stretch_usd is not None:
            cost += f", {money(event.stretch_usd)} this stretch"
        parts.append(cost)
    if event.owner:
        parts.append(f"owner {event.owner}" if mention else f"owner `{event.owner}`")
    line = "- " + " — ".join(parts)
    if event.undo:
        line += f" — undo: `{event.undo}`"
    return line


def _summary_counts(report: Report) -> str:
    billable = [r for r in report.endpoints if r.endpoint.billable]
    burn = sum(r.endpoint.hourly_usd or 0.0 for r in billable)
    acted = [r for r in report.endpoints if r.outcome in (Outcome.PAUSED, Outcome.SCALED_TO_ZERO)]
    saved = sum(r.endpoint.hourly_usd or 0.0 for r in acted)
    failed = sum(1 for r in report.endpoints if r.outcome is Outcome.FAILED)
    return (
        f"{len(report.endpoints)} endpoints, {len(billable)} billable burning {money(burn, '/h')}; "
        f"{len(acted)} paused or scaled to zero this run ({money(saved, '/h')} saved); {failed} failed"
    )


def render_report_markdown(report: Report) -> str:
    """The whole report as Markdown, for `--format markdown` (uptime measured at `report.generated_at`)."""
    now = report.generated_at
    mode = " (dry run)" if report.dry_run else ""
    lines = [f"# Endpoint watchdog — `{report.command}`{mode}", "", f"Generated {utc_text(now)}.", "",
             _summary_counts(report) + ".", ""]
    lines += ["## Namespaces", ""]
    lines += table(("Namespace", "Listed", "Endpoints", "Error"),
                   ((f"`{ns.name}`", "yes" if ns.ok else "**no**", ns.endpoints, ns.error or "—")
                    for ns in report.namespaces))
    warned = [f"- warning: `{ns.name}`: {md_inline(w)}" for ns in report.namespaces for w in ns.warnings]
    lines += ["", *warned] if warned else []
    lines += ["", "## Endpoints", ""]
    if report.endpoints:
        lines += table(ENDPOINT_HEADERS, (endpoint_row(r, now) for r in report.endpoints))
    else:
        lines.append("No endpoints.")
    details: list[str] = []
    for result in report.endpoints:
        ev = result.evaluation
        items = [f"- violation: {md_inline(f.reason)}" for f in ev.violations]
        items += [f"- warning: {md_inline(f.reason)}" for f in ev.warnings]
        items += [f"- {n.kind}: {md_inline(n.message)}" for n in ev.notices]
        items += [f"- measurement: {md_inline(n)}" for n in result.endpoint.measurement_notes]
        items += [f"- tolerated: {md_inline(n)}" for n in result.endpoint.tolerated]
        if result.endpoint.unmeasurable:
            items.append(f"- unmeasurable: {md_inline(result.endpoint.unmeasurable)}")
        if items:
            details += [f"### `{result.endpoint.key}`", "", *items, ""]
    if details:
        lines += ["", "## Findings", "", *details[:-1]]
    notices = list(report.notices)
    if report.errors or notices:
        lines += ["", "## Run", ""]
        lines += [f"- error: {md_inline(e)}" for e in report.errors]
        lines += [f"- notice: {md_inline(n)}" for n in notices]
    if report.alerts:
        lines += ["", "## Alerts", ""]
        lines += table(("Channel", "Status", "Detail"),
                       ((a.channel, a.status, a.error or a.detail or "—") for a in report.alerts))
    return "\n".join(lines) + "\n"


def _fit_bytes(text: str, limit: int, note: str) -> str:
    """Cut `text` at a line boundary so that it plus `note` fits in `limit` UTF-8 bytes."""
    if len(text.encode("utf-8")) <= limit:
        return text
    budget = limit - len(note.encode("utf-8"))
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        size = len(line.encode("utf-8"))
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return "".join(kept) + note


def render_step_summary(
    report: Report,
    events: Sequence[Event],
    *,
    now: datetime,
    run_url: str | None = None,
    appendix: str = "",
    max_bytes: int = STEP_SUMMARY_MAX_BYTES,
) -> str:
    """The GitHub job summary: every endpoint and its decision, then this run's news (and, in dry runs, the
    payloads that would have been sent, as `appendix`). Truncated with a note to stay under `max_bytes`."""
    mode = " (dry run)" if report.dry_run else ""
    link = f" — [workflow run]({run_url})" if run_url else ""
    lines = [f"## Endpoint watchdog{mode}", "", f"{utc_text(now)}{link}", "", _summary_counts(report) + ".", ""]
    failed_ns = [ns for ns in report.namespaces if not ns.ok]
    lines += [f"- **could not list** `{ns.name}`: {md_inline(ns.error or 'unknown error')}" for ns in failed_ns]
    lines += [f"- **warning** `{ns.name}`: {md_inline(w)}" for ns in report.namespaces for w in ns.warnings]
    if failed_ns:
        lines.append("")
    lines += ["### New this run", ""]
    lines += [event_line(e, mention=False) for e in events] or ["Nothing new: no alert sent."]
    lines += ["", "### Endpoints", ""]
    if report.endpoints:
        lines += table(ENDPOINT_HEADERS, (endpoint_row(r, now) for r in report.endpoints))
    else:
        lines.append("No endpoints.")
    text = "\n".join(lines) + "\n"
    if appendix:
        text += "\n" + appendix.rstrip("\n") + "\n"
    note = "\n_Summary truncated to stay under GitHub's 1 MiB step-summary limit; the JSON report has everything._\n"
    return _fit_bytes(text, max_bytes, note)
