"""Markdown renderings of a report: the full report (`--format markdown`) and the GitHub step summary (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from watchdog.core.durations import format_duration
from watchdog.core.events import Event
from watchdog.core.idle_coverage import idle_coverage
from watchdog.core.model import Decision, EndpointResult, Outcome, Report
from watchdog.core.render.escape import md_code, md_reason, md_rule, md_text

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
    Outcome.RECONFIGURED: "reconfigured",
    Outcome.WOULD_RECONFIGURE: "would reconfigure",
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
    "reconfigured": "Reconfigured",
    "would-reconfigure": "Would reconfigure (dry run)",
    "violation": "Over limit",
    "limit-approaching": "Limit approaching",
    "exemption-expiring": "Exemption expiring",
    "idle-unknown": "Idle time unknown",
    "run-notice": "Notice",
    "recovered": "Recovered",
}


def utc_text(moment: datetime) -> str:
    """`2026-11-23 02:17 UTC`: minutes are enough for people."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def money(value: float | None, suffix: str = "") -> str:
    """`$2.50/h`-style amounts; `?` when unknown (plain text and Slack)."""
    return "?" if value is None else f"${value:,.2f}{suffix}"


MD_DOLLAR = "\\$"


def md_money(value: float | None, suffix: str = "") -> str:
    """`money` for Markdown: `\\$2.50/h`. GitHub reads two `$` on one line as inline math (`$664.01 billed** ·
    **$846.41` turned into a formula), so every amount escapes its sign; never put it in a code span."""
    return money(value, suffix).replace("$", MD_DOLLAR)


def outcome_text(result: EndpointResult) -> str:
    """What the run did, with the error when it failed (plain text)."""
    words = OUTCOME_WORDS.get(result.outcome, result.outcome.value)
    if result.outcome is Outcome.FAILED and result.error:
        return f"failed: {result.error}"
    if result.outcome is Outcome.NONE and result.error:  # held back: "not acted on: safety cap exceeded"
        return result.error
    return words


def outcome_markdown(result: EndpointResult) -> str:
    """`outcome_text` as Markdown: the error, from the API, shown literally."""
    if result.outcome is Outcome.FAILED and result.error:
        return "failed: " + md_text(result.error)
    return md_text(outcome_text(result))


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GitHub-flavoured Markdown table as lines. Cells are Markdown already (`md_text`, `md_code(table=True)`)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def endpoint_row(result: EndpointResult, now: datetime) -> list[str]:
    """Endpoint | State | Decision | Outcome | $/h | Uptime | Idle | Rule | Reason, as Markdown cells."""
    ep = result.endpoint
    ev = result.evaluation
    return [
        md_code(ep.key, table=True),
        md_text(ep.state),
        md_text(ev.decision.value),
        outcome_markdown(result),
        md_money(ep.hourly_usd),
        format_duration(ep.uptime_seconds(now)) if ep.billable else "—",
        ("≥" if ep.idle_is_lower_bound else "") + format_duration(ep.idle_seconds(now)),
        md_rule(ev.rule, table=True),
        md_reason(ev.reason, ev.rule, table=True),
    ]


ENDPOINT_HEADERS = ("Endpoint", "State", "Decision", "Outcome", "$/h", "Uptime", "Idle", "Rule", "Reason")


def event_line(event: Event, *, mention: bool) -> str:
    """One Markdown bullet for an event; `mention` turns the owner into a real @-mention (comments only)."""
    label = EVENT_LABELS.get(event.kind, event.kind)
    subject = md_code(f"{event.namespace}/{event.name}" if event.name else (event.namespace or ""))
    parts = [f"**{md_text(label)}**" + (f" {subject}" if subject else ""), md_reason(event.detail, event.rule)]
    if event.carried_from:
        parts.insert(1, f"_from the run at {md_text(event.carried_from)}, not delivered then_")
    if event.hourly_usd:
        cost = md_money(event.hourly_usd, "/h")
        if event.stretch_usd is not None:
            cost += f", {'at least ' if event.stretch_at_least else ''}{md_money(event.stretch_usd)} this stretch"
        parts.append(cost)
    if event.owner:
        parts.append(f"owner {md_text(event.owner, mention=True)}" if mention else f"owner {md_code(event.owner)}")
    line = "- " + " — ".join(parts)
    if event.undo:
        line += f" — undo: {md_code(event.undo)}"
        if event.undo_note:
            line += f" ({md_text(event.undo_note)})"
    return line


def unpriced_text(count: int) -> str:
    """What a burn figure leaves out: billable endpoints with no known price are not $0, they are unknown."""
    return f" plus {count} billable endpoint(s) with no known price" if count else ""


def _summary_counts(report: Report) -> str:
    billable = [r for r in report.endpoints if r.endpoint.billable]
    burn = sum(r.endpoint.hourly_usd or 0.0 for r in billable)
    acted = [r for r in report.endpoints if r.outcome in (Outcome.PAUSED, Outcome.SCALED_TO_ZERO)]
    saved = sum(r.endpoint.hourly_usd or 0.0 for r in acted)
    failed = sum(1 for r in report.endpoints if r.outcome is Outcome.FAILED)
    reconfigured = sum(1 for r in report.endpoints if r.outcome is Outcome.RECONFIGURED)
    return (
        f"{len(report.endpoints)} endpoints, {len(billable)} billable burning {md_money(burn, '/h')}"
        f"{unpriced_text(report.unpriced_billable)}; "
        f"{len(acted)} paused or scaled to zero this run ({md_money(saved, '/h')} saved); "
        + (f"{reconfigured} reconfigured; " if reconfigured else "") + f"{failed} failed"
    )


def _coverage_lines(report: Report) -> list[str]:
    """The idle-coverage sentence as a paragraph, or nothing when nothing bills."""
    sentence = idle_coverage(r.endpoint for r in report.endpoints).sentence
    return [md_text(sentence), ""] if sentence else []


def render_report_markdown(report: Report) -> str:
    """The whole report as Markdown, for `--format markdown` (uptime measured at `report.generated_at`)."""
    now = report.generated_at
    mode = " (dry run)" if report.dry_run else ""
    lines = [f"# Endpoint watchdog — {md_code(report.command)}{mode}", "", f"Generated {utc_text(now)}.", "",
             _summary_counts(report) + ".", "", *_coverage_lines(report)]
    lines += ["## Namespaces", ""]
    lines += table(("Namespace", "Listed", "Endpoints", "Error"),
                   ((md_code(ns.name, table=True), "yes" if ns.ok else "**no**", str(ns.endpoints),
                     md_text(ns.error or "—")) for ns in report.namespaces))
    warned = [f"- warning: {md_code(ns.name)}: {md_text(w)}" for ns in report.namespaces for w in ns.warnings]
    lines += ["", *warned] if warned else []
    lines += ["", "## Endpoints", ""]
    if report.endpoints:
        lines += table(ENDPOINT_HEADERS, (endpoint_row(r, now) for r in report.endpoints))
    else:
        lines.append("No endpoints.")
    details: list[str] = []
    for result in report.endpoints:
        ev = result.evaluation
        items = [f"- violation: {md_reason(f.reason, ev.rule)}" for f in ev.violations]
        items += [f"- warning: {md_reason(f.reason, ev.rule)}" for f in ev.warnings]
        items += [f"- {md_text(n.kind)}: {md_text(n.message)}" for n in ev.notices]
        items += [f"- measurement: {md_text(n)}" for n in result.endpoint.measurement_notes]
        if ev.reconfiguration is not None and ev.decision is Decision.RECONFIGURE:
            change = ev.reconfiguration
            note = f" ({md_text(change.undo_note)})" if change.undo_note else ""
            undo = f"; undo: {md_code(change.undo)}{note}" if result.outcome is not Outcome.FAILED else ""
            items.append(f"- reconfigure: {md_text(change.changes)}{undo}")
        items += [f"- tolerated: {md_text(n)}" for n in result.endpoint.tolerated]
        if result.endpoint.unmeasurable:
            items.append(f"- unmeasurable: {md_text(result.endpoint.unmeasurable)}")
        if items:
            details += [f"### {md_code(result.endpoint.key)}", "", *items, ""]
    if details:
        lines += ["", "## Findings", "", *details[:-1]]
    notices = list(report.notices)
    if report.errors or notices:
        lines += ["", "## Run", ""]
        lines += [f"- error: {md_text(e)}" for e in report.errors]
        lines += [f"- notice: {md_text(n)}" for n in notices]
    if report.alerts:
        lines += ["", "## Alerts", ""]
        lines += table(("Channel", "Status", "Detail"),
                       ((md_text(a.channel), md_text(a.status), md_text(a.error or a.detail or "—"))
                        for a in report.alerts))
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
    lines = [f"## Endpoint watchdog{mode}", "", f"{utc_text(now)}{link}", "", _summary_counts(report) + ".", "",
             *_coverage_lines(report)]
    failed_ns = [ns for ns in report.namespaces if not ns.ok]
    lines += [f"- **could not list** {md_code(ns.name)}: {md_text(ns.error or 'unknown error')}" for ns in failed_ns]
    lines += [f"- **warning** {md_code(ns.name)}: {md_text(w)}" for ns in report.namespaces for w in ns.warnings]
    if failed_ns:
        lines.append("")
    lines += ["### New this run", ""]
    lines += [event_line(e, mention=False) for e in events] or ["Nothing new: no alert sent."]
    if report.ledger is not None:  # before the endpoint table, which is what gets cut on a huge fleet
        from watchdog.core.render.ledger import markdown_section  # it imports this module

        lines += ["", *markdown_section(report.ledger, heading="###")]
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
