"""Listing defence: every page whichever way the cursors are labelled, each endpoint once, and a warning instead of
silence when the listing may be incomplete (issue #10, item 7)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests.inprocess import env_for, run_watchdog
from watchdog.adapters.interface import HubError
from watchdog.adapters.listing import list_pages
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI

NOW_ISO = "2026-11-23T02:17:00Z"
POLICY = "version: 1\nnamespaces: [acme-ml]\ndefaults: {max_uptime: 12h, max_idle: 2h, action: pause}\n"


def fleet(count: int, page_size: int | None) -> dict:
    return {"user": "alice", "page_size": page_size, "namespaces": {"acme-ml": {"endpoints": [
        {"name": f"ep-{i:02d}", "instance": "aws-us-east-1-nvidia-t4-x1", "repository": "org/m", "state": "paused"}
        for i in range(count)]}}}


def check(tmp_path, count, page_size, paging, *extra):
    (tmp_path / "p.yaml").write_text(POLICY)
    with FakeEndpointsAPI.from_dict(fleet(count, page_size), FakeClock(datetime(2026, 11, 23, tzinfo=timezone.utc))) as api:
        api.set_shapes("acme-ml", paging=paging)
        run = run_watchdog(["--now", NOW_ISO, "--policies", str(tmp_path / "p.yaml"), "--state",
                            str(tmp_path / "s.json"), *extra], env_for(api.base_url, tmp_path),
                           report=tmp_path / "r.json")
        return run, api.request_counts().get("list", 0)


@pytest.mark.parametrize("paging, max_requests", [("next", 5), ("both", 6), ("prev-only", 5), ("swapped", 6),
                                                  ("duplicates", 5)])
def test_every_endpoint_is_listed_once_whichever_way_the_cursors_come(tmp_path, paging, max_requests):
    run, requests = check(tmp_path, 23, 5, paging, "check")
    names = [e["name"] for e in run.report["endpoints"]]
    assert sorted(names) == [f"ep-{i:02d}" for i in range(23)]  # all of them, each once
    assert run.report["namespaces"][0]["endpoints"] == 23
    assert requests <= max_requests  # at most one extra page when both cursors are sent
    assert run.report["namespaces"][0]["warnings"] == []


def test_a_full_page_with_no_cursor_is_a_warning_in_the_report_and_the_alert(tmp_path):
    run, _ = check(tmp_path, 25, 20, "no-cursor", "run", "--dry-run")
    ns = run.report["namespaces"][0]
    assert ns["ok"] is True and ns["endpoints"] == 20
    assert any("listing may be incomplete" in w for w in ns["warnings"])
    assert "listing may be incomplete" in run.stdout  # the text report
    assert "listing may be incomplete" in run.report["dry_run_alerts"]  # what Slack and GitHub would get
    assert run.code == 0  # a warning, not a failure


def _fetcher(pages: dict) -> callable:
    def fetch(cursor):
        return json.loads(json.dumps(pages[cursor]))
    return fetch


def item(name):
    return {"name": name}


def test_list_pages_rules():
    # prevCursor only (labels swapped by the spec's typo): followed.
    listing = list_pages(_fetcher({None: {"items": [item("a")], "prevCursor": "p2"}, "p2": {"items": [item("b")]}}), "ns")
    assert [i["name"] for i in listing.items] == ["a", "b"] and listing.warnings == ()
    # A cursor answered with itself: stop, and say the listing may be incomplete.
    looping = list_pages(_fetcher({None: {"items": [item("a")], "nextCursor": "c"}, "c": {"items": [item("b")],
                                                                                        "nextCursor": "c"}}), "ns")
    assert [i["name"] for i in looping.items] == ["a", "b"] and "may be incomplete" in looping.warnings[0]
    # A repeated cursor further back stops quietly (that is the end of a doubly linked list).
    cycle = list_pages(_fetcher({None: {"items": [item("a")], "nextCursor": "c1"},
                                 "c1": {"items": [item("b")], "nextCursor": "c2"},
                                 "c2": {"items": [item("c")], "nextCursor": "c1"}}), "ns")
    assert [i["name"] for i in cycle.items] == ["a", "b", "c"] and cycle.warnings == ()
    # Duplicates and unnamed items.
    dup = list_pages(_fetcher({None: {"items": [item("a"), item("a"), {"x": 1}, {"x": 1}, "junk"]}}), "ns")
    assert len(dup.items) == 3
    # A cursor of the wrong type is not followed, and said.
    odd = list_pages(_fetcher({None: {"items": [item("a")], "nextCursor": {"after": "a"}}}), "ns")
    assert "nextCursor was dict" in odd.warnings[0]
    numeric = list_pages(_fetcher({None: {"items": [item("a")], "nextCursor": 2}, "2": {"items": [item("b")]}}), "ns")
    assert len(numeric.items) == 2
    bare = list_pages(_fetcher({None: [item("a")]}), "ns")
    assert len(bare.items) == 1 and "bare list" in bare.warnings[0]
    full = list_pages(_fetcher({None: {"items": [item(f"e{i}") for i in range(20)]}}), "ns")
    assert "listing may be incomplete" in full.warnings[0]


@pytest.mark.parametrize("page, came", [({"endpoints": []}, "keys endpoints"), ({"items": None}, "items is null"),
                                        ({"items": {"a": 1}}, "items is dict"), ("x", "str"), (None, "null")])
def test_an_answer_that_is_not_a_page_fails_the_namespace_and_says_what_came(page, came):
    with pytest.raises(HubError, match=came):
        list_pages(lambda cursor: page, "ns")
