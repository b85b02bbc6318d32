"""The ledger's maths, by hand: billed (trapezoid between runs), saved (estimate), exceptions, unknown gaps,
month boundaries, bounds and folds, and the state-file form."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.alerts_support import endpoint_result, kept, make_report
from watchdog.core.ledger import (
    MAX_RUNS,
    History,
    allowance_seconds,
    ledger,
    record_run,
)
from watchdog.core.ledger.codec import history_from_dict, history_to_dict
from watchdog.core.model import Decision, Finding, NamespaceResult, Outcome
from watchdog.core.rules import Check

T0 = datetime(2026, 11, 20, 2, 17, tzinfo=UTC)
H = timedelta(hours=1)
DAY = 86400


def stopped(name, namespace="acme-ml", state="paused", **kw):
    """An endpoint a later run finds not billing."""
    return endpoint_result(name, namespace, state=state, decision=Decision.KEEP, outcome=Outcome.NONE, up=None, **kw)


def paused_now(name, price, namespace="acme-ml", at=T0):
    return endpoint_result(name, namespace, price=price, now=at)


def scaled_now(name, price, namespace="acme-ml", at=T0):
    return endpoint_result(name, namespace, price=price, now=at, decision=Decision.SCALE_TO_ZERO,
                           outcome=Outcome.SCALED_TO_ZERO)


def nights(*reports, run_every=DAY, history=None):
    """Record each (hours after T0, results...) as a run; returns the history."""
    history = history or History()
    for hours, *results in reports:
        at = T0 + hours * H
        history = record_run(history, make_report(*results, now=at), at, run_every)
    return history


def test_allowance_is_one_slot_plus_a_late_start_so_one_missed_run_is_always_unknown():
    assert allowance_seconds(DAY) == 25 * 3600
    assert allowance_seconds(3600) == 5400  # hourly: half an hour late is still fine, a missed hour is not
    for every in (900, 3600, 7200, DAY):
        assert allowance_seconds(every) < 2 * every


def test_a_pause_of_a_2_50_endpoint_left_paused_for_30_hours_saves_75():
    history = nights((0, paused_now("a100", 2.5)), (24, stopped("a100")), (30, stopped("a100")))
    result = ledger(history, T0 + 30 * H)
    assert round(result.total.saved, 2) == 75.00
    assert result.total.billed == 0  # it billed nothing after the pause
    assert result.stopped_now == 1 and result.stopped_usd_per_hour == 2.5
    assert [round(r.cumulative_saved, 2) for r in result.runs] == [0, 60.0, 75.0]


def test_a_resume_by_someone_stops_the_saving_at_the_last_run_that_saw_it_stopped():
    history = nights((0, paused_now("a100", 2.5)), (24, stopped("a100")), (30, stopped("a100")),
                     (54, kept("a100", price=2.5, now=T0 + 54 * H)), (78, kept("a100", price=2.5, now=T0 + 78 * H)))
    result = ledger(history, T0 + 78 * H)
    assert round(result.total.saved, 2) == 75.00  # not a cent for the 24h in which it was resumed
    # Billed: from $0/h left at 30h to $2.50/h found at 54h (trapezoid: 24h x 1.25), then 24h x 2.50.
    assert round(result.total.billed, 2) == 30.00 + 60.00
    (stretch,) = history.stretches
    assert stretch.end == "resumed" and stretch.seen_stopped_at == T0 + 30 * H and stretch.ended_at == T0 + 54 * H
    assert result.stopped_now == 0


def test_a_scaled_to_zero_endpoint_that_woke_on_traffic_ends_the_saving_too():
    history = nights((0, scaled_now("l4", 0.8)), (24, stopped("l4", state="scaledToZero")),
                     (48, kept("l4", price=0.8, now=T0 + 48 * H)))
    assert history.stretches[0].end == "woke"  # not "resumed by someone": it may have woken by itself
    assert round(ledger(history, T0 + 48 * H).total.saved, 2) == round(0.8 * 24, 2)


def test_an_endpoint_deleted_while_stopped_saves_until_the_run_that_no_longer_lists_it():
    history = nights((0, paused_now("a100", 2.5), kept("other", price=1.0)),
                     (24, stopped("a100"), kept("other", price=1.0)),
                     (48, kept("other", price=1.0)), (72, kept("other", price=1.0)))
    assert history.stretches[0].end == "deleted" and history.stretches[0].ended_at == T0 + 48 * H
    assert round(ledger(history, T0 + 72 * H).total.saved, 2) == 2.5 * 48


def test_a_dropped_night_counts_as_unknown_not_as_zero():
    history = nights((0, kept("t4", price=0.5)), (24, kept("t4", price=0.5)), (72, kept("t4", price=0.5)),
                     (96, kept("t4", price=0.5)))
    result = ledger(history, T0 + 96 * H)
    assert round(result.total.billed, 2) == 0.5 * 48  # the two nights that were seen
    assert result.total.unknown_hours == 48
    assert result.namespaces[0].money.unknown_hours == 48
    assert [r.counted for r in result.runs] == [None, True, False, True]
    assert result.runs[2].billed == 0  # unknown is not billed $0: it is not counted, and reported as hours


def test_a_stretch_across_a_dropped_night_saves_only_over_the_nights_seen():
    history = nights((0, paused_now("a100", 2.5)), (24, stopped("a100")), (72, stopped("a100")))
    result = ledger(history, T0 + 72 * H)
    assert round(result.total.saved, 2) == 60.00 and result.total.unknown_hours == 48


def test_billed_is_a_trapezoid_from_the_burn_a_run_left_to_the_burn_the_next_found():
    # Night 1: $2 + $3 billing, the $3 one paused (leaves $2/h). Night 2 finds $4/h (the $2 one grew to 2 replicas).
    history = nights((0, kept("a", price=2.0), paused_now("b", 3.0)),
                     (24, kept("a", price=4.0), stopped("b")))
    result = ledger(history, T0 + 24 * H)
    assert round(result.total.billed, 2) == (2.0 + 4.0) / 2 * 24
    assert result.runs[0].burn == 5.0 and result.runs[0].burn_after == 2.0
    assert round(result.total.saved, 2) == 3.0 * 24


def test_the_month_boundary_is_midnight_utc_and_splits_an_interval_between_runs():
    start = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    history = History()
    for hours in (0, 24):
        at = start + hours * H
        history = record_run(history, make_report(kept("t4", price=1.0, now=at), now=at), at, DAY)
    result = ledger(history, start + 24 * H)
    assert result.month_to_date and result.since == datetime(2026, 12, 1, tzinfo=UTC)
    assert round(result.total.billed, 2) == 12.00  # December: 00:00 to 12:00
    assert [(m.month, round(m.money.billed, 2), m.runs) for m in result.months] == [("2026-11", 12.0, 1),
                                                                                    ("2026-12", 12.0, 1)]
    whole = ledger(history, start + 24 * H, since=start - H)
    assert round(whole.total.billed, 2) == 24.00 and round(whole.month.billed, 2) == 12.00


def test_exceptions_are_what_exempt_and_protected_with_violations_billed():
    over = (Finding(Check.MAX_UPTIME, "12h", "12d", "running 12d > max_uptime 12h (defaults)"),)
    protected_over = endpoint_result("prod-a", decision=Decision.PROTECTED, outcome=Outcome.NONE, price=4.0,
                                     violations=over)
    protected_fine = endpoint_result("prod-b", decision=Decision.PROTECTED, outcome=Outcome.NONE, price=1.0,
                                     violations=())
    exempt = endpoint_result("paper", decision=Decision.EXEMPT, outcome=Outcome.NONE, price=2.0, violations=())
    history = nights((0, protected_over, protected_fine, exempt), (24, protected_over, protected_fine, exempt))
    result = ledger(history, T0 + 24 * H)
    assert round(result.total.billed, 2) == 7.0 * 24
    assert round(result.total.exceptions, 2) == 6.0 * 24  # prod-b breaks nothing: not an exception


def test_a_namespace_that_could_not_be_listed_is_unknown_for_that_time_not_zero():
    ok = (NamespaceResult("acme-ml", True, endpoints=1), NamespaceResult("bob", True, endpoints=1))
    bob_down = (NamespaceResult("acme-ml", True, endpoints=1), NamespaceResult("bob", False, "HTTP 500"))
    history = History()
    for hours, namespaces, results in ((0, ok, (kept("a", price=1.0), kept("b", "bob", price=2.0))),
                                       (24, bob_down, (kept("a", price=1.0),)),
                                       (48, ok, (kept("a", price=1.0), kept("b", "bob", price=2.0)))):
        at = T0 + hours * H
        history = record_run(history, make_report(*results, namespaces=namespaces, now=at), at, DAY)
    result = ledger(history, T0 + 48 * H)
    by_name = {ns.name: ns.money for ns in result.namespaces}
    assert round(by_name["acme-ml"].billed, 2) == 48.0
    assert by_name["bob"].billed == 0 and by_name["bob"].unknown_hours == 48  # not "bob cost $0 on night 2"
    assert result.total.unknown_hours == 0  # the runs themselves were on time


def test_pause_all_of_one_namespace_between_nightly_runs_leaves_the_other_namespace_alone():
    history = nights((0, kept("a", price=1.0), kept("b", "bob", price=2.0)))
    at = T0 + 12 * H
    brake = make_report(paused_now("a", 1.0, at=at), namespaces=(NamespaceResult("acme-ml", True, endpoints=1),),
                        now=at)
    history = record_run(history, brake, at, DAY)
    history = nights((24, stopped("a"), kept("b", "bob", price=2.0)), history=history)
    result = ledger(history, T0 + 24 * H)
    by_name = {ns.name: ns.money for ns in result.namespaces}
    assert round(by_name["bob"].billed, 2) == 48.0  # 24h x $2/h: the brake's run did not list bob
    assert round(by_name["acme-ml"].billed, 2) == 12.0 and round(by_name["acme-ml"].saved, 2) == 12.0


def test_top_spenders_are_the_five_largest_in_the_period():
    results = [kept(f"e{i}", price=float(i)) for i in range(1, 8)]
    history = nights((0, *results), (24, *results))
    top = ledger(history, T0 + 24 * H).top_spenders
    assert [s.key for s in top] == ["acme-ml/e7", "acme-ml/e6", "acme-ml/e5", "acme-ml/e4", "acme-ml/e3"]
    assert round(top[0].billed, 2) == 7 * 24


def test_since_limits_the_window_and_the_month_to_date_stays_alongside():
    history = nights((0, kept("a", price=1.0)), (24, kept("a", price=1.0)), (48, kept("a", price=1.0)))
    result = ledger(history, T0 + 48 * H, since=T0 + 36 * H)
    assert round(result.total.billed, 2) == 12.0 and not result.month_to_date
    assert round(result.month.billed, 2) == 48.0
    assert [r.at for r in result.runs] == [T0 + 48 * H]


def test_a_run_older_than_the_latest_is_not_recorded():
    history = nights((24, kept("a", price=1.0)))
    assert nights((0, kept("a", price=1.0)), history=history) == history


def test_history_is_bounded_to_400_runs_and_the_folded_months_keep_the_money():
    # Hourly runs for 500 hours across the November/December boundary: a $1/h endpoint kept running, and a $2/h
    # one paused at run 10 and never resumed.
    start = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)
    history = History()
    full = History()
    for i in range(500):
        at = start + i * H
        results = [kept("steady", price=1.0, now=at)]
        results.append(paused_now("big", 2.0, at=at) if i == 10
                       else stopped("big") if i > 10 else kept("big", price=2.0, now=at))
        report = make_report(*results, now=at)
        history = record_run(history, report, at, 3600)
        full = History(full.runs + history.runs[-1:], history.stretches, ())  # what an unbounded history holds
    assert len(history.runs) == MAX_RUNS
    assert [m.month for m in history.months] == ["2026-11"]
    assert history.months[0].runs == 100 and history.months[0].first_run_at == start
    assert history.since == start
    end = start + 499 * H
    result = ledger(history, end, since=start)
    assert round(result.total.billed, 2) == 499 * 1.0 + 10 * 2.0
    assert round(result.total.saved, 2) == (499 - 10) * 2.0
    months = {m.month: m for m in result.months}
    november_hours = (datetime(2026, 12, 1, tzinfo=UTC) - start).total_seconds() / 3600
    assert round(months["2026-11"].money.billed, 2) == round(november_hours + 20, 2)
    assert months["2026-11"].runs + months["2026-12"].runs == 500
    assert result.counted_from == start
    inside_the_fold = ledger(history, end, since=start + 50 * H)
    assert inside_the_fold.counted_from == history.runs[0].at  # a fold counts whole or not at all, and it says so
    assert round(inside_the_fold.total.billed, 2) == 399.0
    december = ledger(history, end)
    assert round(december.total.billed, 2) == round(499 - november_hours, 2)
    unbounded = ledger(full, end, since=start)
    assert round(unbounded.total.billed, 6) == round(result.total.billed, 6)
    assert round(unbounded.total.saved, 6) == round(result.total.saved, 6)


def test_the_state_form_round_trips_and_garbage_is_dropped_with_a_notice():
    history = nights((0, paused_now("a100", 2.5), kept("t4", price=0.5)), (24, stopped("a100"), kept("t4", price=0.5)))
    data = json.loads(json.dumps(history_to_dict(history)))
    back, problem = history_from_dict(data)
    assert problem is None
    assert ledger(back, T0 + 24 * H) == ledger(history, T0 + 24 * H)
    assert history_from_dict(None) == (History(), None)
    for bad in ([1, 2], {"version": 9}, {**data, "runs": [{"at": "yesterday"}]},
                {**data, "stretches": [{**data["stretches"][0], "end": "stolen"}]}):
        empty, problem = history_from_dict(bad)
        assert empty == History() and "could not be read" in problem


@pytest.mark.parametrize("count", [0, 1])
def test_an_empty_or_one_run_history_has_no_money(count):
    history = nights(*[(0, kept("a", price=1.0))][:count])
    result = ledger(history, T0)
    assert result.total.billed == 0 and result.total.unknown_hours == 0
    assert (result.history_since is None) == (count == 0)
