"""One open-metrics probe per namespace (issue #15, item 2): a running endpoint's 403/404 spares the others, the
verdict is remembered a day, and threads never fire a second probe before the first answer."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from watchdog.adapters.interface import HubError
from watchdog.core.measure import Signals
from watchdog.core.open_metrics import NoOpenMetrics, remembered, to_section
from watchdog.operations.sweep import collect

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
PLAN_403 = "open-metrics of {ns}/{name}: HTTP 403: Forbidden: open metrics are available on Team and Enterprise plans"


def raw(name: str, state: str = "running") -> dict:
    stamp = (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"name": name, "compute": {"id": "aws-us-east-1-nvidia-l4-x1"},
            "status": {"state": state, "createdAt": stamp, "updatedAt": stamp}}


class ProbeHub:
    """A thread-safe fake hub whose open-metrics answers come from `answer(namespace, name)`; pages as given."""

    def __init__(self, pages: dict[str, list[list[dict]]], answer, concurrency: int = 8, delay: float = 0.0):
        self.pages = pages
        self.answer = answer
        self.concurrency = concurrency
        self.delay = delay
        self.lock = threading.Lock()
        self.metrics_calls: list[str] = []
        self.in_flight: dict[str, int] = {}
        self.most_in_flight: dict[str, int] = {}

    def list_raw(self, namespace, on_page=None):
        items = []
        for page in self.pages[namespace]:
            items.extend(page)
            if on_page is not None:
                on_page(list(page))
            time.sleep(self.delay)
        return items

    def prices(self, namespace):
        return {"aws-us-east-1-nvidia-l4-x1": 0.8}

    def replicas(self, namespace, raw):
        time.sleep(self.delay)
        return Signals(replica_started_at=NOW - timedelta(hours=1))

    def open_metrics(self, namespace, raw):
        with self.lock:
            self.metrics_calls.append(f"{namespace}/{raw['name']}")
            self.in_flight[namespace] = self.in_flight.get(namespace, 0) + 1
            self.most_in_flight[namespace] = max(self.most_in_flight.get(namespace, 0), self.in_flight[namespace])
        time.sleep(self.delay)
        try:
            status = self.answer(namespace, raw["name"])
        finally:
            with self.lock:
                self.in_flight[namespace] -= 1
        if status is None:
            return Signals(request_counter=5.0)
        error = HubError(PLAN_403.format(ns=namespace, name=raw["name"]).replace("403", str(status)), status)
        return Signals(notes=(f"request counter unknown: {error}",), metrics_status=status)


def notes(fleet, key):
    return next(s.measurement_notes for s in fleet.snapshots if s.key == key)


def test_a_namespace_without_the_plan_costs_one_request_however_many_threads_are_free():
    pages = {"org": [[raw(f"e{i:02d}") for i in range(10)], [raw(f"e{i:02d}") for i in range(10, 20)]],
             "team": [[raw("t0"), raw("t1")]]}
    hub = ProbeHub(pages, lambda ns, name: 403 if ns == "org" else None, concurrency=16, delay=0.02)
    fleet = collect(hub, ["org", "team"], {}, NOW)
    org_calls = [c for c in hub.metrics_calls if c.startswith("org/")]
    assert org_calls == ["org/e00"] and hub.most_in_flight["org"] == 1  # the probe, alone
    assert sorted(c for c in hub.metrics_calls if c.startswith("team/")) == ["team/t0", "team/t1"]
    assert notes(fleet, "org/e00") == ("request counter unknown: " + PLAN_403.format(ns="org", name="e00"),)
    assert notes(fleet, "org/e17") == ("request counter unknown: open metrics unavailable in this namespace "
                                       "(403 on org/e00)",)
    assert fleet.metrics_unavailable == {"org": NoOpenMetrics("org", 403, "org/e00", NOW)}
    assert fleet.notices == (fleet.metrics_unavailable["org"].notice,)
    assert "team" not in fleet.metrics_unavailable and len(fleet.snapshots) == 22


def test_404_decides_too_and_only_a_running_endpoint_decides():
    pages = {"ns": [[raw("a-starting", "initializing"), raw("b-pending", "pending"), raw("c-running"), raw("d")]]}
    hub = ProbeHub(pages, lambda ns, name: 404, concurrency=4)
    fleet = collect(hub, ["ns"], {}, NOW)
    assert hub.metrics_calls == ["ns/c-running"]  # the starting ones waited for the verdict, then were spared
    assert fleet.metrics_unavailable["ns"].evidence == "404 on ns/c-running"
    assert notes(fleet, "ns/a-starting")[-1].endswith("(404 on ns/c-running)")


def test_with_no_running_endpoint_each_is_asked_as_before_and_nothing_is_decided():
    pages = {"ns": [[raw("a", "initializing"), raw("b", "updating")]]}
    hub = ProbeHub(pages, lambda ns, name: 403)
    fleet = collect(hub, ["ns"], {}, NOW)
    assert sorted(hub.metrics_calls) == ["ns/a", "ns/b"] and fleet.metrics_unavailable == {} and not fleet.notices


def test_a_probe_that_fails_otherwise_asks_everyone_and_a_later_refusal_still_closes():
    answers = {"e0": 500}
    pages = {"ns": [[raw("e0")], [raw(f"e{i}") for i in range(1, 40)]]}
    hub = ProbeHub(pages, lambda ns, name: answers.get(name, 403), concurrency=2, delay=0.002)
    fleet = collect(hub, ["ns"], {}, NOW)
    # Undecided after the 500: asked in parallel as before, until the first 403 of a running endpoint closes it;
    # what was already started finishes (at most the other threads' worth).
    assert hub.metrics_calls[0] == "ns/e0" and 2 <= len(hub.metrics_calls) <= 1 + 1 + hub.concurrency
    assert fleet.metrics_unavailable["ns"].endpoint in hub.metrics_calls[1:]


def test_a_namespace_that_has_them_is_asked_for_every_endpoint_whatever_one_answers():
    pages = {"ns": [[raw("a"), raw("b"), raw("c")]]}
    hub = ProbeHub(pages, lambda ns, name: 404 if name == "b" else None)  # b was deleted meanwhile, say
    fleet = collect(hub, ["ns"], {}, NOW)
    assert sorted(hub.metrics_calls) == ["ns/a", "ns/b", "ns/c"] and fleet.metrics_unavailable == {}


def test_a_remembered_verdict_asks_nothing_and_survives_a_failed_listing():
    earlier = NoOpenMetrics("ns", 403, "ns/a", NOW - timedelta(hours=3), remembered=True)
    hub = ProbeHub({"ns": [[raw("a"), raw("b", "initializing")]]}, lambda ns, name: pytest.fail("asked"))
    fleet = collect(hub, ["ns"], {}, NOW, {"ns": earlier})
    assert hub.metrics_calls == [] and fleet.metrics_unavailable == {"ns": earlier}
    assert notes(fleet, "ns/b")[-1] == ("request counter unknown: open metrics unavailable in this namespace (403 on "
                                        "ns/a at 2026-11-22T23:17:00Z; asked again from 2026-11-23T23:17:00Z)")

    class Broken(ProbeHub):
        def list_raw(self, namespace, on_page=None):
            raise HubError("list namespace 'ns': HTTP 503", 503, unreachable=True)

    failed = collect(Broken({}, None), ["ns"], {}, NOW, {"ns": earlier})
    assert failed.metrics_unavailable == {"ns": earlier} and failed.notices == ()


def test_the_state_section_round_trips_and_expires_after_a_day():
    found = NoOpenMetrics("acme-ml", 403, "acme-ml/x", NOW)
    section = to_section({"acme-ml": found})
    assert section == {"acme-ml": {"status": 403, "endpoint": "acme-ml/x", "since": "2026-11-23T02:17:00Z"}}
    assert remembered(section, ["acme-ml"], NOW + timedelta(hours=23, minutes=59)) == {
        "acme-ml": NoOpenMetrics("acme-ml", 403, "acme-ml/x", NOW, remembered=True)}
    assert remembered(section, ["acme-ml"], NOW + timedelta(hours=24)) == {}  # probed once again
    assert remembered(section, ["other"], NOW) == {}  # only watched namespaces
    for broken in (None, [], {"acme-ml": "x"}, {"acme-ml": {"status": 500, "endpoint": "acme-ml/x",
                                                             "since": "2026-11-23T02:17:00Z"}},
                   {"acme-ml": {"status": 403, "endpoint": "", "since": "2026-11-23T02:17:00Z"}},
                   {"acme-ml": {"status": 403, "endpoint": "acme-ml/x", "since": "yesterday"}}):
        assert remembered(broken, ["acme-ml"], NOW) == {}
