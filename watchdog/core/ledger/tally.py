"""Money between runs: billed (trapezoids between runs that listed a namespace), saved (stopped stretches) and the
unknown hours, per namespace and month; and the bounds that fold the oldest runs into monthly totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from watchdog.core.ledger.history import (
    MAX_MONTHS,
    MAX_RUNS,
    MAX_SPENDERS_PER_MONTH,
    MAX_STRETCHES,
    NEVER,
    History,
    MonthFold,
    RunRecord,
    Stretch,
    allowance_seconds,
    month_label,
    month_start,
    next_month,
    observe_stretches,
    run_record,
)
from watchdog.core.model import Report

# --- money between runs --------------------------------------------------------------------------------------


def _hours(a: datetime, b: datetime) -> float:
    return max(0.0, (b - a).total_seconds() / 3600)


def _area(t0: datetime, r0: float, t1: datetime, r1: float, a: datetime, b: datetime) -> float:
    """$ over [t0, t1] ∩ [a, b] for a rate going linearly from r0 $/h at t0 to r1 at t1 (the trapezoid)."""
    lo, hi = max(t0, a), min(t1, b)
    if hi <= lo:
        return 0.0
    span = (t1 - t0).total_seconds()

    def rate(t: datetime) -> float:
        return r0 + (r1 - r0) * (t - t0).total_seconds() / span

    return (rate(lo) + rate(hi)) / 2 * _hours(lo, hi)


def _overlap_hours(*spans: tuple[datetime, datetime]) -> float:
    return _hours(max(s[0] for s in spans), min(s[1] for s in spans))


@dataclass(frozen=True)
class Segment:
    """The time between two consecutive runs that listed one namespace."""

    namespace: str
    start: RunRecord
    end: RunRecord

    @property
    def known(self) -> bool:
        return (self.end.at - self.start.at).total_seconds() <= allowance_seconds(self.end.run_every_seconds)


def run_segments(runs: Sequence[RunRecord], starts: range | None = None) -> list[tuple[int, int, Segment]]:
    """Every namespace's segments as (start index, end index, segment); only those starting in `starts` if given."""
    last: dict[str, int] = {}
    out = []
    for j, run in enumerate(runs):
        for namespace in run.namespaces:
            i = last.get(namespace)
            if i is not None and (starts is None or i in starts):
                out.append((i, j, Segment(namespace, runs[i], run)))
            last[namespace] = j
    return out


@dataclass
class Tally:
    """Money and unknown time, added up over segments."""

    billed: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # per namespace
    saved: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    exceptions: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    namespace_unknown: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    spenders: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    unknown: float = 0.0
    runs: int = 0

    def add_segment(self, seg: Segment, a: datetime, b: datetime, stretches: Sequence[Saving]) -> None:
        t0, t1, ns = seg.start.at, seg.end.at, seg.namespace
        if t1 <= a or t0 >= b:
            return
        if not seg.known:
            self.namespace_unknown[ns] += _overlap_hours((t0, t1), (a, b))
            return
        before, after = seg.start.rates_of(ns, after=True), seg.end.rates_of(ns, after=False)
        for key in before.keys() | after.keys():
            cost = _area(t0, before.get(key, 0.0), t1, after.get(key, 0.0), a, b)
            if cost:
                self.spenders[key] += cost
                self.billed[ns] += cost
        self.billed[ns] += _area(t0, seg.start.namespaces.get(ns, 0.0), t1, seg.end.namespaces.get(ns, 0.0), a, b)
        self.exceptions[ns] += _area(t0, sum(v for k, v in before.items() if k in seg.start.exceptions),
                                     t1, sum(v for k, v in after.items() if k in seg.end.exceptions), a, b)
        lo, hi = max(t0, a), min(t1, b)
        for start, until, rate in stretches:  # the hot loop of a long history: plain comparisons first
            if start < hi and until > lo:
                self.saved[ns] += rate * _hours(max(start, lo), min(until, hi))

    def add_gap(self, r0: RunRecord, r1: RunRecord, a: datetime, b: datetime) -> None:
        if (r1.at - r0.at).total_seconds() > allowance_seconds(r1.run_every_seconds):
            self.unknown += _overlap_hours((r0.at, r1.at), (a, b))

    def add_fold(self, fold: MonthFold) -> None:
        for target, source in ((self.billed, fold.billed), (self.saved, fold.saved), (self.exceptions, fold.exceptions),
                               (self.namespace_unknown, fold.namespace_unknown_hours), (self.spenders, fold.spenders)):
            for key, value in source.items():
                target[key] += value
        self.unknown += fold.unknown_hours
        self.runs += fold.runs


# A stretch as the saving counts it: (stopped at, saving until, $/h).
Saving = tuple[datetime, datetime, float]


def by_namespace(stretches: Iterable[Stretch]) -> dict[str, list[Saving]]:
    out: dict[str, list[Saving]] = defaultdict(list)
    for s in stretches:
        out[s.namespace].append((s.stopped_at, s.saving_until, s.usd_per_hour))
    return out


def _months_between(a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
    """The UTC months [start, end) that [a, b] touches."""
    out = []
    start = month_start(a)
    while start <= b:
        out.append((start, next_month(start)))
        start = next_month(start)
    return out


def by_month(
    segments: Iterable[tuple[int, int, Segment]],
    gaps: Iterable[tuple[RunRecord, RunRecord]],
    runs: Iterable[RunRecord],
    stretches: Mapping[str, Sequence[Saving]],
    until: datetime,
) -> dict[str, Tally]:
    """Segments, gaps between runs and run counts, split at UTC month boundaries and cut at `until`."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for _, _, seg in segments:
        for a, b in _months_between(seg.start.at, min(seg.end.at, until)):
            tallies[month_label(a)].add_segment(seg, a, min(b, until), stretches.get(seg.namespace, ()))
    for r0, r1 in gaps:
        for a, b in _months_between(r0.at, min(r1.at, until)):
            tallies[month_label(a)].add_gap(r0, r1, a, min(b, until))
    for run in runs:
        if run.at <= until:
            tallies[month_label(run.at)].runs += 1
    return tallies


def _fold(history: History, drop: int) -> tuple[MonthFold, ...]:
    """Fold the oldest `drop` runs (with the segments and gaps that start at them) into the monthly totals."""
    runs = history.runs
    tallies = by_month(run_segments(runs, range(drop)), pairwise(runs[: drop + 1]), runs[:drop],
                        by_namespace(history.stretches), NEVER)
    merged = {m.month: m for m in history.months}
    for label, t in tallies.items():
        old = merged.get(label)
        firsts = [r.at for r in runs[:drop] if month_label(r.at) == label][:1]
        if old is not None:
            t.add_fold(old)
            firsts.append(old.first_run_at)
        top = dict(sorted(t.spenders.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_SPENDERS_PER_MONTH])
        merged[label] = MonthFold(label, min(firsts, default=runs[0].at), t.runs, dict(t.billed), dict(t.saved),
                                  dict(t.exceptions), t.unknown, dict(t.namespace_unknown), top)
    return tuple(merged[k] for k in sorted(merged))[-MAX_MONTHS:]


def _bounded(history: History) -> History:
    """At most MAX_RUNS runs (older ones folded), stretches that still matter (at most MAX_STRETCHES)."""
    months, runs = history.months, history.runs
    if len(runs) > MAX_RUNS:
        drop = len(runs) - MAX_RUNS
        months = _fold(history, drop)
        runs = runs[drop:]
    first = runs[0].at if runs else NEVER
    # A stretch whose saving ended before the oldest run kept is wholly in the folds.
    stretches = [s for s in history.stretches if s.saving_until >= first]
    if len(stretches) > MAX_STRETCHES:
        ended = sorted((s for s in stretches if s.end is not None), key=lambda s: s.saving_until)
        gone = {id(s) for s in ended[: len(stretches) - MAX_STRETCHES]}
        stretches = [s for s in stretches if id(s) not in gone]
    return History(runs, tuple(stretches), months)


def record_run(history: History, report: Report, now: datetime, run_every_seconds: int) -> History:
    """The history with this run added, still within its bounds. A run older than the latest is not recorded:
    history only moves forward (a replay with an earlier `--now` leaves it alone)."""
    if history.runs and now < history.runs[-1].at:
        return history
    run = run_record(report, now, run_every_seconds)
    stretches = observe_stretches(history.stretches, report, run)
    return _bounded(History(history.runs + (run,), tuple(stretches), history.months))
