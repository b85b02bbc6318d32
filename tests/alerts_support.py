"""Hand-built reports for the alert tests (events, renderers, delivery): realistic, small, explicit."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from tests.paths import GOLDEN
from watchdog.core.model import (
    Action,
    Decision,
    EndpointResult,
    EndpointSnapshot,
    Evaluation,
    Finding,
    NamespaceResult,
    Notice,
    NoticeKind,
    Outcome,
    Report,
    RuleRef,
    UptimeSource,
)
from watchdog.core.rules import Check

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
MERT_RULE = RuleRef(2, "mert-*")  # the rule endpoint_result's endpoints match unless told otherwise


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
    rule: RuleRef = MERT_RULE,
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
            (Finding(Check.MAX_UPTIME, "8h", "9h12m",
                     f'running 9h12m > max_uptime 8h (rule {rule.index} "{rule.match}")', action=Action.PAUSE),)
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
    return Report(generated_at=now, command="run", dry_run=dry_run, namespaces=namespaces, endpoints=results,
                  errors=errors, notices=tuple(notices))


def sample_report(*, dry_run: bool = False) -> Report:
    """One of everything the alerts speak about, for the golden files."""
    paused_outcome = Outcome.WOULD_PAUSE if dry_run else Outcome.PAUSED
    scaled_outcome = Outcome.WOULD_SCALE_TO_ZERO if dry_run else Outcome.SCALED_TO_ZERO
    return make_report(
        endpoint_result("mert-spike6", outcome=paused_outcome, price=2.5),
        endpoint_result(
            "bench-llama", decision=Decision.SCALE_TO_ZERO, outcome=scaled_outcome, price=1.0, owner="U024BE7LH",
            rule=RuleRef(3, "{tag: benchmark}"), up=timedelta(hours=41),
            violations=(Finding(Check.MAX_COST, "40", "$41.00",
                                'stretch cost $41.00 > max_cost $40 (rule 3 "{tag: benchmark}")',
                                action=Action.SCALE_TO_ZERO),),
        ),
        endpoint_result("mert-stuck", outcome=Outcome.FAILED, error="pause answered HTTP 500 after 4 attempts"),
        endpoint_result("demo-notify", decision=Decision.NOTIFY, outcome=Outcome.NOTIFIED, owner=None, price=0.8,
                        rule=RuleRef(0, "defaults"),
                        violations=(Finding(Check.MAX_IDLE, "2h", "3h05m", "idle 3h05m > max_idle 2h (defaults)"),)),
        endpoint_result("mert-eval", decision=Decision.KEEP, outcome=Outcome.NONE, up=timedelta(hours=3), price=1.0,
                        warnings=(Finding(Check.MAX_UPTIME, "4h", "3h",
                                          'running 3h, max_uptime 4h (rule 2 "mert-*") in 1h'),)),
        endpoint_result("paper-run", decision=Decision.EXEMPT, outcome=Outcome.NONE, owner="@carol",
                        notices=(Notice(NoticeKind.EXEMPTION_EXPIRING,
                                        'exempt until 2026-11-24 ("paper deadline"), then max_uptime 12h applies'),)),
        endpoint_result("chat-proto", decision=Decision.KEEP, outcome=Outcome.NONE, up=timedelta(minutes=50), price=0.5,
                        notices=(Notice(NoticeKind.IDLE_UNKNOWN,
                                        "no lastUsedAt nor request metrics: idle time unknown "
                                        "(on_unknown_idle: notify)"),)),
        endpoint_result("prod-api", decision=Decision.PROTECTED, outcome=Outcome.NONE, price=4.0, up=timedelta(days=12),
                        owner="@platform | oncall", rule=RuleRef(1, "prod-*")),
        endpoint_result("old-paused", state="paused", decision=Decision.KEEP, outcome=Outcome.NONE, up=None),
        namespaces=(NamespaceResult("acme-ml", True, endpoints=9),
                    NamespaceResult("bob", False, "403 Forbidden: token lacks Manage Inference Endpoints")),
        notices=("the last successful run was 3 days ago (run_every 24h): is the schedule disabled?",),
        dry_run=dry_run,
    )


GOLDEN_DIR = GOLDEN
UPDATE_ENV = "WATCHDOG_UPDATE_GOLDEN"


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; `WATCHDOG_UPDATE_GOLDEN=1 pytest ...` rewrites the file instead."""
    path = GOLDEN_DIR / name
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from the golden file; run with {UPDATE_ENV}=1 to accept"
