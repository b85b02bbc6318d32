"""The pure verdict: one policy, one endpoint snapshot, one instant → an Evaluation with its reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from watchdog.core.durations import format_duration
from watchdog.core.model import (
    KNOWN_STATES,
    Decision,
    EndpointSnapshot,
    Evaluation,
    Finding,
    Notice,
    RuleRef,
    UptimeSource,
)
from watchdog.core.policy import Effective, Policy, Rule

# Strongest first: when several limits break, the decision is the strongest of their actions.
_STRENGTH = {"pause": 3, "scale-to-zero": 2, "notify": 1}
_DECISION_FOR_ACTION = {"pause": Decision.PAUSE, "scale-to-zero": Decision.SCALE_TO_ZERO, "notify": Decision.NOTIFY}
# An exemption about to end is announced at least this early, even with a short or no warn_before.
EXEMPTION_NOTICE_MIN = timedelta(hours=72)


def _aware(moment: datetime | None) -> datetime | None:
    # Naive datetimes are taken as UTC (the API and the state file speak UTC): never let a mix raise.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _one_line(text: str) -> str:
    # Reasons are one line in every channel (tables, Slack sections); API messages may hold newlines.
    return " ".join(text.split()) or "no detail"


def _usd(amount: float) -> str:
    return f"${amount:,.2f}"


def _usd_limit(amount: float) -> str:
    # As people write limits: `$40`, `$12.50`.
    return f"${amount:,.0f}" if amount == int(amount) else f"${amount:,.2f}"


def rule_ref(rule: Rule | None) -> RuleRef:
    """RuleRef for reports: 1-based index and match text, or (0, "defaults")."""
    return RuleRef(rule.index, rule.match.text) if rule is not None else RuleRef(0, "defaults")


def _where(ref: RuleRef) -> str:
    return f'(rule {ref.index} "{ref.match}")' if ref.index else "(defaults)"


@dataclass
class _Collector:
    """Mutable scratch space for one evaluation; the result is frozen."""

    where: str
    violations: list[Finding]
    warnings: list[Finding]
    notices: list[Notice]
    idle_unknown_notify: bool = False
    # (seconds left, what) for the "within limits" reason: the nearest limit people may want to know about.
    nearest: list[tuple[float, str]] = field(default_factory=list)


def evaluate(policy: Policy, snapshot: EndpointSnapshot, now: datetime) -> Evaluation:
    """Decide what should happen to `snapshot` at `now` under `policy`. Never does I/O, never reads the clock."""
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    measured = replace(
        snapshot,
        running_since=_aware(snapshot.running_since),
        last_activity=_aware(snapshot.last_activity),
    )
    rule = policy.rule_for(snapshot)
    ref = rule_ref(rule)
    eff = policy.effective(rule)
    out = _Collector(_where(ref), [], [], [])

    def verdict(decision: Decision, reason: str) -> Evaluation:
        return Evaluation(endpoint=snapshot, rule=ref, decision=decision, reason=reason,
                          violations=tuple(out.violations), warnings=tuple(out.warnings),
                          notices=tuple(out.notices), owner=eff.owner)

    if snapshot.unmeasurable:
        # The endpoint JSON could not be understood: acting on a guess could pause the wrong thing.
        why = _one_line(snapshot.unmeasurable)
        out.notices.append(Notice("unmeasurable", f"{snapshot.key} could not be measured: {why}"))
        return verdict(Decision.NOTIFY, f"unmeasurable: {why}")
    if snapshot.state not in KNOWN_STATES:
        out.notices.append(Notice("unknown-state", f"{snapshot.key} is in state {snapshot.state!r}, unknown to the watchdog"))
        return verdict(Decision.NOTIFY, f"unknown state {snapshot.state!r}: not acted on")

    exempt = _exemption(policy, rule, eff, now, out)
    if measured.billable:
        _check_uptime(measured, eff, now, out)
        _check_idle(measured, eff, now, out)
        _check_schedule(eff, now, out)
        _check_cost(measured, eff, now, out)
    else:
        if snapshot.state == "scaledToZero":
            out.notices.append(Notice("quota-held", f"{snapshot.key} is scaled to zero: not billing, but it still "
                                                     "holds its GPU quota"))
    _check_config(measured, eff, out)

    top = _strongest(out.violations)
    if rule is not None and rule.protected:
        reason = f"protected, not acted on: {top.reason}" if top else f"protected {out.where}"
        return verdict(Decision.PROTECTED, reason)
    if exempt is not None:
        reason = f"exempt until {exempt}, not acted on: {top.reason}" if top else f"exempt until {exempt} {out.where}"
        return verdict(Decision.EXEMPT, reason)
    if top is not None:
        more = len(out.violations) - 1
        suffix = f" (+{more} more)" if more else ""
        return verdict(_DECISION_FOR_ACTION[top.action], top.reason + suffix)
    if not measured.billable:
        return verdict(Decision.KEEP, f"{snapshot.state}: not billing")
    if out.idle_unknown_notify:
        return verdict(Decision.NOTIFY, f"idle time unknown: max_idle {format_duration(eff.max_idle)} cannot be "
                                        f"checked {out.where}")
    if out.nearest:
        left, what = min(out.nearest)
        return verdict(Decision.KEEP, f"within limits (nearest: {what} in {format_duration(left)})")
    return verdict(Decision.KEEP, "within limits")


def evaluate_all(policy: Policy, snapshots: Iterable[EndpointSnapshot], now: datetime) -> tuple[Evaluation, ...]:
    """Evaluate every snapshot at the same instant, in the order given."""
    return tuple(evaluate(policy, snapshot, now) for snapshot in snapshots)


def _strongest(findings: list[Finding]) -> Finding | None:
    # max() keeps the first of equals, so the reason shown is the first strongest check in a fixed order.
    return max(findings, key=lambda f: _STRENGTH.get(f.action, 0)) if findings else None


def _exemption(policy: Policy, rule: Rule | None, eff: Effective, now: datetime, out: _Collector) -> str | None:
    """Text like `2026-12-15 (paper deadline)` while the rule's exemption applies, else None."""
    if rule is None or rule.exempt_until is None:
        return None
    end = policy.exemption_end(rule)
    assert end is not None  # exempt_until is set
    label = f"{rule.exempt_until.isoformat()} ({rule.reason})" if rule.reason else rule.exempt_until.isoformat()
    if now >= end:
        out.notices.append(Notice("exemption-expired", f"the exemption of rule {rule.index} ended with "
                                                       f"{rule.exempt_until.isoformat()}: its limits apply again; "
                                                       "remove exempt_until and reason"))
        return None
    left = end - now
    if left <= max(EXEMPTION_NOTICE_MIN, timedelta(seconds=eff.warn_before or 0)):
        out.notices.append(Notice("exemption-expiring", f"the exemption of rule {rule.index} ends in "
                                                        f"{format_duration(left.total_seconds())} (end of "
                                                        f"{rule.exempt_until.isoformat()}, {end.tzinfo}): {rule.reason}"))
    return label


def _weak_uptime(snapshot: EndpointSnapshot, eff: Effective) -> bool:
    # status.updatedAt also moves when someone edits the endpoint: alone it may not justify pausing.
    return snapshot.running_since_source is UptimeSource.UPDATED_AT and not eff.trust_updated_at


def _uptime_action(snapshot: EndpointSnapshot, eff: Effective, reason: str) -> tuple[str, str]:
    """The action for a limit measured on uptime: only notify when uptime rests on status.updatedAt alone."""
    if _weak_uptime(snapshot, eff):
        return "notify", reason + ", from status.updatedAt only"
    return eff.action, reason


def _warn(out: _Collector, eff: Effective, left: float, finding: Finding) -> None:
    if eff.warn_before is not None and 0 <= left <= eff.warn_before:
        out.warnings.append(finding)


def _check_uptime(snapshot: EndpointSnapshot, eff: Effective, now: datetime, out: _Collector) -> None:
    if eff.max_uptime is None:
        return
    limit = format_duration(eff.max_uptime)
    uptime = snapshot.uptime_seconds(now)
    if uptime is None:
        out.notices.append(Notice("uptime-unknown", f"{snapshot.key}: running since unknown, max_uptime {limit} "
                                                    "cannot be checked"))
        return
    observed = format_duration(uptime)
    if uptime > eff.max_uptime:
        action, reason = _uptime_action(snapshot, eff, f"running {observed} > max_uptime {limit} {out.where}")
        if _weak_uptime(snapshot, eff):
            out.notices.append(Notice("uptime-weak", f"{snapshot.key}: uptime is known only from status.updatedAt, "
                                                     "so it is reported, not acted on (trust_updated_at: true allows it)"))
        out.violations.append(Finding("max_uptime", limit, observed, reason, action))
        return
    left = eff.max_uptime - uptime
    out.nearest.append((left, f"max_uptime {limit}"))
    _warn(out, eff, left, Finding("max_uptime", limit, observed,
                                  f"running {observed}, max_uptime {limit} reached in {format_duration(left)} {out.where}"))


def _check_idle(snapshot: EndpointSnapshot, eff: Effective, now: datetime, out: _Collector) -> None:
    if eff.max_idle is None:
        return
    limit = format_duration(eff.max_idle)
    idle = snapshot.idle_seconds(now)
    if idle is None:
        if eff.on_unknown_idle == "pause":
            out.violations.append(Finding("max_idle", limit, "unknown",
                                          f"idle time unknown and on_unknown_idle is pause {out.where}", "pause"))
        elif eff.on_unknown_idle == "notify":
            out.idle_unknown_notify = True
            out.notices.append(Notice("idle-unknown", f"{snapshot.key}: no idle signal (no lastUsedAt, no metrics "
                                                      f"yet), max_idle {limit} cannot be checked"))
        return
    uptime = snapshot.uptime_seconds(now)
    if uptime is not None:
        # A request from before the current stretch says nothing about it: idle can't exceed the uptime,
        # or an endpoint resumed a minute ago would be paused for last month's silence.
        idle = min(idle, uptime)
    observed = format_duration(idle)
    if idle > eff.max_idle:
        out.violations.append(Finding("max_idle", limit, observed, f"idle {observed} > max_idle {limit} {out.where}",
                                      eff.action))
        return
    left = eff.max_idle - idle
    out.nearest.append((left, f"max_idle {limit}"))
    _warn(out, eff, left, Finding("max_idle", limit, observed,
                                  f"idle {observed}, max_idle {limit} reached in {format_duration(left)} {out.where}"))


def _check_schedule(eff: Effective, now: datetime, out: _Collector) -> None:
    schedule = eff.schedule
    if schedule is None:
        return
    local = schedule.local_time_text(now)
    if not schedule.is_active(now):
        out.violations.append(Finding("schedule", schedule.text, local,
                                      f"billing outside schedule {schedule.text} (now {local}) {out.where}",
                                      eff.action))
        return
    end = schedule.window_end(now)
    if end is None:
        return
    left = (end - now).total_seconds()
    out.nearest.append((left, "schedule window end"))
    _warn(out, eff, left, Finding("schedule", schedule.text, local,
                                  f"schedule {schedule.text} window ends in {format_duration(left)} {out.where}"))


def _check_cost(snapshot: EndpointSnapshot, eff: Effective, now: datetime, out: _Collector) -> None:
    if eff.max_cost is None:
        return
    limit = _usd_limit(eff.max_cost)
    cost = snapshot.stretch_cost_usd(now)
    rate = snapshot.hourly_usd
    if cost is None or rate is None:
        missing = "price" if rate is None else "uptime"
        out.notices.append(Notice("cost-unknown", f"{snapshot.key}: {missing} unknown, max_cost {limit} cannot be "
                                                  "checked"))
        return
    observed = _usd(cost)
    if cost > eff.max_cost:
        action, reason = _uptime_action(snapshot, eff, f"stretch cost {observed} > max_cost {limit} {out.where}")
        out.violations.append(Finding("max_cost", limit, observed, reason, action))
        return
    if rate <= 0:
        return
    left = (eff.max_cost - cost) / rate * 3600
    out.nearest.append((left, f"max_cost {limit}"))
    _warn(out, eff, left, Finding("max_cost", limit, observed,
                                  f"stretch cost {observed}, max_cost {limit} reached in {format_duration(left)} at "
                                  f"{_usd(rate)}/h {out.where}"))


def _check_config(snapshot: EndpointSnapshot, eff: Effective, out: _Collector) -> None:
    # Config hygiene nags by default; it acts only when the rule itself names an action, and only on an
    # endpoint that is billing (pausing a paused endpoint for its autoscaling settings would do nothing).
    action = eff.config_action if snapshot.billable else "notify"
    if eff.max_replicas is not None and snapshot.max_replicas is not None and snapshot.max_replicas > eff.max_replicas:
        out.violations.append(Finding(
            "max_replicas", str(eff.max_replicas), str(snapshot.max_replicas),
            f"autoscaling up to {snapshot.max_replicas} replicas > max_replicas {eff.max_replicas} {out.where}", action))
    if eff.require_scale_to_zero and snapshot.min_replicas is not None:
        if snapshot.min_replicas != 0:
            why = f"min_replicas {snapshot.min_replicas}"
        elif snapshot.scale_to_zero_timeout_minutes is None:
            why = "no scale-to-zero timeout"
        else:
            return
        out.violations.append(Finding("require_scale_to_zero", "true", why,
                                      f"scale-to-zero not enabled ({why}) but require_scale_to_zero {out.where}", action))
