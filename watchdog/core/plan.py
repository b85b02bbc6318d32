"""`watchdog plan`: evaluate the same endpoints under the old and the new policy and show what changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from watchdog.core.durations import format_duration
from watchdog.core.evaluate import evaluate, rule_ref
from watchdog.core.model import EndpointSnapshot, Evaluation
from watchdog.core.policy import Policy


@dataclass(frozen=True)
class EffectiveLimits:
    """What one policy applies to one endpoint, as people read it (`8h`, `$40`, `mon-fri 08:00-19:00 UTC`)."""

    rule: str  # `rule 2 "mert-*"` or `defaults`
    protected: bool
    action: str
    max_uptime: str | None
    max_idle: str | None
    on_unknown_idle: str
    warn_before: str | None
    schedule: str | None
    max_cost: str | None
    max_replicas: int | None
    require_scale_to_zero: bool
    trust_updated_at: bool
    exempt_until: str | None
    owner: str | None

    def changes_from(self, old: EffectiveLimits) -> tuple[str, ...]:
        """`max_uptime 8h → 4h` for each field that differs, in a fixed order."""
        out = []
        for f in fields(self):
            before, after = getattr(old, f.name), getattr(self, f.name)
            if before != after:
                label = "" if f.name == "rule" else f"{f.name} "
                out.append(f"{label}{_show(before)} → {_show(after)}")
        return tuple(out)


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def effective_limits(policy: Policy, snapshot: EndpointSnapshot) -> EffectiveLimits:
    """The limits `policy` applies to `snapshot` after first-match and `defaults` merging."""
    rule = policy.rule_for(snapshot)
    ref = rule_ref(rule)
    eff = policy.effective(rule)
    cost = None
    if eff.max_cost is not None:
        cost = f"${eff.max_cost:,.0f}" if eff.max_cost == int(eff.max_cost) else f"${eff.max_cost:,.2f}"
    return EffectiveLimits(
        rule=f'rule {ref.index} "{ref.match}"' if ref.index else "defaults",
        protected=bool(rule and rule.protected),
        action=eff.action,
        max_uptime=format_duration(eff.max_uptime) if eff.max_uptime else None,
        max_idle=format_duration(eff.max_idle) if eff.max_idle else None,
        on_unknown_idle=eff.on_unknown_idle,
        warn_before=format_duration(eff.warn_before) if eff.warn_before else None,
        schedule=eff.schedule.text if eff.schedule else None,
        max_cost=cost,
        max_replicas=eff.max_replicas,
        require_scale_to_zero=eff.require_scale_to_zero,
        trust_updated_at=eff.trust_updated_at,
        exempt_until=rule.exempt_until.isoformat() if rule and rule.exempt_until else None,
        owner=eff.owner,
    )


@dataclass(frozen=True)
class EndpointChange:
    """One endpoint whose decision or effective limits differ between the two policies."""

    key: str  # namespace/name
    old: Evaluation
    new: Evaluation
    old_limits: EffectiveLimits
    new_limits: EffectiveLimits
    limit_changes: tuple[str, ...]  # `max_uptime 8h → 4h`, ...

    @property
    def decision_changed(self) -> bool:
        return self.old.decision is not self.new.decision


@dataclass(frozen=True)
class PlanDiff:
    """The effect of a policy change on a set of endpoints at one instant."""

    now: datetime
    endpoints: int  # how many endpoints were evaluated
    changes: tuple[EndpointChange, ...]
    policy_changes: tuple[str, ...] = ()  # top-level settings: namespaces, notify, max_actions_per_run, ...


def _policy_changes(old: Policy, new: Policy) -> tuple[str, ...]:
    pairs = (
        ("namespaces", ", ".join(old.namespaces) or "none", ", ".join(new.namespaces) or "none"),
        ("timezone", old.timezone, new.timezone),
        ("max_actions_per_run", old.max_actions_per_run, new.max_actions_per_run),
        ("run_every", format_duration(old.run_every_seconds), format_duration(new.run_every_seconds)),
        ("notify.slack", _notify(old.notify.slack), _notify(new.notify.slack)),
        ("notify.github_issue", _notify(old.notify.github_issue), _notify(new.notify.github_issue)),
    )
    return tuple(f"{name} {a} → {b}" for name, a, b in pairs if a != b)


def _notify(value: bool | None) -> str:
    return "when its secret is set" if value is None else _show(value)


def plan_diff(old: Policy, new: Policy, snapshots: Iterable[EndpointSnapshot], now: datetime) -> PlanDiff:
    """Evaluate every snapshot under both policies at `now`; keep the endpoints whose decision or limits change."""
    snaps = tuple(snapshots)
    changes = []
    for snapshot in snaps:
        before, after = evaluate(old, snapshot, now), evaluate(new, snapshot, now)
        old_limits, new_limits = effective_limits(old, snapshot), effective_limits(new, snapshot)
        limit_changes = new_limits.changes_from(old_limits)
        if before.decision is after.decision and not limit_changes:
            continue
        changes.append(EndpointChange(snapshot.key, before, after, old_limits, new_limits, limit_changes))
    changes.sort(key=lambda c: c.key)
    return PlanDiff(now=now, endpoints=len(snaps), changes=tuple(changes), policy_changes=_policy_changes(old, new))


def _cell(text: str) -> str:
    # Policy text and endpoint names shown literally in a Markdown table cell (one line, `|` escaped too).
    from watchdog.core.render.escape import md_text

    return md_text(text)


def render_plan_markdown(diff: PlanDiff, old_source: str, new_source: str) -> str:
    """Markdown for a pull request: only the endpoints that change, with the reason before and after."""
    from watchdog.core.render.escape import md_code, md_reason, md_rule

    when = diff.now.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    def what_changes(change: EndpointChange) -> str:
        # A changed rule shows each rule's glob as code, like the reasons do.
        old_rule, new_rule = change.old_limits.rule, change.new_limits.rule
        parts = []
        for text in change.limit_changes:
            if old_rule != new_rule and text == f"{old_rule} → {new_rule}":
                refs = (change.old.rule, change.new.rule)
                parts.append(" → ".join("rule " + md_rule(r, table=True) if r.index else "defaults" for r in refs))
            else:
                parts.append(_cell(text))
        return "; ".join(parts) or "decision only"

    lines = [
        "### Policy plan",
        "",
        f"{md_code(old_source)} → {md_code(new_source)}, {diff.endpoints} endpoint{'s' if diff.endpoints != 1 else ''} "
        f"evaluated as of {when}.",
        "",
    ]
    if diff.policy_changes:
        lines += ["Policy settings: " + "; ".join(_cell(c) for c in diff.policy_changes) + ".", ""]
    if not diff.changes:
        lines.append("No endpoint changes: every endpoint keeps its decision and its limits.")
        return "\n".join(lines) + "\n"
    count = len(diff.changes)
    lines += [
        f"**{count} endpoint{'s' if count != 1 else ''} change{'' if count != 1 else 's'}:**",
        "",
        "| endpoint | decision | what changes | reason before | reason after |",
        "|---|---|---|---|---|",
    ]
    for change in diff.changes:
        old_d, new_d = change.old.decision.value, change.new.decision.value
        decision = f"{old_d} → **{new_d}**" if change.decision_changed else f"{new_d} (unchanged)"
        lines.append(
            f"| {md_code(change.key, table=True)} | {decision} | {what_changes(change)} "
            f"| {md_reason(change.old.reason, change.old.rule, table=True)} "
            f"| {md_reason(change.new.reason, change.new.rule, table=True)} |"
        )
    return "\n".join(lines) + "\n"
