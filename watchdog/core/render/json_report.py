"""The JSON report of spec §6, and the way back from a saved report to endpoint snapshots (for `plan`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from watchdog.core.durations import format_duration
from watchdog.core.idle_coverage import idle_coverage
from watchdog.core.model import (
    EndpointResult,
    EndpointSnapshot,
    IdleSource,
    Outcome,
    Report,
    ScalingConfig,
    UptimeSource,
)
from watchdog.core.render.ledger import ledger_to_dict
from watchdog.core.stretch_cost import ReplicaSample, remembered_samples, samples_memory
from watchdog.core.timestamps import format_timestamp, parse_timestamp

REPORT_VERSION = 1


def summary(report: Report) -> dict[str, Any]:
    """Counts and money: what is burning now and what this run's actions save per hour."""
    results = report.endpoints
    billable = [r for r in results if r.endpoint.billable]
    acted = [r for r in results if r.outcome in (Outcome.PAUSED, Outcome.SCALED_TO_ZERO)]
    would = [r for r in results if r.outcome in (Outcome.WOULD_PAUSE, Outcome.WOULD_SCALE_TO_ZERO)]
    coverage = idle_coverage(r.endpoint for r in results)
    return {
        "endpoints": len(results),
        "billable": len(billable),
        "violations": sum(1 for r in results if r.evaluation.violations),
        "paused": sum(1 for r in results if r.outcome is Outcome.PAUSED),
        "scaled_to_zero": sum(1 for r in results if r.outcome is Outcome.SCALED_TO_ZERO),
        "would_act": len(would),
        "failed": sum(1 for r in results if r.outcome is Outcome.FAILED),
        "unmeasurable": sum(1 for r in results if r.endpoint.unmeasurable),
        "burn_usd_per_hour": round(sum(r.endpoint.hourly_usd or 0.0 for r in billable), 2),
        "saved_usd_per_hour": round(sum(r.endpoint.hourly_usd or 0.0 for r in acted), 2),
        "would_save_usd_per_hour": round(sum(r.endpoint.hourly_usd or 0.0 for r in would), 2),
        "unpriced_billable": report.unpriced_billable,
        # fix_config: scaling settings corrected through the API (they stop no billing now: no saving counted).
        "reconfigured": sum(1 for r in results if r.outcome is Outcome.RECONFIGURED),
        "would_reconfigure": sum(1 for r in results if r.outcome is Outcome.WOULD_RECONFIGURE),
        # Billable endpoints by idle source, and the namespaces where none of them has an idle signal.
        "idle_known": coverage.as_dict(),
        "namespaces_without_idle_signal": list(coverage.namespaces_without_signal),
    }


def _scaling(config: ScalingConfig | None) -> dict[str, Any] | None:
    return asdict(config) if config is not None else None


def endpoint_to_dict(result: EndpointResult, report: Report) -> dict[str, Any]:
    """One endpoint line of the report: the spec's fields first, then what `plan --from-report` needs."""
    ev = result.evaluation
    ep = ev.endpoint
    now = report.generated_at
    stretch = ep.stretch_cost(now)
    return {
        "namespace": ep.namespace,
        "name": ep.name,
        "state": ep.state,
        "instance": ep.instance,
        "replicas": ep.billed_replicas,
        "hourly_usd": ep.hourly_usd,
        "running_since": format_timestamp(ep.running_since),
        "running_since_source": ep.running_since_source.value,
        "uptime_seconds": ep.uptime_seconds(now),
        "last_activity": format_timestamp(ep.last_activity),
        "last_activity_source": ep.last_activity_source.value,
        "idle_seconds": ep.idle_seconds(now) if ep.billable else None,
        "rule": {"index": ev.rule.index, "match": ev.rule.match},
        "violations": [_finding(f) for f in ev.violations],
        "warnings": [_finding(f) for f in ev.warnings],
        "decision": ev.decision.value,
        "reason": ev.reason,
        "outcome": result.outcome.value,
        "error": result.error,
        # Extra fields: people read them, and `plan --from-report` rebuilds snapshots from them.
        "uptime": format_duration(ep.uptime_seconds(now)) if ep.billable else None,
        "idle": format_duration(ep.idle_seconds(now)) if ep.billable and ep.idle_seconds(now) is not None else None,
        "last_activity_evidence": ep.last_activity_evidence,
        "no_request_since": format_timestamp(ep.no_request_since),
        "idle_is_lower_bound": ep.idle_is_lower_bound,
        "stretch_cost_usd": stretch.usd if stretch else None,
        "stretch_cost_is_lower_bound": stretch is not None and not stretch.exact,
        "replica_samples": samples_memory(ep.replica_samples, ReplicaSample(now, ep.billed_replicas, ep.min_replicas))
        if ep.billable and ep.running_since is not None else [],
        "unreadable_match_fields": list(ep.unreadable_match_fields),
        "price_per_replica_hour": ep.price_per_replica_hour,
        "owner": ev.owner,
        "notices": [{"kind": n.kind, "message": n.message} for n in ev.notices],
        "measurement_notes": list(ep.measurement_notes),
        "tolerated": list(ep.tolerated),
        "unmeasurable": ep.unmeasurable,
        "url": ep.url,
        "repository": ep.repository,
        "revision": ep.revision,
        "task": ep.task,
        "instance_type": ep.instance_type,
        "vendor": ep.vendor,
        "region": ep.region,
        "tags": list(ep.tags),
        "min_replicas": ep.min_replicas,
        "max_replicas": ep.max_replicas,
        "scale_to_zero_timeout_minutes": ep.scale_to_zero_timeout_minutes,
        "ready_replicas": ep.ready_replicas,
        "target_replicas": ep.target_replicas,
        "created_at": format_timestamp(ep.created_at),
        "updated_at": format_timestamp(ep.updated_at),
        "holds_gpu_quota": ep.state == "scaledToZero" or ep.billable,
        # The scaling settings as listed, and (decision reconfigure) what this run set, would set or tried to set,
        # with the command that restores the old values.
        "config_before": _scaling(ep.scaling),
        "config_after": _scaling(ev.reconfiguration.after if ev.reconfiguration else None),
        "config_undo": ev.reconfiguration.undo if ev.reconfiguration else None,
        "config_undo_note": ev.reconfiguration.undo_note if ev.reconfiguration else None,
    }


def _finding(finding: Any) -> dict[str, Any]:
    return {
        "check": finding.check,
        "limit": finding.limit,
        "observed": finding.observed,
        "reason": finding.reason,
        "action": finding.action,
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """The whole report as JSON-able data (spec §6 field names)."""
    data: dict[str, Any] = {
        "version": REPORT_VERSION,
        "generated_at": format_timestamp(report.generated_at),
        "command": report.command,
        "dry_run": report.dry_run,
        "namespaces": [
            {"name": ns.name, "ok": ns.ok, "error": ns.error, "endpoints": ns.endpoints, "warnings": list(ns.warnings)}
            for ns in report.namespaces
        ],
        "endpoints": [endpoint_to_dict(r, report) for r in report.endpoints],
        "summary": summary(report),
        "alerts": [
            {"channel": a.channel, "status": a.status, "error": a.error, "detail": a.detail} for a in report.alerts
        ],
        "errors": list(report.errors),
        "ok": not report.failed,
    }
    if report.notices:
        data["notices"] = list(report.notices)
    if report.ledger is not None:
        data["ledger"] = ledger_to_dict(report.ledger)
    return data


def snapshots_from_report(data: Mapping[str, Any]) -> tuple[EndpointSnapshot, ...]:
    """Rebuild endpoint snapshots from a saved report, so `plan` runs with no token and no network."""
    snapshots = []
    for item in data.get("endpoints") or []:
        if not isinstance(item, Mapping):
            continue
        snapshots.append(
            EndpointSnapshot(
                namespace=str(item.get("namespace")),
                name=str(item.get("name")),
                state=str(item.get("state")),
                repository=item.get("repository"),
                revision=item.get("revision"),
                task=item.get("task"),
                url=item.get("url"),
                instance=item.get("instance"),
                instance_type=item.get("instance_type"),
                vendor=item.get("vendor"),
                region=item.get("region"),
                tags=tuple(item.get("tags") or ()),
                min_replicas=item.get("min_replicas"),
                max_replicas=item.get("max_replicas"),
                scale_to_zero_timeout_minutes=item.get("scale_to_zero_timeout_minutes"),
                ready_replicas=item.get("ready_replicas"),
                target_replicas=item.get("target_replicas"),
                price_per_replica_hour=item.get("price_per_replica_hour"),
                created_at=parse_timestamp(item.get("created_at")),
                updated_at=parse_timestamp(item.get("updated_at")),
                running_since=parse_timestamp(item.get("running_since")),
                running_since_source=_enum(UptimeSource, item.get("running_since_source"), UptimeSource.UNKNOWN),
                last_activity=parse_timestamp(item.get("last_activity")),
                last_activity_source=_enum(IdleSource, item.get("last_activity_source"), IdleSource.UNKNOWN),
                last_activity_evidence=item.get("last_activity_evidence"),
                no_request_since=parse_timestamp(item.get("no_request_since")),
                measurement_notes=tuple(item.get("measurement_notes") or ()),
                tolerated=tuple(item.get("tolerated") or ()),
                unmeasurable=item.get("unmeasurable"),
                unreadable_match_fields=tuple(str(f) for f in item.get("unreadable_match_fields") or ()),
                # The last sample is the report's own instant: a `plan` at that instant drops it and prices alike.
                replica_samples=remembered_samples(item.get("replica_samples"),
                                                   parse_timestamp(item.get("running_since"))),
            )
        )
    return tuple(snapshots)


def _enum(kind: Any, value: Any, default: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return default

