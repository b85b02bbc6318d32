"""The plain-text view of a report: one line per endpoint that a person can read at a glance."""

from __future__ import annotations

from watchdog.core.durations import format_duration
from watchdog.core.events import EventKind, action_counts
from watchdog.core.idle_coverage import idle_coverage
from watchdog.core.model import Decision, EndpointResult, Outcome, Report
from watchdog.core.render.escape import one_line
from watchdog.core.render.json_report import summary
from watchdog.core.render.ledger import summary_line
from watchdog.core.render.markdown import unpriced_text
from watchdog.core.timestamps import format_timestamp

_COLUMNS = ("ENDPOINT", "STATE", "UPTIME", "IDLE", "$/H", "DECISION", "REASON")

# Decisions that need attention sort first, so a long fleet still shows what matters at the top.
_ORDER = {
    Decision.PAUSE: 0,
    Decision.SCALE_TO_ZERO: 1,
    Decision.RECONFIGURE: 2,
    Decision.NOTIFY: 3,
    Decision.EXEMPT: 4,
    Decision.PROTECTED: 5,
    Decision.KEEP: 6,
}


def _money(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


def _decision_text(result: EndpointResult) -> str:
    decision = result.evaluation.decision.value
    # In check and dry runs the decision says it all; after a real run, show what actually happened.
    if result.outcome in (Outcome.NONE, Outcome.WOULD_PAUSE, Outcome.WOULD_SCALE_TO_ZERO, Outcome.WOULD_RECONFIGURE,
                          Outcome.NOTIFIED):
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
        reason = f"{reason} — {one_line(result.error)}"
    return (ep.key, ep.state, uptime, idle, _money(ep.hourly_usd), _decision_text(result), reason)


def render_text(report: Report) -> str:
    """The report as aligned columns plus a short summary; what `check` and `run` print by default."""
    s = summary(report)
    mode = " (dry run: nothing touched, nothing sent)" if report.dry_run else ""
    lines = [
        f"hf-endpoint-watchdog {report.command}{mode} at {format_timestamp(report.generated_at)}",
        f"{len(report.namespaces)} namespace(s), {s['endpoints']} endpoint(s), {s['billable']} billable, "
        f"burning ${s['burn_usd_per_hour']:.2f}/h" + unpriced_text(s["unpriced_billable"]),
    ]
    for ns in report.namespaces:
        if not ns.ok:
            lines.append(f"!! namespace {ns.name}: {one_line(ns.error)}")
        lines.extend(f"warning: namespace {ns.name}: {one_line(warning)}" for warning in ns.warnings)
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
        if any(row[2].endswith("*") for row in rows):
            lines.append("")
            lines.append("* uptime from the watchdog's own memory or status.updatedAt, not a replica start time")
        tolerated = [f"  {r.endpoint.key}: {one_line(note)}"
                     for r in sorted(report.endpoints, key=lambda r: r.endpoint.key)
                     for note in r.endpoint.tolerated]
        if tolerated:
            lines += ["", "Tolerated (answers in shapes the watchdog did not expect, read leniently):", *tolerated]
    else:
        lines.append("(no endpoints)")
    lines.append("")
    lines.extend(_summary_lines(report, s))
    return "\n".join(lines).rstrip() + "\n"


def _would_kinds(report: Report) -> list[EventKind]:
    kinds = {Outcome.WOULD_PAUSE: EventKind.WOULD_PAUSE, Outcome.WOULD_SCALE_TO_ZERO: EventKind.WOULD_SCALE_TO_ZERO}
    return [kinds[r.outcome] for r in report.endpoints if r.outcome in kinds]


def _summary_lines(report: Report, s: dict) -> list[str]:
    lines = []
    if s["paused"] or s["scaled_to_zero"]:
        lines.append(
            f"Acted: {s['paused']} paused, {s['scaled_to_zero']} scaled to zero, "
            f"saving ${s['saved_usd_per_hour']:.2f}/h."
        )
    if s["would_act"]:
        would = ", ".join(action_counts(_would_kinds(report)))
        lines.append(f"Would act on {s['would_act']} endpoint(s): {would}, "
                     f"saving ${s['would_save_usd_per_hour']:.2f}/h.")
    lines.extend(_reconfiguration_lines(report))
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
    if report.ledger is not None:
        lines.append(summary_line(report.ledger))
    for alert in report.alerts:
        detail = f" ({one_line(alert.error or alert.detail)})" if (alert.error or alert.detail) else ""
        lines.append(f"alert {alert.channel}: {alert.status}{detail}")
    acted = [r for r in report.endpoints if r.outcome in (Outcome.PAUSED, Outcome.SCALED_TO_ZERO)]
    if acted:
        lines.append("Undo: watchdog resume NAME --namespace NS (e.g. "
                     f"watchdog resume {acted[0].endpoint.name} --namespace {acted[0].endpoint.namespace})")
    if not lines:
        lines.append("Nothing to do.")
    coverage = idle_coverage(r.endpoint for r in report.endpoints).sentence
    if coverage:
        lines.append(coverage)
    return lines


_RECONFIGURE_WORDS = {Outcome.RECONFIGURED: "Reconfigured", Outcome.WOULD_RECONFIGURE: "Would reconfigure",
                      Outcome.FAILED: "FAILED to reconfigure"}


def _reconfiguration_lines(report: Report) -> list[str]:
    """`Reconfigured ns/name: min_replica 1 → 0, …; undo: hf endpoints update …` per fix_config update."""
    lines = []
    for result in sorted(report.endpoints, key=lambda r: r.endpoint.key):
        change = result.evaluation.reconfiguration
        verb = _RECONFIGURE_WORDS.get(result.outcome)
        if change is None or verb is None or result.evaluation.decision is not Decision.RECONFIGURE:
            continue
        if result.outcome is Outcome.FAILED:  # nothing to undo; the error is in the table
            lines.append(f"{verb} {result.endpoint.key} ({change.changes}): {result.error or 'see above'}")
            continue
        note = f" ({change.undo_note})" if change.undo_note else ""
        lines.append(f"{verb} {result.endpoint.key}: {change.changes}; undo: {change.undo}{note}")
    return lines
