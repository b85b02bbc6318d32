"""`watchdog plan`: evaluate the same endpoints under the old and the new policy and show what changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from watchdog.core.durations import format_duration
from watchdog.core.evaluate import evaluate, rule_ref
from watchdog.core.model import Decision, EndpointSnapshot, Evaluation
from watchdog.core.policy import Policy
from watchdog.core.render.escape import md_code, md_reason, md_rule, md_text
from watchdog.core.rules import REGISTRY


@dataclass(frozen=True)
class EffectiveLimits:
    """What one policy applies to one endpoint, as people read it (`8h`, `$40`, `mon-fri 08:00-19:00 UTC`)."""

    rule: str  # `rule 2 "mert-*"` or `defaults`
    protected: bool
    exempt_until: str | None
    settings: tuple[tuple[str, str | None], ...]  # (rule key, shown value) in registry order

    def __getitem__(self, key: str) -> str | None:
        return dict(self.settings)[key]

    def changes_from(self, old: EffectiveLimits) -> tuple[str, ...]:
        """`max_uptime 8h → 4h` for each setting that differs, in a fixed order."""
        pairs: list[tuple[str, str | None, str | None]] = [("", old.rule, self.rule),
                                                           ("protected ", _show(old.protected), _show(self.protected))]
        pairs += [(f"{key} ", before, after)
                  for (key, before), (_, after) in zip(old.settings, self.settings, strict=True)]
        pairs.append(("exempt_until ", old.exempt_until, self.exempt_until))
        return tuple(f"{label}{_show(before)} → {_show(after)}" for label, before, after in pairs if before != after)


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
    return EffectiveLimits(
        rule=f'rule {ref.index} "{ref.match}"' if ref.index else "defaults",
        protected=bool(rule and rule.protected),
        exempt_until=rule.exempt_until.isoformat() if rule and rule.exempt_until else None,
        settings=tuple((s.key, s.shown(eff[s.key], eff.written.get(s.key))) for s in REGISTRY.settings),
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
    return md_text(text)


def _what_changes(change: EndpointChange) -> str:
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


def _table(changes: list[EndpointChange]) -> list[str]:
    rows = ["| endpoint | decision | what changes | reason before | reason after |", "|---|---|---|---|---|"]
    for change in changes:
        old_d, new_d = change.old.decision.value, change.new.decision.value
        decision = f"{old_d} → **{new_d}**" if change.decision_changed else f"{new_d} (unchanged)"
        rows.append(f"| {md_code(change.key, table=True)} | {decision} | {_what_changes(change)} "
                    f"| {md_reason(change.old.reason, change.old.rule, table=True)} "
                    f"| {md_reason(change.new.reason, change.new.rule, table=True)} |")
    return rows


def _endpoints(count: int) -> str:
    return f"{count} endpoint{'s' if count != 1 else ''}"


# Endpoints named on the one line about endpoints that are not billing; the rest are counted.
NOT_BILLING_SHOWN = 10


def render_plan_markdown(diff: PlanDiff, old_source: str, new_source: str) -> str:
    """Markdown for a pull request: the endpoints whose decision changes, then those that keep their decision but
    get different limits; endpoints that are not billing now are only named (a limit change means nothing to them
    until they run again)."""
    when = diff.now.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "### Policy plan",
        "",
        f"{md_code(old_source)} → {md_code(new_source)}, {_endpoints(diff.endpoints)} evaluated as of {when}.",
        "",
    ]
    if diff.policy_changes:
        lines += ["Policy settings: " + "; ".join(_cell(c) for c in diff.policy_changes) + ".", ""]
    decided = [c for c in diff.changes if c.decision_changed]
    limited = [c for c in diff.changes if not c.decision_changed and c.new.endpoint.billable]
    idle = [c for c in diff.changes if not c.decision_changed and not c.new.endpoint.billable]
    if not diff.changes:
        lines.append("No endpoint changes: every endpoint keeps its decision and its limits.")
        return "\n".join(lines) + "\n"
    if decided:
        lines += [f"**{_endpoints(len(decided))} change{'s' if len(decided) == 1 else ''} decision:**", "",
                  *_table(decided), ""]
    if limited:
        keep = "keeps its" if len(limited) == 1 else "keep their"
        lines += [f"**{_endpoints(len(limited))} {keep} decision but get{'s' if len(limited) == 1 else ''} "
                  "different limits:**", "", *_table(limited), ""]
    if not decided and not limited:
        lines += ["No billing endpoint changes decision or limits.", ""]
    if idle:
        names = ", ".join(md_code(c.key) for c in idle[:NOT_BILLING_SHOWN])
        more = f" (+{len(idle) - NOT_BILLING_SHOWN} more)" if len(idle) > NOT_BILLING_SHOWN else ""
        they = "it runs" if len(idle) == 1 else "they run"
        lines += [f"{_endpoints(len(idle))} not billing now (paused, scaled to zero or failed) would get different "
                  f"limits when {they} again: {names}{more}.", ""]
    lines += _reconfiguration_lines(diff)
    return "\n".join(lines).rstrip("\n") + "\n"


def _reconfiguration_lines(diff: PlanDiff) -> list[str]:
    """fix_config updates the new policy would send, with the command that would restore the old settings."""
    fixes = [c for c in diff.changes if c.new.decision is Decision.RECONFIGURE and c.new.reconfiguration is not None]
    if not fixes:
        return []
    lines = ["**Scaling settings the new policy would change** (each with the command that restores them):", ""]
    for change in fixes:
        fix = change.new.reconfiguration
        assert fix is not None
        note = f" ({md_text(fix.undo_note)})" if fix.undo_note else ""
        lines.append(f"- {md_code(change.key)}: {md_text(fix.changes)} — undo: {md_code(fix.undo)}{note}")
    return [*lines, ""]
