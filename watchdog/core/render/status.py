"""`watchdog status`: a detailed card per endpoint, with measurement sources and what the policy would do."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from watchdog.core.durations import format_duration
from watchdog.core.model import EndpointSnapshot, Evaluation
from watchdog.core.render.escape import one_line
from watchdog.core.timestamps import format_timestamp


def _replicas(ep: EndpointSnapshot) -> str:
    low = "?" if ep.min_replicas is None else str(ep.min_replicas)
    high = "?" if ep.max_replicas is None else str(ep.max_replicas)
    ready = "?" if ep.ready_replicas is None else str(ep.ready_replicas)
    timeout = (f", scale to zero after {ep.scale_to_zero_timeout_minutes} min idle"
               if ep.scale_to_zero_timeout_minutes else "")
    return f"{ready} ready, min {low} – max {high}{timeout}"


def _card(ep: EndpointSnapshot, ev: Evaluation | None, now: datetime) -> list[str]:
    rate = ep.hourly_usd
    price = "unknown" if rate is None else f"${rate:.2f}/h"
    if ep.price_per_replica_hour is not None and ep.billable:
        price += f" (${ep.price_per_replica_hour:.2f} per replica-hour × {ep.billed_replicas})"
    lines = [
        f"{ep.key}",
        f"  state      {ep.state}" + (f" — {one_line(ep.message)}" if ep.message else ""),
    ]
    if ep.state == "running" and ep.url:
        lines.append(f"  url        {ep.url}")
    lines += [
        f"  model      {ep.repository or '?'}" + (f" ({ep.task})" if ep.task else ""),
        f"  instance   {ep.instance or '?'}",
        f"  replicas   {_replicas(ep)}",
        f"  cost       {price}",
    ]
    if ep.billable:
        stretch = ep.stretch_cost(now)
        so_far = "" if stretch is None else f", {'' if stretch.exact else 'at least '}${stretch.usd:.2f} so far"
        lines.append(
            f"  uptime     {format_duration(ep.uptime_seconds(now))} since {format_timestamp(ep.running_since) or '?'} "
            f"(source: {ep.running_since_source.value})" + so_far
        )
        seconds = ep.idle_seconds(now)
        idle = ("unknown" if seconds is None
                else ("at least " if ep.idle_is_lower_bound else "") + format_duration(seconds))
        evidence = f": {ep.last_activity_evidence}" if ep.last_activity_evidence else ""
        lines.append(f"  idle       {idle} (source: {ep.last_activity_source.value}{evidence})")
    if ep.state == "scaledToZero":
        lines.append("  note       scaled to zero still holds GPU quota; pause it to free the quota")
    for note in ep.measurement_notes:
        lines.append(f"  measured   {one_line(note)}")
    for note in ep.tolerated:
        lines.append(f"  tolerated  {one_line(note)}")
    if ep.unmeasurable:
        lines.append(f"  PROBLEM    {one_line(ep.unmeasurable)}")
    if ev is None:
        lines.append("  policy     (no policy file)")
    else:
        lines.append(f"  policy     rule {ev.rule.index} \"{ev.rule.match}\" → {ev.decision.value}: {ev.reason}")
        if ev.reconfiguration is not None:
            change = ev.reconfiguration
            note = f" ({one_line(change.undo_note)})" if change.undo_note else ""
            lines.append(f"  fix        {one_line(change.changes)}; undo: {change.undo}{note}")
        # The decision's reason already names every broken limit: list only what it does not say.
        for finding in ev.warnings:
            lines.append(f"             - {finding.reason}")
        for notice in ev.notices:
            lines.append(f"             - {notice.message}")
    return lines


def render_status(
    snapshots: Sequence[EndpointSnapshot],
    evaluations: Sequence[Evaluation] | None,
    now: datetime,
    fmt: str = "text",
) -> str:
    """Text cards, or JSON (the report's endpoint fields) with `--format json`."""
    by_key = {ev.endpoint.key: ev for ev in evaluations or ()}
    if fmt == "json":
        from watchdog.core.model import EndpointResult, Report
        from watchdog.core.render.json_report import endpoint_to_dict

        report = Report(generated_at=now, command="status", dry_run=True, namespaces=(), endpoints=())
        items = []
        for ep in snapshots:
            ev = by_key.get(ep.key)
            if ev is not None:
                items.append(endpoint_to_dict(EndpointResult(ev), report))
            else:
                items.append({"namespace": ep.namespace, "name": ep.name, "state": ep.state, "url": ep.url})
        return json.dumps(items, indent=2)
    if not snapshots:
        return "no endpoints found"
    blocks = ["\n".join(_card(ep, by_key.get(ep.key), now)) for ep in snapshots]
    return "\n\n".join(blocks)
