"""The ledger for people and machines: a Markdown section with charts, text, CSV rows and JSON (pure)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from watchdog.core.durations import format_duration
from watchdog.core.ledger import CHART_POINTS, Ledger, Money, RunLine
from watchdog.core.render.charts import details_table, line_chart, point_labels
from watchdog.core.render.markdown import MD_DOLLAR, md_money, money, table, utc_text
from watchdog.core.timestamps import format_timestamp

MAX_NAMESPACE_ROWS = 10
DEFINITIONS = (
    "Billed: each namespace's burn $/h integrated between runs (trapezoid). Saved (estimate): the $/h of each "
    "endpoint the watchdog stopped × the hours it stayed stopped, assuming it would otherwise have kept billing. "
    "Exceptions: billed while exempt, or protected with violations. Time between runs further apart than "
    "`run_every` allows is unknown, not zero."
)


def _usd(value: float) -> float:
    return round(value, 2) + 0.0  # never -0.0


def window_title(ledger: Ledger) -> str:
    """`November 2026 to date`, or `since 2026-10-24 02:17 UTC`."""
    if ledger.month_to_date:
        return ledger.now.astimezone(UTC).strftime("%B %Y") + " to date"
    return f"since {utc_text(ledger.since)}"


def _hours_text(hours: float) -> str:
    return format_duration(round(hours * 3600)) if hours >= 1 / 60 else "—"


def _history_text(ledger: Ledger) -> str:
    if ledger.history_since is None:
        return "no history yet: each `watchdog run` adds one entry"
    return f"history since {utc_text(ledger.history_since)}"


def summary_line(ledger: Ledger) -> str:
    """One line for the text report of a run: `Ledger, November 2026 to date (est.): billed $X, saved $Y, ...`."""
    m = ledger.total
    unknown = f", {_hours_text(m.unknown_hours)} unknown" if m.unknown_hours >= 1 / 60 else ""
    unpriced = f"; {unpriced_text(ledger)}" if ledger.unpriced_most else ""
    return (f"Ledger, {window_title(ledger)} (est.): billed {money(m.billed)}, saved {money(m.saved)}, "
            f"exceptions {money(m.exceptions)}{unknown}{unpriced}; {_history_text(ledger)}.")


def unpriced_text(ledger: Ledger) -> str | None:
    """What billed without a price, so `billed` leaves it out (unknown, never $0); None when nothing did."""
    if not ledger.unpriced_most:
        return None
    return (f"not counted: up to {ledger.unpriced_most} billable endpoint(s) had no price (at {ledger.unpriced_runs} "
            f"of {len(ledger.runs)} run(s)), so what they billed is unknown, not $0")


def _notes(ledger: Ledger) -> list[str]:
    """What the figures leave out: unknown time, unpriced endpoints, a period that starts inside the folds."""
    notes = []
    unpriced = unpriced_text(ledger)
    if unpriced:
        notes.append(unpriced[0].upper() + unpriced[1:] + ".")
    hours = ledger.total.unknown_hours
    if hours >= 1 / 60:
        allowed = f" ({format_duration(ledger.allowance_seconds)})" if ledger.allowance_seconds else ""
        notes.append(f"{_hours_text(hours)} of this period are not counted: runs were further apart than `run_every` "
                     f"allows{allowed}, so what billed then is unknown.")
    if ledger.counted_from > ledger.since:
        notes.append(f"Older runs are kept as monthly totals only: this period is counted from "
                     f"{utc_text(ledger.counted_from)}.")
    return notes


def markdown_section(ledger: Ledger, *, heading: str = "##") -> list[str]:
    """The money section of the dashboard issue and the step summary: figures, per namespace, top spenders, the
    burn chart, the cumulative-saved chart and both as a table. Bounded whatever the history or the fleet."""
    m = ledger.total
    lines = [f"{heading} Money, {window_title(ledger)} (estimates)", ""]
    stopped = ""
    if ledger.stopped_now:
        noun = "endpoint" if ledger.stopped_now == 1 else "endpoints"
        stopped = (f" {ledger.stopped_now} {noun} stopped by the watchdog still stopped "
                   f"({md_money(ledger.stopped_usd_per_hour, '/h')}).")
    lines += [f"**{md_money(m.billed)} billed** · **{md_money(m.saved)} saved** (est.) · {md_money(m.exceptions)} on "
              f"exceptions — {_history_text(ledger)}.{stopped}", ""]
    lines += [line for note in _notes(ledger) for line in (note, "")]
    if ledger.namespaces:
        rows = [(f"`{ns.name}`", md_money(ns.money.billed), md_money(ns.money.saved), md_money(ns.money.exceptions),
                 _hours_text(ns.money.unknown_hours)) for ns in ledger.namespaces[:MAX_NAMESPACE_ROWS]]
        lines += table(("Namespace", "Billed", "Saved (est.)", "Exceptions", "Unknown"), rows)
        more = len(ledger.namespaces) - MAX_NAMESPACE_ROWS
        if more > 0:
            lines.append(f"\n_+{more} more namespaces; `watchdog report` lists them all._")
        lines.append("")
    if ledger.top_spenders:
        lines += ["Top spenders: " + " · ".join(f"`{s.key}` {md_money(s.billed)}" for s in ledger.top_spenders), ""]
    lines += charts(ledger)
    lines += [f"_{DEFINITIONS.replace('$', MD_DOLLAR)}_"]
    return lines


def charts(ledger: Ledger) -> list[str]:
    """Burn $/h over the last runs and cumulative saved over the window, plus the table fallback."""
    if not ledger.recent_burn:
        return []
    instants = [at for at, _ in ledger.recent_burn]
    lines = line_chart(f"Burn $/h at each run (last {CHART_POINTS} runs)", "$/h", point_labels(instants),
                       [burn for _, burn in ledger.recent_burn])
    saved_runs = ledger.runs[-CHART_POINTS:]  # the window ends now: these are among the recent runs
    saved_title = f"Saved, {window_title(ledger)}, cumulative (est.)"
    if saved_runs:
        lines += ["", *line_chart(saved_title, "$", point_labels([r.at for r in saved_runs]),
                                  [r.cumulative_saved for r in saved_runs])]
    saved_at = {r.at: r.cumulative_saved for r in saved_runs}
    rows = [(utc_text(at), md_money(burn, "/h"), md_money(saved_at[at]) if at in saved_at else "—")
            for at, burn in ledger.recent_burn]
    return lines + ["", *details_table("The charts as a table", ("Run", "Burn", f"Saved {window_title(ledger)} (est.)"),
                                        rows), ""]


def render_text(ledger: Ledger) -> str:
    """`watchdog report`: the figures, per namespace, top spenders and per month, as aligned columns."""
    m = ledger.total
    lines = [
        f"Ledger, {window_title(ledger)} ({utc_text(ledger.since)} to {utc_text(ledger.now)}); "
        "all figures are estimates",
        f"{_history_text(ledger)[:1].upper()}{_history_text(ledger)[1:]}; "
        f"last run {utc_text(ledger.last_run_at) if ledger.last_run_at else 'none'}; "
        f"{len(ledger.runs)} run(s) in this period.",
        "",
        f"  billed      {money(m.billed):>12}  burn $/h integrated between runs",
        f"  saved       {money(m.saved):>12}  estimate: $/h of what the watchdog stopped x hours it stayed stopped",
        f"  exceptions  {money(m.exceptions):>12}  billed while exempt or protected with violations",
    ]
    if m.unknown_hours >= 1 / 60:
        lines.append(f"  unknown     {_hours_text(m.unknown_hours):>12}  runs further apart than run_every allows: "
                     "not counted")
    if ledger.unpriced_most:
        lines.append(f"  unpriced    {ledger.unpriced_most:>12}  billable endpoint(s) with no price at "
                     f"{ledger.unpriced_runs} run(s): their cost is not in billed (unknown, not $0)")
    if ledger.counted_from > ledger.since:
        lines.append(f"  counted from {utc_text(ledger.counted_from)}: older runs are kept as monthly totals only")
    if ledger.stopped_now:
        lines.append(f"  stopped now {ledger.stopped_now:>12}  endpoint(s) still stopped by the watchdog, "
                     f"{money(ledger.stopped_usd_per_hour, '/h')}")
    if not ledger.month_to_date:
        mtd = ledger.month
        lines.append(f"  month to date: billed {money(mtd.billed)}, saved {money(mtd.saved)}, "
                     f"exceptions {money(mtd.exceptions)}")
    if ledger.namespaces:
        lines += ["", *_columns(("NAMESPACE", "BILLED", "SAVED", "EXCEPTIONS", "UNKNOWN"),
                                [(ns.name, *_money_cells(ns.money)) for ns in ledger.namespaces])]
    if ledger.top_spenders:
        lines += ["", *_columns(("TOP SPENDER", "BILLED"), [(s.key, money(s.billed)) for s in ledger.top_spenders])]
    if ledger.months:
        lines += ["", *_columns(("MONTH", "BILLED", "SAVED", "EXCEPTIONS", "UNKNOWN", "RUNS"),
                                [(line.month, *_money_cells(line.money), str(line.runs)) for line in ledger.months])]
    lines += ["", DEFINITIONS.replace("`", "")]
    return "\n".join(lines) + "\n"


def _money_cells(m: Money) -> tuple[str, str, str, str]:
    return money(m.billed), money(m.saved), money(m.exceptions), _hours_text(m.unknown_hours).replace("—", "-")


def _columns(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    out = []
    for row in [headers, *rows]:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(widths[i]) for i, cell in enumerate(row) if i]
        out.append("  ".join(cells).rstrip())
    return out


def render_markdown(ledger: Ledger) -> str:
    """`watchdog report --format markdown`: the dashboard's money section plus the months."""
    lines = markdown_section(ledger, heading="##")
    if ledger.months:
        lines += ["", "### Per month (UTC)", ""]
        lines += table(("Month", "Billed", "Saved (est.)", "Exceptions", "Unknown", "Runs"),
                       [(line.month, md_money(line.money.billed), md_money(line.money.saved),
                         md_money(line.money.exceptions), _hours_text(line.money.unknown_hours), str(line.runs))
                        for line in ledger.months])
    return "\n".join(lines) + "\n"


CSV_HEADERS = ("run_at", "command", "gap_hours", "counted", "burn_usd_per_hour", "burn_after_usd_per_hour",
               "billable", "paused", "scaled_to_zero", "failed", "billed_usd", "saved_usd_est", "exceptions_usd",
               "cumulative_billed_usd", "cumulative_saved_usd_est")


def run_row(r: RunLine) -> dict[str, Any]:
    """One run with the money of the time since the previous one (a CSV row, a JSON item)."""
    values = (format_timestamp(r.at), r.command, None if r.gap_hours is None else round(r.gap_hours, 2), r.counted,
              _usd(r.burn), _usd(r.burn_after), r.billable, r.paused, r.scaled_to_zero, r.failed, _usd(r.billed),
              _usd(r.saved), _usd(r.exceptions), _usd(r.cumulative_billed), _usd(r.cumulative_saved))
    return dict(zip(CSV_HEADERS, values, strict=True))


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def render_csv(ledger: Ledger) -> str:
    """One row per run in the period, for a spreadsheet; money is the time since the previous run."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADERS)
    for r in ledger.runs:
        writer.writerow([_csv_cell(v) for v in run_row(r).values()])
    return buffer.getvalue()


def _money_dict(m: Money) -> dict[str, Any]:
    return {"billed_usd": _usd(m.billed), "saved_usd": _usd(m.saved), "exceptions_usd": _usd(m.exceptions),
            "unknown_hours": round(m.unknown_hours, 2)}


def _iso(moment: datetime | None) -> str | None:
    return format_timestamp(moment)


def ledger_to_dict(ledger: Ledger, *, detail: bool = False) -> dict[str, Any]:
    """The JSON report's `ledger` section; `detail` adds the months and the runs (`watchdog report`)."""
    data: dict[str, Any] = {
        "since": _iso(ledger.since),
        "until": _iso(ledger.now),
        "month_to_date": ledger.month_to_date,
        "counted_from": _iso(ledger.counted_from),
        "history_since": _iso(ledger.history_since),
        "last_run_at": _iso(ledger.last_run_at),
        **_money_dict(ledger.total),
        "saved_is_estimate": True,
        "month": {"month": ledger.now.astimezone(UTC).strftime("%Y-%m"), **_money_dict(ledger.month)},
        "namespaces": [{"name": ns.name, **_money_dict(ns.money)} for ns in ledger.namespaces],
        "top_spenders": [{"endpoint": s.key, "billed_usd": _usd(s.billed)} for s in ledger.top_spenders],
        "stopped_now": {"endpoints": ledger.stopped_now, "usd_per_hour": _usd(ledger.stopped_usd_per_hour)},
        "unpriced": {"most_billable_endpoints": ledger.unpriced_most, "runs": ledger.unpriced_runs},
    }
    if detail:
        data["months"] = [{"month": line.month, "runs": line.runs, **_money_dict(line.money)} for line in ledger.months]
        data["runs"] = [run_row(r) for r in ledger.runs]
    return data
