"""Hand-built reports for the alert tests (events, renderers, delivery): realistic, small, explicit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from watchdog.model import (
    Decision,
    EndpointResult,
    EndpointSnapshot,
    Evaluation,
    Finding,
    NamespaceResult,
    Notice,
    Outcome,
    Report,
    RuleRef,
    UptimeSource,
)

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=timezone.utc)


def endpoint_result(
    name: str,
    namespace: str = "acme-ml",
    *,
    decision: Decision = Decision.PAUSE,
    outcome: Outcome = Outcome.PAUSED,
    state: str = "running",
    price: float | None = 2.5,
    up: timedelta | None = timedelta(hours=9, minutes=12),
    now: datetime = NOW,
    violations: tuple[Finding, ...] | None = None,
    warnings: tuple[Finding, ...] = (),
    notices: tuple[Notice, ...] = (),
    owner: str | None = "@alice",
    error: str | None = None,
    unmeasurable: str | None = None,
    rule: RuleRef = RuleRef(2, "mert-*"),
) -> EndpointResult:
    """One endpoint as a run saw it. By default: a $2.50/h A100 running 9h12m, paused for max_uptime."""
    running_since = now - up if up is not None else None
    snapshot = EndpointSnapshot(
        namespace=namespace,
        name=name,
        state=state,
        instance="aws-us-east-1-nvidia-a100-x1",
        price_per_replica_hour=price,
        ready_replicas=1,
        target_replicas=1,
        running_since=running_since,
        running_since_source=UptimeSource.REPLICA if running_since else UptimeSource.UNKNOWN,
        unmeasurable=unmeasurable,
    )
    if violations is None:
        violations = (
            (Finding("max_uptime", "8h", "9h12m", f'running 9h12m > max_uptime 8h (rule {rule.index} "{rule.match}")',
                     action="pause"),)
            if decision in (Decision.PAUSE, Decision.SCALE_TO_ZERO, Decision.NOTIFY)
            else ()
        )
    reason = violations[0].reason if violations else "within limits"
    evaluation = Evaluation(endpoint=snapshot, rule=rule, decision=decision, reason=reason, violations=violations,
                            warnings=warnings, notices=notices, owner=owner)
    return EndpointResult(evaluation=evaluation, outcome=outcome, error=error)


def kept(name: str, namespace: str = "acme-ml", **kw: object) -> EndpointResult:
    """A running endpoint within its limits."""
    return endpoint_result(name, namespace, decision=Decision.KEEP, outcome=Outcome.NONE, **kw)  # type: ignore[arg-type]


def make_report(
    *results: EndpointResult,
    namespaces: tuple[NamespaceResult, ...] | None = None,
    errors: tuple[str, ...] = (),
    notices: tuple[str, ...] = (),
    now: datetime = NOW,
    dry_run: bool = False,
) -> Report:
    """A run report; every namespace seen in `results` listed fine unless `namespaces` says otherwise."""
    if namespaces is None:
        names = sorted({r.endpoint.namespace for r in results} or {"acme-ml"})
        namespaces = tuple(
            NamespaceResult(n, True, endpoints=sum(1 for r in results if r.endpoint.namespace == n)) for n in names
        )
    extra = {"notices": list(notices)} if notices else {}
    return Report(generated_at=now, command="run", dry_run=dry_run, namespaces=namespaces, endpoints=results,
                  errors=errors, extra=extra)
