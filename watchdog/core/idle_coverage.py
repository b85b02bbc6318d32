"""Idle coverage: for how many billable endpoints the idle time is known, by source, and which namespaces have no
idle signal at all — with the fix, since most accounts get neither `status.lastUsedAt` nor open metrics (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from watchdog.core.model import EndpointSnapshot, IdleSource
from watchdog.core.rules.fix_config import FixConfig
from watchdog.core.rules.scale_to_zero_after import ScaleToZeroAfter

# How people read the sources, in the order they are tried.
SOURCE_LABELS = {IdleSource.LAST_USED_AT: "lastUsedAt", IdleSource.METRICS: "metrics", IdleSource.UNKNOWN: "unknown"}

FIX = (f"set {FixConfig.key}: true and {ScaleToZeroAfter.key} on their rule (the platform then puts idle endpoints to "
       "sleep by itself), or use a plan with open metrics (Team or Enterprise)")


@dataclass(frozen=True)
class IdleCoverage:
    billable: int
    by_source: tuple[tuple[IdleSource, int], ...]  # every source, in SOURCE_LABELS order
    namespaces_without_signal: tuple[str, ...]  # listed namespaces whose billable endpoints all have unknown idle

    @property
    def known(self) -> int:
        return self.billable - dict(self.by_source)[IdleSource.UNKNOWN]

    def as_dict(self) -> dict[str, int]:
        """`{"last_used_at": 7, "metrics": 1, "unknown": 3}` for the JSON report."""
        return {source.value: count for source, count in self.by_source}

    @property
    def short(self) -> str:
        """`idle known 8/11`, for headers."""
        return f"idle known {self.known}/{self.billable}"

    @property
    def sentence(self) -> str:
        """One line for summaries; empty when nothing bills."""
        if not self.billable:
            return ""
        sources = ", ".join(f"{SOURCE_LABELS[s]} {n}" for s, n in self.by_source)
        text = f"Idle time known for {self.known} of {self.billable} billable endpoint(s) ({sources})."
        if self.namespaces_without_signal:
            text += f" No idle signal at all in {', '.join(self.namespaces_without_signal)}. Fix: {FIX}."
        return text


def idle_coverage(snapshots: Iterable[EndpointSnapshot]) -> IdleCoverage:
    """Count billable endpoints by idle source; name the namespaces where none has a signal."""
    counts = dict.fromkeys(SOURCE_LABELS, 0)
    by_namespace: dict[str, list[IdleSource]] = {}
    for snapshot in snapshots:
        if not snapshot.billable:
            continue
        counts[snapshot.last_activity_source] = counts.get(snapshot.last_activity_source, 0) + 1
        by_namespace.setdefault(snapshot.namespace, []).append(snapshot.last_activity_source)
    blind = tuple(sorted(ns for ns, sources in by_namespace.items() if all(s is IdleSource.UNKNOWN for s in sources)))
    return IdleCoverage(sum(counts.values()), tuple(counts.items()), blind)
