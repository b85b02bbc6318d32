"""What each alert channel was told: news (new conditions, cleared failures, news a failed delivery missed) and
the remembered announcements kept in the state file's `alerts` section (pure: a mapping in, a mapping out)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, fields, replace
from datetime import UTC, datetime, timedelta

from watchdog.core.events import Event, EventKind, sort_key
from watchdog.core.model import Report

MEMORY_VERSION = 1
# A failure whose subject is no longer observed (namespace dropped from the policy) can never be seen to
# recover; forget it after this long so the memory stays bounded.
FORGET_UNOBSERVED_AFTER = timedelta(days=30)
# Hard cap per channel; the oldest announcements go first.
MAX_REMEMBERED = 2000


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
            # News a failed delivery never got out (a pause that happened last night): still news now. Said as what
            # it is: last night's news, not tonight's. A run notice ("no state file yet") was about that run only:
            # it is not carried over.
            if (key not in current_keys and (event := _pending_event(entry)) is not None
                    and event.kind is not EventKind.RUN_NOTICE):
                fresh.append(replace(event, carried_from=str(entry.get("since") or "") or None))
            continue
        if not entry.get("failure") or key in current_keys or not _observed(str(entry.get("subject", "")), report):
            continue
        fresh.append(Event(key=f"recovered:{key}", kind=EventKind.RECOVERED,
                           title=f"Recovered: {entry.get('title', key)}",
                           detail="no longer failing in this run", subject=str(entry.get("subject", "run")),
                           namespace=entry.get("namespace"), name=entry.get("name")))
    return tuple(sorted(fresh, key=sort_key))


def _entry(event: Event, now: datetime) -> dict:
    return {"kind": event.kind, "title": event.title, "subject": event.subject, "failure": event.is_failure,
            "namespace": event.namespace, "name": event.name,
            "since": now.astimezone(UTC).isoformat().replace("+00:00", "Z")}


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
