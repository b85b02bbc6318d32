"""The ledger's history: each run's instant, burn and actions, and each stretch the watchdog stopped (records only).

Months are UTC calendar months. See `watchdog/core/ledger/__init__.py` for what the money means.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property

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

_UTC = UTC
NEVER = datetime.max.replace(tzinfo=_UTC)


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
            return NEVER
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


def observe_stretches(stretches: Iterable[Stretch], report: Report, run: RunRecord) -> list[Stretch]:
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
