"""The plain-text view of a report: one line per endpoint that a person can read at a glance."""

from __future__ import annotations

from watchdog.core.durations import format_duration
from watchdog.core.timestamps import format_timestamp
from watchdog.core.model import Decision, EndpointResult, Outcome, Report
from watchdog.core.render.json_report import summary

_COLUMNS = ("ENDPOINT", "STATE", "UPTIME", "IDLE", "$/H", "DECISION", "REASON")

# Decisions that need attention sort first, so a long fleet still shows what matters at the top.
_ORDER = {
    Decision.PAUSE: 0,
    Decision.SCALE_TO_ZERO: 1,
    Decision.NOTIFY: 2,
    Decision.EXEMPT: 3,
    Decision.PROTECTED: 4,
    Decision.KEEP: 5,
}


def _money(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


def _decision_text(result: EndpointResult) -> str:
    decision = result.evaluation.decision.value
    # In check and dry runs the decision says it all; after a real run, show what actually happened.
    if result.outcome in (Outcome.NONE, Outcome.WOULD_PAUSE, Outcome.WOULD_SCALE_TO_ZERO, Outcome.NOTIFIED):
        return decision
    return f"{decision} → {result.outcome.value}"


def _row(result: EndpointResult, report: Report) -> tuple[str, ...]:
    ep = result.endpoint
    now = report.generated_at
    uptime = format_duration(ep.uptime_seconds(now)) if ep.billable else "-"
    if ep.billable:
        seconds = ep.idle_seconds(now)
        idle = "?" if seconds is None else ("≥" if ep.idle_is_lower_bound else "") + format_duration(seconds)
    else:
        idle = "-"
    if uptime != "-" and ep.running_since_source.value != "replica":
        uptime += "*"  # weaker source than a replica start time: see the legend
    reason = result.evaluation.reason
    if result.error:
        reason = f"{reason} — {result.error}"
    return (ep.key, ep.state, uptime, idle, _money(ep.hourly_usd), _decision_text(result), reason)


def render_text(report: Report) -> str:
    """The report as aligned columns plus a short summary; what `check` and `run` print by default."""
    s = summary(report)
    mode = " (dry run: nothing touched, nothing sent)" if report.dry_run else ""
    lines = [
        f"hf-endpoint-watchdog {report.command}{mode} at {format_timestamp(report.generated_at)}",
        f"{len(report.namespaces)} namespace(s), {s['endpoints']} endpoint(s), {s['billable']} billable, "
        f"burning ${s['burn_usd_per_hour']:.2f}/h",
    ]
    for ns in report.namespaces:
        if not ns.ok:
            lines.append(f"!! namespace {ns.name}: {ns.error}")
        lines.extend(f"warning: namespace {ns.name}: {warning}" for warning in ns.warnings)
    lines.append("")
    rows = [
        _row(r, report)
        for r in sorted(report.endpoints, key=lambda r: (_ORDER.get(r.evaluation.decision, 9), r.endpoint.key))
    ]
    if rows:
        widths = [max(len(col), *(len(row[i]) for row in rows)) for i, col in enumerate(_COLUMNS[:-1])]
        for row in [_COLUMNS, *rows]:
            cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
            lines.append("  ".join([*cells, row[-1]]).rstrip())
        lines.append("")
        lines.append("* uptime from the watchdog's own memory or status.updatedAt, not a replica start time")
        tolerated = [f"  {r.endpoint.key}: {note}" for r in sorted(report.endpoints, key=lambda r: r.endpoint.key)
                     for note in r.endpoint.tolerated]
        if tolerated:
            lines += ["", "Tolerated (answers in shapes the watchdog did not expect, read leniently):", *tolerated]
    else:
        lines.append("(no endpoints)")
    lines.append("")
    lines.extend(_summary_lines(report, s))
    return "\n".join(lines).rstrip() + "\n"


def _summary_lines(report: Report, s: dict) -> list[str]:
    lines = []
    if s["paused"] or s["scaled_to_zero"]:
        lines.append(
            f"Acted: {s['paused']} paused, {s['scaled_to_zero']} scaled to zero, saving ${s['saved_usd_per_hour']:.2f}/h."
        )
    if s["would_act"]:
        lines.append(f"Would act on {s['would_act']} endpoint(s), saving ${s['would_save_usd_per_hour']:.2f}/h.")
    if s["failed"]:
        lines.append(f"FAILED to act on {s['failed']} endpoint(s): see the reasons above.")
    failed_ns = [ns.name for ns in report.namespaces if not ns.ok]
    if failed_ns:
        lines.append(f"FAILED: {len(failed_ns)} namespace(s) could not be listed ({', '.join(failed_ns)}): "
                     "nothing there was checked.")
    if s["unmeasurable"]:
        lines.append(f"{s['unmeasurable']} endpoint(s) could not be measured and were left alone.")
    for error in report.errors:
        lines.append(f"!! {error}")
    for notice in report.notices:
        lines.append(f"note: {notice}")
    for alert in report.alerts:
        detail = f" ({alert.error or alert.detail})" if (alert.error or alert.detail) else ""
        lines.append(f"alert {alert.channel}: {alert.status}{detail}")
    acted = [r for r in report.endpoints if r.outcome in (Outcome.PAUSED, Outcome.SCALED_TO_ZERO)]
    if acted:
        lines.append("Undo: watchdog resume NAME --namespace NS (e.g. "
                     f"watchdog resume {acted[0].endpoint.name} --namespace {acted[0].endpoint.namespace})")
    if not lines:
        lines.append("Nothing to do.")
    return lines
