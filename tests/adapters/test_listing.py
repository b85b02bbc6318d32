"""Listing defence: every page whichever way the cursors are labelled, each endpoint once, and a warning instead of
silence when the listing may be incomplete (issue #10, item 7)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

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


def check(tmp_path, count, page_size, paging, *extra, limit="ignored"):
    """`watchdog ...` against a fake serving `count` endpoints. By default the fake ignores `limit` and serves pages
    of its own `page_size`, so that a few endpoints make several pages (the watchdog asks for 100 per page)."""
    (tmp_path / "p.yaml").write_text(POLICY)
    with FakeEndpointsAPI.from_dict(fleet(count, page_size), FakeClock(datetime(2026, 11, 23, tzinfo=UTC))) as api:
        api.set_shapes("acme-ml", paging=paging, limit=limit)
        run = run_watchdog(["--now", NOW_ISO, "--policies", str(tmp_path / "p.yaml"), "--state",
                            str(tmp_path / "s.json"), *extra], env_for(api.base_url, tmp_path),
                           report=tmp_path / "r.json")
        queries = [entry.query for entry in api.request_log() if entry.route == "list"]
        return run, len(queries), queries


@pytest.mark.parametrize("paging, max_requests", [("next", 5), ("both", 6), ("prev-only", 5), ("swapped", 6),
                                                  ("duplicates", 5)])
def test_every_endpoint_is_listed_once_whichever_way_the_cursors_come(tmp_path, paging, max_requests):
    run, requests, _ = check(tmp_path, 23, 5, paging, "check")
    names = [e["name"] for e in run.report["endpoints"]]
    assert sorted(names) == [f"ep-{i:02d}" for i in range(23)]  # all of them, each once
    assert run.report["namespaces"][0]["endpoints"] == 23
    assert requests <= max_requests  # at most one extra page when both cursors are sent
    assert run.report["namespaces"][0]["warnings"] == []


def test_a_full_page_with_no_cursor_is_a_warning_in_the_report_and_the_alert(tmp_path):
    run, _, _ = check(tmp_path, 25, 20, "no-cursor", "run", "--dry-run")
    ns = run.report["namespaces"][0]
    assert ns["ok"] is True and ns["endpoints"] == 20
    assert any("listing may be incomplete" in w for w in ns["warnings"])
    assert "listing may be incomplete" in run.stdout  # the text report
    assert "listing may be incomplete" in run.report["dry_run_alerts"]  # what Slack and GitHub would get
    assert run.code == 0  # a warning, not a failure


def test_pages_of_100_are_asked_and_each_page_is_one_request(tmp_path):
    run, requests, queries = check(tmp_path, 250, 20, "next", "check", limit="honored")
    assert run.report["namespaces"][0]["endpoints"] == 250 and run.report["namespaces"][0]["warnings"] == []
    assert requests == 3  # 100 + 100 + 50, where the server's default of 20 took 13 pages
    assert all(query.get("limit") == "100" for query in queries)


@pytest.mark.parametrize("refusal", ["400", "422"])
def test_a_server_that_refuses_limit_is_listed_without_it(tmp_path, refusal):
    run, requests, queries = check(tmp_path, 45, 20, "next", "check", limit=refusal)
    ns = run.report["namespaces"][0]
    assert ns["ok"] and ns["endpoints"] == 45 and ns["warnings"] == [] and run.code == 0
    assert queries[0].get("limit") == "100" and all("limit" not in q for q in queries[1:])
    assert requests == 1 + 3  # the refused page, then 20 + 20 + 5 at the server's default


def test_a_full_page_of_the_size_asked_with_no_cursor_is_a_warning_too(tmp_path):
    run, _, _ = check(tmp_path, 130, 20, "no-cursor", "check", limit="honored")
    ns = run.report["namespaces"][0]
    assert ns["endpoints"] == 100
    assert ns["warnings"] == ["a full page of 100 endpoints (the page size asked for) came with no cursor: "
                              "listing may be incomplete"]


def _fetcher(pages: dict) -> callable:
    def fetch(cursor, limit):
        return json.loads(json.dumps(pages[cursor]))
    return fetch


def test_list_pages_falls_back_to_no_limit_only_when_the_first_page_refuses_it():
    asked = []

    def fetch(cursor, limit):
        asked.append((cursor, limit))
        if limit is not None:
            raise HubError("list namespace 'ns': HTTP 422", 422)
        return {"items": [item("a")], "nextCursor": "c"} if cursor is None else {"items": [item("b")]}

    listing = list_pages(fetch, "ns", limit=100)
    assert [i["name"] for i in listing.items] == ["a", "b"] and asked == [(None, 100), (None, None), ("c", None)]
    pages = []
    list_pages(_fetcher({None: {"items": [item("a"), item("b")], "nextCursor": "c"},
                         "c": {"items": [item("b"), item("c")]}}), "ns", limit=100, on_page=pages.append)
    assert [[i["name"] for i in page] for page in pages] == [["a", "b"], ["c"]]  # each item once, as it came

    def refuse_later(cursor, limit):
        if cursor:
            raise HubError("list namespace 'ns': HTTP 400", 400)
        return {"items": [item("a")], "nextCursor": "c"}

    with pytest.raises(HubError):  # a refused later page is a failure, not a reason to start again
        list_pages(refuse_later, "ns", limit=100)


def item(name):
    return {"name": name}


def test_list_pages_rules():
    # prevCursor only (labels swapped by the spec's typo): followed.
    listing = list_pages(_fetcher({None: {"items": [item("a")], "prevCursor": "p2"}, "p2": {"items": [item("b")]}}),
                         "ns")
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
        list_pages(lambda cursor, limit: page, "ns")


@pytest.mark.parametrize("extra, said", [
    ({"hasMore": True}, "says hasMore: true"),
    ({"has_more": True}, "says has_more: true"),
    ({"total": 25}, "says total 25 but 10 were listed"),
    ({"totalCount": 11}, "says totalCount 11 but 10 were listed"),
    ({"next": "/v2/endpoint/ns?page=2"}, "'next' link"),
    ({"links": {"next": "https://x/page/2"}}, "'next' link"),
    ({"nextPageToken": "t2"}, "'nextPageToken' link"),
])
def test_a_last_page_that_says_there_is_more_without_a_cursor_is_a_warning(extra, said):
    listing = list_pages(_fetcher({None: {"items": [item(f"e{i}") for i in range(10)], **extra}}), "ns")
    assert len(listing.items) == 10
    assert len(listing.warnings) == 1 and said in listing.warnings[0], listing.warnings
    assert listing.warnings[0].endswith("and no cursor to follow: listing may be incomplete")


@pytest.mark.parametrize("extra", [{"hasMore": False}, {"total": 10}, {"count": 10}, {"next": None}, {"next": ""},
                                   {"links": {"next": None, "self": "/p1"}}, {"total": "25"}, {"hasMore": "yes"}])
def test_hints_that_agree_with_the_listing_or_cannot_be_read_say_nothing(extra):
    assert list_pages(_fetcher({None: {"items": [item(f"e{i}") for i in range(10)], **extra}}), "ns").warnings == ()


def test_a_total_over_several_pages_counts_every_page():
    listing = list_pages(_fetcher({None: {"items": [item("a")], "nextCursor": "c", "total": 2},
                                   "c": {"items": [item("b")], "total": 2}}), "ns")
    assert len(listing.items) == 2 and listing.warnings == ()


@pytest.mark.parametrize("key", ["next_cursor", "cursor", "nextToken", "continuationToken", "NEXT_CURSOR"])
def test_a_cursor_under_another_name_is_named_in_a_warning_and_not_followed(key):
    pages = {None: {"items": [item(f"e{i}") for i in range(50)], key: "opaque-c2"},
             "opaque-c2": {"items": [item("never")]}}
    asked = []
    fetch = _fetcher(pages)
    listing = list_pages(lambda cursor, limit: asked.append(cursor) or fetch(cursor, limit), "ns", limit=100)
    assert asked == [None] and len(listing.items) == 50  # the API documents nextCursor: a guessed key is not followed
    assert len(listing.warnings) == 1, listing.warnings
    warning = listing.warnings[0]
    assert f"{key!r}" in warning and "opaque-c2" not in warning and warning.endswith("listing may be incomplete")


def test_cursor_like_keys_that_were_followed_or_say_nothing_are_quiet():
    # Echoes of the cursor asked for, empty values, non-strings, and keys on a page the listing went on from.
    listing = list_pages(_fetcher({None: {"items": [item("a")], "nextCursor": "c", "nextCursorExpiresAt": "soon"},
                                   "c": {"items": [item("b")], "cursor": "c", "next_cursor": "", "tokenCount": 3,
                                         "continuation": None}}), "ns")
    assert len(listing.items) == 2 and listing.warnings == ()


def test_several_cursor_like_keys_make_one_short_warning():
    long_key = "continuation" + "x" * 100
    listing = list_pages(_fetcher({None: {"items": [item("a")], "cursor": "1", "nextToken": "2", long_key: "3",
                                          "pageToken": "4"}}), "ns")
    assert len(listing.warnings) == 1 and "'cursor', 'nextToken'" in listing.warnings[0]
    assert "and 1 more" in listing.warnings[0] and long_key not in listing.warnings[0]
