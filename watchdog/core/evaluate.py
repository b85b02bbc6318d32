"""The pure verdict: one policy, one endpoint snapshot, one instant → an Evaluation with its reasons.

Each limit is a rule class in the registry (`watchdog.core.rules`); this module runs them in registry order and
turns what they found into one decision: protected and exempt first, then a pause or scale-to-zero among the
violations, then (fix_config) a reconfiguration of the broken configuration limits, then notify, else notify when a
rule could not tell, else keep. What a reconfiguration sets, and when it is held back, is `rules/fix_config.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from watchdog.core.durations import format_duration
from watchdog.core.model import (
    KNOWN_STATES,
    Action,
    Decision,
    EndpointSnapshot,
    EndpointState,
    Evaluation,
    Finding,
    Notice,
    NoticeKind,
    Reconfiguration,
    RuleRef,
)
from watchdog.core.policy import Effective, Policy, Rule
from watchdog.core.rules import REGISTRY, CheckResult
from watchdog.core.rules.fix_config import FixConfig
from watchdog.core.rules.general import Owner, WarnBefore

# Strongest first: when several limits break, the decision is the strongest of their actions.
_STRENGTH = {Action.PAUSE: 3, Action.SCALE_TO_ZERO: 2, Action.NOTIFY: 1}
_DECISION_FOR_ACTION = {Action.PAUSE: Decision.PAUSE, Action.SCALE_TO_ZERO: Decision.SCALE_TO_ZERO,
                        Action.NOTIFY: Decision.NOTIFY}
# An exemption about to end is announced at least this early, even with a short or no warn_before.
EXEMPTION_NOTICE_MIN = timedelta(hours=72)


def _naive(moment: datetime | None) -> bool:
    return moment is not None and moment.tzinfo is None


def _aware(moment: datetime | None) -> datetime | None:
    # Naive datetimes are taken as UTC (the API and the state file speak UTC): never let a mix raise.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _one_line(text: str) -> str:
    # Reasons are one line in every channel (tables, Slack sections); API messages may hold newlines.
    return " ".join(text.split()) or "no detail"


def rule_ref(rule: Rule | None) -> RuleRef:
    """RuleRef for reports: 1-based index and match text, or (0, "defaults")."""
    return RuleRef(rule.index, rule.match.text) if rule is not None else RuleRef(0, "defaults")


def evaluate(policy: Policy, snapshot: EndpointSnapshot, now: datetime) -> Evaluation:
    """Decide what should happen to `snapshot` at `now` under `policy`. Never does I/O, never reads the clock."""
    return _evaluate(policy, snapshot, now, policy.effective)


def _evaluate(policy: Policy, snapshot: EndpointSnapshot, now: datetime,
              effective: Callable[[Rule | None], Effective]) -> Evaluation:
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    measured = snapshot
    if _naive(snapshot.running_since) or _naive(snapshot.last_activity):  # measure() gives aware ones: rare
        measured = replace(snapshot, running_since=_aware(snapshot.running_since),
                           last_activity=_aware(snapshot.last_activity))
    rule = policy.rule_for(snapshot)
    ref = rule_ref(rule)
    eff = effective(rule)
    notices: list[Notice] = []

    def verdict(decision: Decision, reason: str, results: tuple[CheckResult, ...] = (),
                reconfiguration: Reconfiguration | None = None) -> Evaluation:
        return Evaluation(
            endpoint=snapshot, rule=ref, decision=decision, reason=reason,
            violations=tuple(f for r in results for f in r.violations),
            warnings=tuple(f for r in results for f in r.warnings),
            # Two limits may say the same thing (a weak uptime under max_uptime and max_cost): once is enough.
            notices=tuple(dict.fromkeys((*notices, *(n for r in results for n in r.notices)))),
            owner=Owner.of(eff),
            reconfiguration=reconfiguration,
        )

    if snapshot.unmeasurable:
        # The endpoint JSON could not be understood: acting on a guess could pause the wrong thing.
        why = _one_line(snapshot.unmeasurable)
        notices.append(Notice(NoticeKind.UNMEASURABLE, f"{snapshot.key} could not be measured: {why}"))
        return verdict(Decision.NOTIFY, f"unmeasurable: {why}")
    if snapshot.state not in KNOWN_STATES:
        notices.append(Notice(NoticeKind.UNKNOWN_STATE,
                              f"{snapshot.key} is in state {snapshot.state!r}, unknown to the watchdog"))
        return verdict(Decision.NOTIFY, f"unknown state {snapshot.state!r}: not acted on")

    uncertain = policy.uncertain_rules(snapshot) if measured.billable else ()
    if uncertain:
        return _uncertain_rule(uncertain, snapshot, notices, verdict)

    exempt = _exemption(policy, rule, eff, now, notices)
    if not measured.billable and snapshot.state == EndpointState.SCALED_TO_ZERO:
        notices.append(Notice(NoticeKind.QUOTA_HELD, f"{snapshot.key} is scaled to zero: not billing, but it still "
                                                     "holds its GPU quota"))
    results = tuple(
        limit.check(measured, eff, now) for limit in REGISTRY.limits if measured.billable or not limit.billable_only
    )
    violations = [f for r in results for f in r.violations]

    top = _strongest(violations)
    why = _all_reasons(violations, top, eff.where) if top else ""
    if rule is not None and rule.protected:
        reason = f"protected, not acted on: {why}" if top else f"protected {eff.where}"
        return verdict(Decision.PROTECTED, reason, results)
    if exempt is not None:
        reason = f"exempt until {exempt}, not acted on: {why}" if top else f"exempt until {exempt} {eff.where}"
        return verdict(Decision.EXEMPT, reason, results)
    # fix_config: broken configuration limits are corrected through the API, unless a pause or a scale-to-zero
    # wins (an update may restart what is being stopped) or the endpoint's state rules an update out this run.
    change = FixConfig.change(measured, eff, violations)
    stops = top is not None and top.action is not Action.NOTIFY
    if change is not None and change.held_back is None and not stops:
        reason = _all_reasons(violations, top, eff.where, fix=f"fix {change.reconfiguration.changes}")
        return verdict(Decision.RECONFIGURE, reason, results, change.reconfiguration)
    if top is not None:
        extra = ""
        if change is not None:
            extra = change.held_back or (f"not reconfigured: the {top.action} wins "
                                         "(an update may restart the endpoint it stops)")
        return verdict(_DECISION_FOR_ACTION[top.action], _all_reasons(violations, top, eff.where, extra), results)
    if not measured.billable:
        return verdict(Decision.KEEP, f"{snapshot.state}: not billing", results)
    undecided = next((r.notify_reason for r in results if r.notify_reason), None)
    if undecided:
        return verdict(Decision.NOTIFY, undecided, results)
    nearest = [n for r in results for n in r.nearest]
    if nearest:
        left, what = min(nearest)
        when = f"in {format_duration(left)}" if int(left) > 0 else "reached now, not exceeded"
        return verdict(Decision.KEEP, f"within limits (nearest: {what} {when})", results)
    return verdict(Decision.KEEP, "within limits", results)


# Where each policy match field comes from in the endpoint JSON, to say what could not be read.
_MATCH_FIELD_PATHS = {"name": "name", "repository": "model.repository", "tag": "tags",
                      "instance_type": "compute.instanceType"}


def _uncertain_rule(uncertain: tuple[Rule, ...], snapshot: EndpointSnapshot, notices: list[Notice],
                    verdict: Callable[[Decision, str], Evaluation]) -> Evaluation:
    """An earlier rule might cover the endpoint, had the API sent the field it matches on: acting under the later
    rule could pause what that one protects (`tags: "keep-alive"` as a string once lost `protected: true`)."""
    rule = next((r for r in uncertain if r.protected), uncertain[0])
    paths = [_MATCH_FIELD_PATHS[f] for f in snapshot.unreadable_match_fields if getattr(rule.match, f) is not None]
    what = f"{' and '.join(paths)} {'is' if len(paths) == 1 else 'are'} missing or malformed"
    where = f'(rule {rule.index} "{rule.match.text}")'
    notices.append(Notice(NoticeKind.RULE_UNCERTAIN, f"{snapshot.key}: {what}, so rule {rule.index} "
                                                     f"({rule.match.text}) may cover it: not acted on"))
    if rule.protected:
        found = verdict(Decision.PROTECTED, f"protected, not acted on: {what}, and this rule may cover it {where}")
    else:
        found = verdict(Decision.NOTIFY, f"not acted on: {what}, so an earlier rule may cover it {where}")
    return replace(found, rule=rule_ref(rule))


def evaluate_all(policy: Policy, snapshots: Iterable[EndpointSnapshot], now: datetime) -> tuple[Evaluation, ...]:
    """Evaluate every snapshot at the same instant, in the order given.

    A rule's merged settings are the same for every endpoint it covers: merged once per rule, not per endpoint.
    """
    merged: dict[int, Effective] = {}

    def effective(rule: Rule | None) -> Effective:
        index = rule.index if rule is not None else 0
        if index not in merged:
            merged[index] = policy.effective(rule)
        return merged[index]

    return tuple(_evaluate(policy, snapshot, now, effective) for snapshot in snapshots)


def _all_reasons(violations: list[Finding], top: Finding | None, where: str, extra: str = "", fix: str = "") -> str:
    """Every broken limit, the decisive one first, under one rule reference: `A; B (rule 2 "mert-*")`.

    Each finding's reason ends with the same rule reference (they come from one rule), so it is said once, last;
    nobody should have to open the JSON report to learn the second reason. `fix` follows the reasons after a colon
    (`…: fix min_replica 1 → 0`), `extra` after a semicolon (why no update was sent).
    """
    suffix = f" {where}"
    ordered = [top, *(f for f in violations if f is not top)] if top is not None else list(violations)
    bodies = [f.reason[: -len(suffix)] if f.reason.endswith(suffix) else f.reason for f in ordered]
    text = "; ".join(bodies)
    if fix:
        text += f": {fix}"
    if extra:
        text += f"; {extra}"
    return text + suffix


def _strongest(findings: list[Finding]) -> Finding | None:
    # max() keeps the first of equals, so the reason shown is the first strongest check in registry order.
    return max(findings, key=lambda f: _STRENGTH.get(f.action, 0)) if findings else None


def _exemption(policy: Policy, rule: Rule | None, eff: Effective, now: datetime, notices: list[Notice]) -> str | None:
    """Text like `2026-12-15 (paper deadline)` while the rule's exemption applies, else None."""
    if rule is None or rule.exempt_until is None:
        return None
    end = policy.exemption_end(rule)
    assert end is not None  # exempt_until is set
    label = f"{rule.exempt_until.isoformat()} ({rule.reason})" if rule.reason else rule.exempt_until.isoformat()
    if now >= end:
        notices.append(Notice(NoticeKind.EXEMPTION_EXPIRED,
                              f"the exemption of rule {rule.index} ended with {rule.exempt_until.isoformat()}: "
                              "its limits apply again; remove exempt_until and reason"))
        return None
    left = end - now
    if left <= max(EXEMPTION_NOTICE_MIN, timedelta(seconds=WarnBefore.of(eff) or 0)):
        notices.append(Notice(NoticeKind.EXEMPTION_EXPIRING,
                              f"the exemption of rule {rule.index} ends in {format_duration(left.total_seconds())} "
                              f"(end of {rule.exempt_until.isoformat()}, {end.tzinfo}): {rule.reason}"))
    return label
