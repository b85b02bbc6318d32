"""What the ledger says for a period: billed, saved (est.), exceptions and unknown hours, per namespace, month and
run, with the top spenders and what is still stopped."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from watchdog.core.ledger.history import CHART_POINTS, TOP_SPENDERS, History, MonthFold, allowance_seconds, month_start
from watchdog.core.ledger.tally import Saving, Segment, Tally, by_month, by_namespace, run_segments
from watchdog.core.model import Outcome

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
    # Billable endpoints without a price leave their cost out of `billed` (unknown, never $0): the most seen at one
    # run of the window, and at how many of its runs there were any.
    unpriced_most: int = 0
    unpriced_runs: int = 0


def _money(t: Tally, namespace: str | None = None) -> Money:
    if namespace is not None:
        return Money(t.billed.get(namespace, 0.0), t.saved.get(namespace, 0.0), t.exceptions.get(namespace, 0.0),
                     t.namespace_unknown.get(namespace, 0.0))
    return Money(sum(t.billed.values(), 0.0), sum(t.saved.values(), 0.0), sum(t.exceptions.values(), 0.0), t.unknown)


def _window(history: History, segments: Sequence[tuple[int, int, Segment]],
            stretches: Mapping[str, Sequence[Saving]], a: datetime, b: datetime) -> Tally:
    """The tally of [a, b]: live segments and gaps clipped to it, plus the folded months that start inside it."""
    t = Tally()
    for _, _, seg in segments:
        t.add_segment(seg, a, b, stretches.get(seg.namespace, ()))
    runs = history.runs
    for r0, r1 in pairwise(runs):
        t.add_gap(r0, r1, a, b)
    t.runs += sum(1 for r in runs if a <= r.at <= b)
    for fold in history.months:
        if _fold_within(fold, a, b):
            t.add_fold(fold)
    return t


def _fold_within(fold: MonthFold, a: datetime, b: datetime) -> bool:
    """A folded month counts in [a, b] when all it holds is inside: its runs started at or after `a`."""
    return a <= fold.first_run_at <= b


def _run_lines(history: History, segments: Sequence[tuple[int, int, Segment]],
               stretches: Mapping[str, Sequence[Saving]], a: datetime, b: datetime) -> list[RunLine]:
    """One line per run in [a, b], with the money of the segments that end at it."""
    runs = history.runs
    ending: dict[int, list[Segment]] = defaultdict(list)
    for _, j, seg in segments:
        ending[j].append(seg)
    folded = [f for f in history.months if _fold_within(f, a, b)]
    cum_billed = sum((sum(f.billed.values()) for f in folded), 0.0)
    cum_saved = sum((sum(f.saved.values()) for f in folded), 0.0)
    lines = []
    for j, run in enumerate(runs):
        if not a <= run.at <= b:
            continue
        t = Tally()
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
    segments = run_segments(runs)
    stretches = by_namespace(history.stretches)
    window = _window(history, segments, stretches, since, now)
    month = window if since == start_of_month else _window(history, segments, stretches, start_of_month, now)

    per_month = by_month(segments, pairwise(runs), runs, stretches, now)
    for fold in history.months:
        per_month[fold.month].add_fold(fold)
    months = tuple(MonthLine(label, _money(t), t.runs) for label, t in sorted(per_month.items()))

    names = sorted(set(window.billed) | set(window.saved) | set(window.namespace_unknown),
                   key=lambda n: (-window.billed.get(n, 0.0), n))
    top = sorted(((k, v) for k, v in window.spenders.items() if v >= 0.005), key=lambda kv: (-kv[1], kv[0]))
    still = [s for s in history.stretches if s.end is None]
    in_window = [r for r in runs if since <= r.at <= now]
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
        unpriced_most=max((r.unpriced for r in in_window), default=0),
        unpriced_runs=sum(1 for r in in_window if r.unpriced),
    )
