"""Alert events from one run's report and the remembered announcements: what is news, per channel (pure)."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta, timezone
from typing import Any

from watchdog.core.idle_coverage import FIX as IDLE_FIX
from watchdog.core.model import Decision, EndpointResult, Evaluation, NoticeKind, Outcome, Report, RuleRef

MEMORY_VERSION = 1
# A failure whose subject is no longer observed (namespace dropped from the policy) can never be seen to
# recover; forget it after this long so the memory stays bounded.
FORGET_UNOBSERVED_AFTER = timedelta(days=30)
# Hard cap per channel; the oldest announcements go first.
MAX_REMEMBERED = 2000

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
    undo: str | None = None  # the command that reverses what the watchdog did
    undo_note: str | None = None  # what that command cannot restore (a reconfiguration's cleared timeout)
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
    return since.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ") if since else "unknown"


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
    common: dict[str, Any] = dict(
        subject=f"endpoint:{ident}",
        namespace=ep.namespace,
        name=ep.name,
        owner=ev.owner,
        decision=ev.decision.value,
        outcome=result.outcome.value,
        hourly_usd=ep.hourly_usd,
        stretch_usd=ep.stretch_cost_usd(now),
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
        events.append(Event(key=f"violation:{ident}:{checks}:{stretch}", kind=EventKind.VIOLATION,
                            title=f"{_violation_title(ev)}: {ident}", detail=ev.reason, **common))
    for warning in ev.warnings:
        events.append(Event(key=f"limit-approaching:{ident}:{warning.check}:{stretch}", kind=EventKind.LIMIT_APPROACHING,
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
            events.append(Event(key=f"namespace-warning:{ns.name}:{_stable_hash(warning)}", kind=EventKind.NAMESPACE_WARNING,
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


def channel_memory(memory: Mapping | None, channel: str) -> dict[str, dict]:
    """The announcements remembered for one channel; anything malformed reads as nothing remembered."""
    if not isinstance(memory, Mapping) or memory.get("version") != MEMORY_VERSION:
        return {}
    channels = memory.get("channels")
    remembered = channels.get(channel) if isinstance(channels, Mapping) else None
    if not isinstance(remembered, Mapping):
        return {}
    return {str(k): dict(v) for k, v in remembered.items() if isinstance(v, Mapping)}


def _observed(subject: str, report: Report) -> bool:
    """Whether this run looked at `subject` closely enough to say a failure about it has cleared."""
    if subject.startswith("namespace:"):
        return any(ns.name == subject.split(":", 1)[1] for ns in report.namespaces)
    if subject.startswith("endpoint:"):
        namespace = subject.split(":", 1)[1].split("/", 1)[0]
        # A missing endpoint in a namespace that listed fine was deleted: its failure is over too.
        return any(ns.name == namespace and ns.ok for ns in report.namespaces)
    return False


def news(channel_remembered: Mapping[str, Mapping], current: Iterable[Event], report: Report) -> tuple[Event, ...]:
    """What this channel has not heard yet: new conditions, plus failures it heard of that have cleared."""
    current = tuple(current)
    current_keys = {e.key for e in current}
    fresh = [e for e in current if e.key not in channel_remembered or channel_remembered[e.key].get("pending")]
    for key, entry in sorted(channel_remembered.items()):
        if entry.get("pending"):
            # News a failed delivery never got out (a pause that happened last night): still news now.
            if key not in current_keys and (event := _pending_event(entry)) is not None:
                fresh.append(event)
            continue
        if not entry.get("failure") or key in current_keys or not _observed(str(entry.get("subject", "")), report):
            continue
        fresh.append(Event(key=f"recovered:{key}", kind=EventKind.RECOVERED, title=f"Recovered: {entry.get('title', key)}",
                           detail="no longer failing in this run", subject=str(entry.get("subject", "run")),
                           namespace=entry.get("namespace"), name=entry.get("name")))
    return tuple(sorted(fresh, key=sort_key))


def _entry(event: Event, now: datetime) -> dict:
    return {"kind": event.kind, "title": event.title, "subject": event.subject, "failure": event.is_failure,
            "namespace": event.namespace, "name": event.name,
            "since": now.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")}


_EVENT_FIELDS = frozenset(f.name for f in fields(Event))


def _pending_event(entry: Mapping) -> Event | None:
    """The event stored with a pending entry; None when the stored form is unreadable."""
    stored = entry.get("event")
    if not isinstance(stored, Mapping) or not {"key", "kind", "title", "detail", "subject"} <= set(stored):
        return None
    try:
        kind = EventKind(stored["kind"])
    except ValueError:  # written by another version of the watchdog: not ours to replay
        return None
    return Event(**{**{k: v for k, v in stored.items() if k in _EVENT_FIELDS}, "kind": kind})


def _since(entry: Mapping) -> datetime | None:
    try:
        return datetime.fromisoformat(str(entry.get("since", "")).replace("Z", "+00:00"))
    except ValueError:
        return None


def remember(
    channel_remembered: Mapping[str, Mapping],
    current: Iterable[Event],
    report: Report,
    *,
    delivered: bool,
    now: datetime,
    undelivered: Iterable[Event] = (),
) -> dict[str, dict]:
    """The channel's memory after this run: what it has heard of that still holds, and nothing else.

    Delivered: every current condition counts as said; cleared failures were said as recovered and
    are dropped. Not delivered: the news that did not get out (`undelivered`) is kept as pending, whole,
    so the next run sends it even when its condition has passed (last night's pause); remembered failures
    are kept even when cleared, so their recovery is still news next run.
    """
    current = tuple(current)
    kept: dict[str, dict] = {}
    for event in current:
        prior = channel_remembered.get(event.key)
        if prior is not None and not (delivered and prior.get("pending")):
            kept[event.key] = dict(prior)
        elif delivered:
            kept[event.key] = _entry(event, now)
    if not delivered:
        for event in undelivered:
            if event.kind is not EventKind.RECOVERED:
                kept[event.key] = {**_entry(event, now), **channel_remembered.get(event.key, {}),
                                   "pending": True, "event": asdict(event)}
    for key, entry in channel_remembered.items():
        if key in kept:
            continue
        if entry.get("pending"):
            # Said now when delivered; otherwise kept for the next run, within the same time bound.
            since = _since(entry)
            if not delivered and not (since is not None and now - since > FORGET_UNOBSERVED_AFTER):
                kept[key] = dict(entry)
            continue
        if not entry.get("failure"):
            continue
        observed = _observed(str(entry.get("subject", "")), report)
        since = _since(entry)
        stale = since is not None and now - since > FORGET_UNOBSERVED_AFTER
        if (not observed and not stale) or (observed and not delivered):
            kept[key] = dict(entry)
    if len(kept) > MAX_REMEMBERED:
        newest = sorted(kept.items(), key=lambda kv: str(kv[1].get("since", "")), reverse=True)[:MAX_REMEMBERED]
        kept = dict(newest)
    return kept


def normalized_memory(memory: Mapping | None) -> dict:
    """A fresh, well-formed copy of the alert memory (malformed or other-version input reads as empty)."""
    channels: dict[str, dict] = {}
    if isinstance(memory, Mapping) and memory.get("version") == MEMORY_VERSION:
        old = memory.get("channels")
        if isinstance(old, Mapping):
            channels = {str(name): channel_memory(memory, str(name)) for name in old}
    return {"version": MEMORY_VERSION, "channels": channels}


def with_channel(memory: Mapping | None, channel: str, remembered: Mapping[str, Mapping]) -> dict:
    """A new memory mapping with `channel` replaced; other channels are carried over untouched."""
    updated = normalized_memory(memory)
    updated["channels"][channel] = {str(k): dict(v) for k, v in remembered.items()}
    return updated


# How every channel counts actions (Slack header, GitHub comment, terminal): one wording everywhere.
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
    counts = {kind: 0 for kind in ACTION_WORDS}
    for kind in kinds:
        if kind in counts:
            counts[EventKind(kind)] += 1
    return [f"{n} {ACTION_WORDS[kind]}" for kind, n in counts.items() if n]


def saved_usd_per_hour(events: Iterable[Event]) -> float:
    """What the paused / scaled endpoints among `events` were burning per hour (unknown prices count as 0)."""
    return round(sum(e.hourly_usd or 0.0 for e in events if e.kind in ACTION_KINDS), 2)


def count_by_kind(events: Iterable[Event]) -> dict[str, int]:
    """Event counts per kind, in digest order, omitting zeros."""
    counts: dict[str, int] = {}
    for event in sorted(events, key=sort_key):
        counts[event.kind] = counts.get(event.kind, 0) + 1
    return counts
