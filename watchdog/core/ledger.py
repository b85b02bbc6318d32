"""The ledger: a bounded history of runs and of the stretches the watchdog stopped, and what they add up to (pure).

Money is estimated from what the runs observed, never from guesses about the time between them:

* **billed** is the integral of each namespace's burn $/h between two consecutive runs that listed it: a
  trapezoid from the burn the earlier run *left* (after its own pauses) to the burn the later run found at
  listing time. Two runs further apart than `allowance_seconds(run_every)` leave that time **unknown**
  (reported as hours, never counted as zero).
* **saved** (an estimate) is, for each stretch the watchdog paused or scaled to zero, its $/h × the known
  hours it stayed stopped: until the last run that still saw it stopped when a later run sees it billing again
  (someone resumed it, or it woke on traffic: the restart happened somewhere in between, so that last
  interval is not counted), until the run that no longer lists it when it was deleted, and until the latest
  run while it is still stopped. It assumes the endpoint would otherwise have kept billing.
* **exceptions** is the billed part of endpoints whose decision is `exempt`, or `protected` with violations.

Months are UTC calendar months. The history keeps the last `MAX_RUNS` runs; older ones are folded into
monthly totals (`MonthFold`), so the money they held is kept while the detail goes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import datetime, timezone

from watchdog.core.model import Decision, EndpointResult, Outcome, Report

MAX_RUNS = 400
# Billable endpoints itemised per run, by $/h (stopped and exception endpoints always are); the rest of a
# namespace's burn is kept as one sum, so namespace totals stay exact and the top spenders nearly so.
MAX_ENDPOINTS_PER_RUN = 50
MAX_STRETCHES = 2000  # the oldest ended stretches go first
MAX_MONTHS = 24  # monthly folds kept
MAX_SPENDERS_PER_MONTH = 50
TOP_SPENDERS = 5
CHART_POINTS = 30
# GitHub starts scheduled runs late under load; the dropped-schedule notice allows the same hour.
LATE_START_SECONDS = 3600

STOPPED_OUTCOMES = frozenset({Outcome.PAUSED.value, Outcome.SCALED_TO_ZERO.value})
# What a run did that the history keeps: stops, failures to stop, and endpoints deleted before the stop.
RECORDED_OUTCOMES = STOPPED_OUTCOMES | {Outcome.FAILED.value, Outcome.GONE.value}
# After the run, these no longer bill (a `gone` endpoint was deleted under the watchdog's hands).
NOT_BILLING_AFTER = STOPPED_OUTCOMES | {Outcome.GONE.value}

_UTC = timezone.utc
_NEVER = datetime.max.replace(tzinfo=_UTC)


def allowance_seconds(run_every_seconds: int) -> int:
    """The longest gap between two runs that still counts: one `run_every` plus a late start.

    The late start is an hour (as in the dropped-schedule notice), or half the period when that is shorter, so a
    single missed run is always unknown (the notice waits for two before it speaks).
    """
    return run_every_seconds + min(LATE_START_SECONDS, run_every_seconds // 2)


def month_start(moment: datetime) -> datetime:
    """00:00 UTC on the first day of the month holding `moment`."""
    utc = moment.astimezone(_UTC)
    return datetime(utc.year, utc.month, 1, tzinfo=_UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=_UTC)


def month_label(moment: datetime) -> str:
    """`2026-11`."""
    return moment.astimezone(_UTC).strftime("%Y-%m")


def namespace_of(key: str) -> str:
    return key.partition("/")[0]


# --- the history ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    """One real run (`run` or `pause-all`) as the ledger remembers it."""

    at: datetime
    command: str
    run_every_seconds: int  # the policy's `run_every` at the time: how far apart this run and the previous may be
    billable: int  # billable endpoints at listing time
    unpriced: int  # billable endpoints without a known price (the burn leaves them out)
    # Namespaces listed fine by this run → $/h of their billable endpoints not itemised in `rates`. A namespace
    # that is absent was not listed (an error, or pause-all of another one): its burn is unknown at this run.
    namespaces: Mapping[str, float]
    rates: Mapping[str, float]  # `ns/name` → $/h at listing time, for the itemised billable endpoints
    exceptions: frozenset[str] = frozenset()  # itemised keys that were exempt or protected with violations
    actions: Mapping[str, str] = field(default_factory=dict)  # `ns/name` → outcome (paused, scaled-to-zero, ...)

    @property
    def burn(self) -> float:
        """$/h at listing time, before this run's actions."""
        return sum(self.rates.values()) + sum(self.namespaces.values())

    @property
    def burn_after(self) -> float:
        """$/h this run left running: the burn minus what it stopped."""
        return self.burn - sum(self.rates.get(k, 0.0) for k, o in self.actions.items() if o in NOT_BILLING_AFTER)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.actions.values() if o == outcome)

    def rates_of(self, namespace: str, *, after: bool) -> Mapping[str, float]:
        """Itemised $/h of one namespace, at listing time or after this run's actions."""
        return self._rates_by_namespace[after].get(namespace, {})

    @cached_property
    def _rates_by_namespace(self) -> dict[bool, dict[str, dict[str, float]]]:
        out: dict[bool, dict[str, dict[str, float]]] = {False: defaultdict(dict), True: defaultdict(dict)}
        for key, rate in self.rates.items():
            namespace = namespace_of(key)
            out[False][namespace][key] = rate
            out[True][namespace][key] = 0.0 if self.actions.get(key) in NOT_BILLING_AFTER else rate
        return out


@dataclass(frozen=True)
class Stretch:
    """A time the watchdog stopped an endpoint, and what later runs saw of it."""

    key: str  # `ns/name`
    action: str  # paused | scaled-to-zero
    usd_per_hour: float  # what it billed when stopped
    stopped_at: datetime
    seen_stopped_at: datetime  # the latest run that saw it still stopped
    ended_at: datetime | None = None  # the run that saw it billing again, or no longer listed it
    end: str | None = None  # resumed (was paused) | woke (was scaled to zero) | deleted; None: still stopped

    @property
    def namespace(self) -> str:
        return namespace_of(self.key)

    @property
    def saving_until(self) -> datetime:
        """Where the saving stops counting (open stretches count until their namespace's latest run)."""
        if self.end is None:
            return _NEVER
        if self.end == "deleted":
            return self.ended_at or self.seen_stopped_at
        return self.seen_stopped_at  # restarted somewhere after this run: count conservatively


@dataclass(frozen=True)
class MonthFold:
    """What runs dropped from the history held, for one UTC month."""

    month: str  # `2026-11`
    first_run_at: datetime
    runs: int
    billed: Mapping[str, float] = field(default_factory=dict)  # per namespace
    saved: Mapping[str, float] = field(default_factory=dict)
    exceptions: Mapping[str, float] = field(default_factory=dict)
    unknown_hours: float = 0.0  # time between runs further apart than allowed
    namespace_unknown_hours: Mapping[str, float] = field(default_factory=dict)
    spenders: Mapping[str, float] = field(default_factory=dict)  # `ns/name` → billed (the largest only)


@dataclass(frozen=True)
class History:
    """The ledger's part of the state file."""

    runs: tuple[RunRecord, ...] = ()
    stretches: tuple[Stretch, ...] = ()
    months: tuple[MonthFold, ...] = ()

    @property
    def since(self) -> datetime | None:
        """The first run the history knows of (folded months included)."""
        firsts = [m.first_run_at for m in self.months] + [r.at for r in self.runs[:1]]
        return min(firsts) if firsts else None


def is_exception(result: EndpointResult) -> bool:
    """Exempt, or protected while breaking a limit: billing the policy knowingly lets through."""
    decision = result.evaluation.decision
    return decision is Decision.EXEMPT or (decision is Decision.PROTECTED and bool(result.evaluation.violations))


def run_record(report: Report, now: datetime, run_every_seconds: int) -> RunRecord:
    """What the history keeps of one run's report."""
    actions = {r.endpoint.key: r.outcome.value for r in report.endpoints if r.outcome.value in RECORDED_OUTCOMES}
    listed = {ns.name: 0.0 for ns in report.namespaces if ns.ok}
    billable = [r for r in report.endpoints if r.endpoint.billable]
    rates: dict[str, float] = {}
    exceptions = set()
    for r in billable:
        rate = r.endpoint.hourly_usd
        if rate is not None:
            rates[r.endpoint.key] = float(rate)
            if is_exception(r):
                exceptions.add(r.endpoint.key)
    priced = len(rates)
    rest = sorted((k for k in rates if k not in actions and k not in exceptions), key=lambda k: (-rates[k], k))
    for key in rest[MAX_ENDPOINTS_PER_RUN:]:
        namespace = namespace_of(key)
        listed[namespace] = listed.get(namespace, 0.0) + rates.pop(key)
    return RunRecord(
        at=now,
        command=report.command,
        run_every_seconds=run_every_seconds,
        billable=len(billable),
        unpriced=len(billable) - priced,
        namespaces=listed,
        rates=rates,
        exceptions=frozenset(exceptions),
        actions=actions,
    )


def _observe(stretches: Iterable[Stretch], report: Report, run: RunRecord) -> list[Stretch]:
    """Update the open stretches with what this run saw, then open one per endpoint it stopped."""
    seen = {r.endpoint.key: r.endpoint for r in report.endpoints}
    now = run.at
    out = []
    for s in stretches:
        endpoint = seen.get(s.key)
        if s.end is not None or s.namespace not in run.namespaces or (endpoint is not None and endpoint.unmeasurable):
            out.append(s)  # nothing observed about it this run
        elif endpoint is None:
            out.append(replace(s, ended_at=now, end="deleted"))
        elif endpoint.billable:
            out.append(replace(s, ended_at=now, end="resumed" if s.action == Outcome.PAUSED.value else "woke"))
        else:
            out.append(replace(s, seen_stopped_at=now))
    for key, outcome in run.actions.items():
        if outcome in STOPPED_OUTCOMES:
            out.append(Stretch(key, outcome, run.rates.get(key, 0.0), now, now))
    return out


def record_run(history: History, report: Report, now: datetime, run_every_seconds: int) -> History:
    """The history with this run added, still within its bounds. A run older than the latest is not recorded:
    history only moves forward (a replay with an earlier `--now` leaves it alone)."""
    if history.runs and now < history.runs[-1].at:
        return history
    run = run_record(report, now, run_every_seconds)
    stretches = _observe(history.stretches, report, run)
    return _bounded(History(history.runs + (run,), tuple(stretches), history.months))


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
class _Segment:
    """The time between two consecutive runs that listed one namespace."""

    namespace: str
    start: RunRecord
    end: RunRecord

    @property
    def known(self) -> bool:
        return (self.end.at - self.start.at).total_seconds() <= allowance_seconds(self.end.run_every_seconds)


def _segments(runs: Sequence[RunRecord], starts: range | None = None) -> list[tuple[int, int, _Segment]]:
    """Every namespace's segments as (start index, end index, segment); only those starting in `starts` if given."""
    last: dict[str, int] = {}
    out = []
    for j, run in enumerate(runs):
        for namespace in run.namespaces:
            i = last.get(namespace)
            if i is not None and (starts is None or i in starts):
                out.append((i, j, _Segment(namespace, runs[i], run)))
            last[namespace] = j
    return out


@dataclass
class _Tally:
    """Money and unknown time, added up over segments."""

    billed: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # per namespace
    saved: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    exceptions: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    namespace_unknown: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    spenders: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    unknown: float = 0.0
    runs: int = 0

    def add_segment(self, seg: _Segment, a: datetime, b: datetime, stretches: Sequence[_Saving]) -> None:
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
_Saving = tuple[datetime, datetime, float]


def _by_namespace(stretches: Iterable[Stretch]) -> dict[str, list[_Saving]]:
    out: dict[str, list[_Saving]] = defaultdict(list)
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


def _by_month(
    segments: Iterable[tuple[int, int, _Segment]],
    gaps: Iterable[tuple[RunRecord, RunRecord]],
    runs: Iterable[RunRecord],
    stretches: Mapping[str, Sequence[_Saving]],
    until: datetime,
) -> dict[str, _Tally]:
    """Segments, gaps between runs and run counts, split at UTC month boundaries and cut at `until`."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
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
    tallies = _by_month(_segments(runs, range(drop)), zip(runs[:drop], runs[1 : drop + 1]), runs[:drop],
                        _by_namespace(history.stretches), _NEVER)
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
    first = runs[0].at if runs else _NEVER
    # A stretch whose saving ended before the oldest run kept is wholly in the folds.
    stretches = [s for s in history.stretches if s.saving_until >= first]
    if len(stretches) > MAX_STRETCHES:
        ended = sorted((s for s in stretches if s.end is not None), key=lambda s: s.saving_until)
        gone = {id(s) for s in ended[: len(stretches) - MAX_STRETCHES]}
        stretches = [s for s in stretches if id(s) not in gone]
    return History(runs, tuple(stretches), months)


# --- the ledger ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """Billed, saved (estimate) and exceptions in USD, plus the hours the ledger could not see."""

    billed: float = 0.0
    saved: float = 0.0
    exceptions: float = 0.0
    unknown_hours: float = 0.0


@dataclass(frozen=True)
class NamespaceMoney:
    name: str
    money: Money


@dataclass(frozen=True)
class Spender:
    key: str  # `ns/name`
    billed: float


@dataclass(frozen=True)
class MonthLine:
    month: str  # `2026-11`
    money: Money
    runs: int


@dataclass(frozen=True)
class RunLine:
    """One run in the window, with the money of the time since the previous one (a CSV row)."""

    at: datetime
    command: str
    burn: float  # $/h at listing time
    burn_after: float  # $/h left after this run's actions
    billable: int
    paused: int
    scaled_to_zero: int
    failed: int
    gap_hours: float | None  # since the previous run (None: the first run the history holds)
    counted: bool | None  # the gap was within the allowance
    billed: float  # in the time since the previous run (within the window)
    saved: float
    exceptions: float
    cumulative_billed: float  # from the window's start to this run
    cumulative_saved: float


@dataclass(frozen=True)
class Ledger:
    """What the history adds up to from `since` to `now`, month to date, and per month."""

    now: datetime
    since: datetime  # the window's start
    month_to_date: bool  # the window is the current month
    history_since: datetime | None
    last_run_at: datetime | None
    total: Money  # the window
    month: Money  # the current month to date
    namespaces: tuple[NamespaceMoney, ...]  # the window, most billed first
    top_spenders: tuple[Spender, ...]  # the window
    months: tuple[MonthLine, ...]  # every month the history holds, oldest first
    runs: tuple[RunLine, ...]  # the runs in the window
    recent_burn: tuple[tuple[datetime, float], ...]  # the last CHART_POINTS runs, for the burn chart
    stopped_now: int  # endpoints the watchdog stopped that are still stopped
    stopped_usd_per_hour: float
    allowance_seconds: int | None  # of the latest run
    # Where the window's figures really start: `since`, or the oldest run kept when `since` falls inside a folded
    # month (a fold counts whole or not at all).
    counted_from: datetime


def _money(t: _Tally, namespace: str | None = None) -> Money:
    if namespace is not None:
        return Money(t.billed.get(namespace, 0.0), t.saved.get(namespace, 0.0), t.exceptions.get(namespace, 0.0),
                     t.namespace_unknown.get(namespace, 0.0))
    return Money(sum(t.billed.values(), 0.0), sum(t.saved.values(), 0.0), sum(t.exceptions.values(), 0.0), t.unknown)


def _window(history: History, segments: Sequence[tuple[int, int, _Segment]],
            stretches: Mapping[str, Sequence[_Saving]], a: datetime, b: datetime) -> _Tally:
    """The tally of [a, b]: live segments and gaps clipped to it, plus the folded months that start inside it."""
    t = _Tally()
    for _, _, seg in segments:
        t.add_segment(seg, a, b, stretches.get(seg.namespace, ()))
    runs = history.runs
    for r0, r1 in zip(runs, runs[1:]):
        t.add_gap(r0, r1, a, b)
    t.runs += sum(1 for r in runs if a <= r.at <= b)
    for fold in history.months:
        if _fold_within(fold, a, b):
            t.add_fold(fold)
    return t


def _fold_within(fold: MonthFold, a: datetime, b: datetime) -> bool:
    """A folded month counts in [a, b] when all it holds is inside: its runs started at or after `a`."""
    return a <= fold.first_run_at <= b


def _run_lines(history: History, segments: Sequence[tuple[int, int, _Segment]],
               stretches: Mapping[str, Sequence[_Saving]], a: datetime, b: datetime) -> list[RunLine]:
    """One line per run in [a, b], with the money of the segments that end at it."""
    runs = history.runs
    ending: dict[int, list[_Segment]] = defaultdict(list)
    for _, j, seg in segments:
        ending[j].append(seg)
    folded = [f for f in history.months if _fold_within(f, a, b)]
    cum_billed = sum((sum(f.billed.values()) for f in folded), 0.0)
    cum_saved = sum((sum(f.saved.values()) for f in folded), 0.0)
    lines = []
    for j, run in enumerate(runs):
        if not a <= run.at <= b:
            continue
        t = _Tally()
        for seg in ending.get(j, ()):
            t.add_segment(seg, a, b, stretches.get(seg.namespace, ()))
        m = _money(t)
        cum_billed += m.billed
        cum_saved += m.saved
        gap = (run.at - runs[j - 1].at).total_seconds() if j else None
        lines.append(RunLine(
            at=run.at, command=run.command, burn=run.burn, burn_after=run.burn_after, billable=run.billable,
            paused=run.count(Outcome.PAUSED.value), scaled_to_zero=run.count(Outcome.SCALED_TO_ZERO.value),
            failed=run.count(Outcome.FAILED.value), gap_hours=None if gap is None else gap / 3600,
            counted=None if gap is None else gap <= allowance_seconds(run.run_every_seconds),
            billed=m.billed, saved=m.saved, exceptions=m.exceptions,
            cumulative_billed=cum_billed, cumulative_saved=cum_saved,
        ))
    return lines


def ledger(history: History, now: datetime, since: datetime | None = None) -> Ledger:
    """Billed, saved and exceptions from `since` (default: the start of the month, UTC) to `now`: in total, per
    namespace, top spenders, per month and per run. A folded month counts in a window that holds all its runs."""
    start_of_month = month_start(now)
    since = start_of_month if since is None else since
    runs = history.runs
    segments = _segments(runs)
    stretches = _by_namespace(history.stretches)
    window = _window(history, segments, stretches, since, now)
    month = window if since == start_of_month else _window(history, segments, stretches, start_of_month, now)

    per_month = _by_month(segments, zip(runs, runs[1:]), runs, stretches, now)
    for fold in history.months:
        per_month[fold.month].add_fold(fold)
    months = tuple(MonthLine(label, _money(t), t.runs) for label, t in sorted(per_month.items()))

    names = sorted(set(window.billed) | set(window.saved) | set(window.namespace_unknown),
                   key=lambda n: (-window.billed.get(n, 0.0), n))
    top = sorted(((k, v) for k, v in window.spenders.items() if v >= 0.005), key=lambda kv: (-kv[1], kv[0]))
    still = [s for s in history.stretches if s.end is None]
    return Ledger(
        now=now,
        since=since,
        month_to_date=since == start_of_month,
        history_since=history.since,
        last_run_at=runs[-1].at if runs else None,
        total=_money(window),
        month=_money(month),
        namespaces=tuple(NamespaceMoney(n, _money(window, n)) for n in names),
        top_spenders=tuple(Spender(k, v) for k, v in top[:TOP_SPENDERS]),
        months=months,
        runs=tuple(_run_lines(history, segments, stretches, since, now)),
        recent_burn=tuple((r.at, r.burn) for r in runs if r.at <= now)[-CHART_POINTS:],
        stopped_now=len(still),
        stopped_usd_per_hour=sum((s.usd_per_hour for s in still), 0.0),
        allowance_seconds=allowance_seconds(runs[-1].run_every_seconds) if runs else None,
        counted_from=max([since, *(runs[0].at for f in history.months if f.first_run_at < since < runs[0].at)]),
    )
