"""Alert events from one run's report and the remembered announcements: what is news, per channel (pure)."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from watchdog.core.idle_coverage import FIX as IDLE_FIX
from watchdog.core.model import Decision, EndpointResult, Evaluation, NoticeKind, Outcome, Report, RuleRef


class EventKind(enum.StrEnum):
    """What an event is about; the definition order is the order digests list them: failures first, then what was
    done, then what to watch."""

    NAMESPACE_ERROR = "namespace-error"
    ACTION_FAILED = "action-failed"
    UNMEASURABLE = "unmeasurable"
    RUN_ERROR = "run-error"
    NAMESPACE_WARNING = "namespace-warning"
    PAUSED = "paused"
    SCALED_TO_ZERO = "scaled-to-zero"
    WOULD_PAUSE = "would-pause"
    WOULD_SCALE_TO_ZERO = "would-scale-to-zero"
    RECONFIGURED = "reconfigured"
    WOULD_RECONFIGURE = "would-reconfigure"
    VIOLATION = "violation"
    LIMIT_APPROACHING = "limit-approaching"
    EXEMPTION_EXPIRING = "exemption-expiring"
    IDLE_UNKNOWN = "idle-unknown"
    RUN_NOTICE = "run-notice"
    RECOVERED = "recovered"


KIND_ORDER = tuple(EventKind)
FAILURE_KINDS = frozenset({EventKind.NAMESPACE_ERROR, EventKind.ACTION_FAILED, EventKind.UNMEASURABLE})
ACTION_KINDS = frozenset({EventKind.PAUSED, EventKind.SCALED_TO_ZERO, EventKind.WOULD_PAUSE,
                          EventKind.WOULD_SCALE_TO_ZERO})
# fix_config updates: done (or would be), but they stop no billing now, so they count apart from pauses and savings.
RECONFIGURE_KINDS = frozenset({EventKind.RECONFIGURED, EventKind.WOULD_RECONFIGURE})
# Endpoints named in one grouped "idle time unknown" event before "and N more".
IDLE_UNKNOWN_NAMES_SHOWN = 5


@dataclass(frozen=True)
class Event:
    """One thing people should hear about once. `key` is stable across runs for as long as it stays true."""

    key: str
    kind: EventKind
    title: str  # one line, e.g. "Paused acme-ml/mert-spike6"
    detail: str  # the why, e.g. the evaluator's reason or the error text
    # `endpoint:ns/name`, `namespace:ns` or `run`: lets a remembered failure be declared recovered only
    # when its subject was actually observed again.
    subject: str
    namespace: str | None = None
    name: str | None = None
    owner: str | None = None
    decision: str | None = None
    outcome: str | None = None
    hourly_usd: float | None = None  # burn rate before the action (what a pause saves)
    stretch_usd: float | None = None  # cost of the current billable stretch so far
    stretch_at_least: bool = False  # the replica count changed within it: `stretch_usd` is a lower bound
    undo: str | None = None  # the command that reverses what the watchdog did
    undo_note: str | None = None  # what that command cannot restore (a reconfiguration's cleared timeout)
    # Set on news an earlier run could not deliver and this run carries over: when it happened (ISO 8601, UTC).
    carried_from: str | None = None
    # The rule whose reference ends `detail` (when it is an evaluator's reason): lets Markdown and Slack show the
    # rule's glob as code without parsing the text.
    rule_index: int | None = None
    rule_match: str | None = None

    @property
    def rule(self) -> RuleRef | None:
        """The RuleRef behind `detail`, when the event carries one."""
        return None if self.rule_index is None else RuleRef(self.rule_index, self.rule_match or "")

    @property
    def is_failure(self) -> bool:
        """Failures are remembered until seen to clear, then announced once as recovered."""
        return self.kind in FAILURE_KINDS


def _stable_hash(text: str) -> str:
    # Run-level messages have no natural identity; a short digest of the text is one.
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _stretch_id(result: EndpointResult) -> str:
    since = result.endpoint.running_since
    return since.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") if since else "unknown"


def _undo(result: EndpointResult) -> str:
    ep = result.endpoint
    if result.evaluation.reconfiguration is not None:
        return result.evaluation.reconfiguration.undo
    return f"watchdog resume {ep.name} --namespace {ep.namespace}"


def _violation_title(ev: Evaluation) -> str:
    # A limit that could not be measured (unknown price, unknown idle) is not "over": say what it is.
    return "Cannot check limit" if all(f.observed == "unknown" for f in ev.violations) else "Over limit"


def _endpoint_events(result: EndpointResult, now: datetime) -> list[Event]:
    ep = result.endpoint
    ev = result.evaluation
    ident = ep.key
    cost = ep.stretch_cost(now)
    common: dict[str, Any] = dict(
        subject=f"endpoint:{ident}",
        namespace=ep.namespace,
        name=ep.name,
        owner=ev.owner,
        decision=ev.decision.value,
        outcome=result.outcome.value,
        hourly_usd=ep.hourly_usd,
        stretch_usd=cost.usd if cost else None,
        stretch_at_least=cost is not None and not cost.exact,
        rule_index=ev.rule.index,
        rule_match=ev.rule.match,
    )
    stretch = _stretch_id(result)
    events: list[Event] = []
    acted = {
        Outcome.PAUSED: (EventKind.PAUSED, "Paused"),
        Outcome.SCALED_TO_ZERO: (EventKind.SCALED_TO_ZERO, "Scaled to zero"),
        Outcome.WOULD_PAUSE: (EventKind.WOULD_PAUSE, "Would pause"),
        Outcome.WOULD_SCALE_TO_ZERO: (EventKind.WOULD_SCALE_TO_ZERO, "Would scale to zero"),
        Outcome.RECONFIGURED: (EventKind.RECONFIGURED, "Reconfigured"),
        Outcome.WOULD_RECONFIGURE: (EventKind.WOULD_RECONFIGURE, "Would reconfigure"),
    }
    if ep.unmeasurable:
        # The detail is the API's text alone, no reason: it carries no rule reference to show as code.
        events.append(Event(key=f"unmeasurable:{ident}", kind=EventKind.UNMEASURABLE,
                            title=f"Could not measure {ident}", detail=ep.unmeasurable,
                            **{**common, "rule_index": None, "rule_match": None}))
    if result.outcome in acted:
        kind, verb = acted[result.outcome]
        # Keyed by the billable stretch: a new pause after someone resumes the endpoint is news again. A
        # reconfiguration is keyed by what it changes instead.
        change = ev.reconfiguration
        which = _stable_hash(change.changes) if change is not None else stretch
        events.append(Event(key=f"{kind}:{ident}:{which}", kind=kind, title=f"{verb} {ident}",
                            detail=ev.reason, undo=_undo(result), undo_note=change.undo_note if change else None,
                            **common))
    elif result.outcome is Outcome.FAILED:
        detail = f"{ev.reason}; error: {result.error}" if result.error else ev.reason
        events.append(Event(key=f"action-failed:{ident}:{ev.decision.value}", kind=EventKind.ACTION_FAILED,
                            title=f"Failed to {ev.decision.value} {ident}", detail=detail, **common))
    elif ev.violations and (
        ev.decision is Decision.NOTIFY
        or (ev.decision in (Decision.PAUSE, Decision.SCALE_TO_ZERO, Decision.RECONFIGURE)
            and result.outcome is not Outcome.GONE)
    ):
        # Notify-only rules, and pause/scale/reconfigure decisions the run did not carry out (e.g. the action cap).
        checks = ",".join(sorted({f.check for f in ev.violations}))
        # Held back (the safety cap): say so in the event itself, or a reader of one alert expects the pause.
        detail = f"{ev.reason}; {result.error}" if result.error else ev.reason
        events.append(Event(key=f"violation:{ident}:{checks}:{stretch}", kind=EventKind.VIOLATION,
                            title=f"{_violation_title(ev)}: {ident}", detail=detail, **common))
    # Protected and exempt endpoints are never acted on: a warning would be noise every stretch (docs/alerts.md).
    warnings = () if ev.decision in (Decision.PROTECTED, Decision.EXEMPT) else ev.warnings
    for warning in warnings:
        events.append(Event(key=f"limit-approaching:{ident}:{warning.check}:{stretch}",
                            kind=EventKind.LIMIT_APPROACHING,
                            title=f"Limit approaching: {ident}", detail=warning.reason, **common))
    for notice in ev.notices:
        if notice.kind is NoticeKind.EXEMPTION_EXPIRING:
            events.append(Event(key=f"exemption-expiring:{ident}", kind=EventKind.EXEMPTION_EXPIRING,
                                title=f"Exemption expiring: {ident}", detail=notice.message, **common))
    return events


def _idle_unknown_events(report: Report) -> list[Event]:
    """One event per namespace whose endpoints need an idle signal and have none, keyed by the namespace alone: said
    once when it starts, not per endpoint, and not again while it holds. Its detail carries the fix."""
    blind: dict[str, list[EndpointResult]] = {}
    for result in report.endpoints:
        if any(n.kind is NoticeKind.IDLE_UNKNOWN for n in result.evaluation.notices):
            blind.setdefault(result.endpoint.namespace, []).append(result)
    events = []
    for namespace, results in sorted(blind.items()):
        names = sorted(r.endpoint.name for r in results)
        shown = ", ".join(names[:IDLE_UNKNOWN_NAMES_SHOWN])
        if len(names) > IDLE_UNKNOWN_NAMES_SHOWN:
            shown += f" and {len(names) - IDLE_UNKNOWN_NAMES_SHOWN} more"
        detail = (f"{len(names)} billable endpoint(s) with no idle signal (no lastUsedAt, no request metrics yet), so "
                  f"their idle limits cannot be checked: {shown}. Fix: {IDLE_FIX}.")
        burn = round(sum(r.endpoint.hourly_usd or 0.0 for r in results), 2)
        owners = ", ".join(sorted({r.evaluation.owner for r in results if r.evaluation.owner})) or None
        events.append(Event(key=f"idle-unknown:{namespace}", kind=EventKind.IDLE_UNKNOWN,
                            title=f"Idle time unknown in {namespace}", detail=detail, subject=f"namespace:{namespace}",
                            namespace=namespace, owner=owners, hourly_usd=burn or None))
    return events


def current_events(report: Report, now: datetime) -> tuple[Event, ...]:
    """Every condition worth announcing that holds in this run, whether announced before or not."""
    events: list[Event] = []
    for ns in report.namespaces:
        if not ns.ok:
            events.append(Event(key=f"namespace-error:{ns.name}", kind=EventKind.NAMESPACE_ERROR,
                                title=f"Could not list namespace {ns.name}", detail=ns.error or "unknown error",
                                subject=f"namespace:{ns.name}", namespace=ns.name))
        for warning in ns.warnings:
            # Not a failure (the namespace was listed): said once, for as long as it holds.
            events.append(Event(key=f"namespace-warning:{ns.name}:{_stable_hash(warning)}",
                                kind=EventKind.NAMESPACE_WARNING,
                                title=f"Namespace {ns.name}: {warning.split(':')[0]}", detail=warning,
                                subject=f"namespace:{ns.name}", namespace=ns.name))
    for result in report.endpoints:
        events.extend(_endpoint_events(result, now))
    events.extend(_idle_unknown_events(report))
    for error in report.errors:
        events.append(Event(key=f"run-error:{_stable_hash(error)}", kind=EventKind.RUN_ERROR, title="Watchdog error",
                            detail=error, subject="run"))
    for notice in report.notices:
        text = str(notice)
        events.append(Event(key=f"run-notice:{_stable_hash(text)}", kind=EventKind.RUN_NOTICE, title="Watchdog notice",
                            detail=text, subject="run"))
    # One event per key: two identical run errors are one piece of news.
    unique = {e.key: e for e in events}
    return tuple(sorted(unique.values(), key=sort_key))


def sort_key(event: Event) -> tuple[int, str]:
    """Digest order: by kind (failures first), then by key."""
    return (KIND_ORDER.index(EventKind(event.kind)), event.key)


ACTION_WORDS = {
    EventKind.PAUSED: "paused",
    EventKind.SCALED_TO_ZERO: "scaled to zero",
    EventKind.WOULD_PAUSE: "would pause",
    EventKind.WOULD_SCALE_TO_ZERO: "would scale to zero",
    EventKind.RECONFIGURED: "reconfigured",
    EventKind.WOULD_RECONFIGURE: "would reconfigure",
}


def action_counts(kinds: Iterable[str]) -> list[str]:
    """`["3 would pause", "3 would scale to zero"]` for the action kinds among `kinds`, in digest order."""
    counts = dict.fromkeys(ACTION_WORDS, 0)
    for kind in kinds:
        if kind in counts:
            counts[EventKind(kind)] += 1
    return [f"{n} {ACTION_WORDS[kind]}" for kind, n in counts.items() if n]


def saved_usd_per_hour(events: Iterable[Event]) -> float:
    """What the endpoints this run paused or scaled were burning per hour (unknown prices count as 0); news carried
    over from an earlier run is not this run's saving."""
    return round(sum(e.hourly_usd or 0.0 for e in events if e.kind in ACTION_KINDS and not e.carried_from), 2)


def count_by_kind(events: Iterable[Event]) -> dict[str, int]:
    """Event counts per kind, in digest order, omitting zeros."""
    counts: dict[str, int] = {}
    for event in sorted(events, key=sort_key):
        counts[event.kind] = counts.get(event.kind, 0) + 1
    return counts
