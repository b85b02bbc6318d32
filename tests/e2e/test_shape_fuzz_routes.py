"""Shape fuzzing of every other answer the watchdog reads: replica lists, open-metrics bodies, price lists, action
answers, whoami and list pages (same invariants as tests/e2e/test_shape_fuzz.py, same independent stand-in)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.e2e.test_shape_fuzz import POLICY, check_controls, expected_exit, run, said, world
from tests.inprocess import run_watchdog
from tests.shape_mutations import Mutation, apply, mutations
from tests.shape_service import (
    NOW,
    NOW_ISO,
    ShapeService,
    ago,
    endpoint,
    metrics,
    provider,
    replicas,
    runtime_for,
    service_env,
    whoami,
)

BROKEN_OPS = ("removed", "null", "wrong-type", "deeper", "shallower")


def on_path(mutation: Mutation, target: tuple[Any, ...]) -> bool:
    """True when the mutation hits `target` or one of the objects holding it."""
    return mutation.path == target[: len(mutation.path)] and mutation.op in BROKEN_OPS


# -- replica list ----------------------------------------------------------------------------------------------

REPLICA_BASE = replicas(ago(hours=30))
START = ("items", 0, "startedAt")


def test_replica_answers_varied_never_lengthen_uptime_from_a_malformed_field(tmp_path):
    variations: list[tuple[str, Any, bool]] = []  # (label, answer, may the replica start still be used?)
    for mutation in mutations(REPLICA_BASE):
        readable = not on_path(mutation, START) and not (
            mutation.path == ("items", 0, "live") and mutation.op != "removed")
        if mutation.path == ("items",) and mutation.op == "shallower":
            readable = False  # {"items": {...one replica...}} is no list
        variations.append((str(mutation), apply(REPLICA_BASE, mutation), readable))
    items = REPLICA_BASE["items"]
    variations += [("under replicas", {"replicas": items}, True), ("bare list", items, True),
                   ("unknown key", {"pods": items}, False), ("null", None, False), ("text", "ok", False),
                   ("number", 3, False), ("deeper", {"items": {"items": items}}, False),
                   ("data wrapper", {"data": {"items": items}}, False),
                   ("junk items", {"items": [1, "x", None]}, False),
                   ("live as text", {"items": [{**items[0], "live": "true"}]}, False),
                   ("stopped, no live flag", {"items": [{"startedAt": ago(hours=30), "stoppedAt": ago(hours=1)}]},
                    False),
                   ("no live flag", {"items": [{"startedAt": ago(hours=30)}]}, True)]
    subjects, service = [], world()
    for index, (_, answer, _) in enumerate(variations):
        name = f"r{index:03d}"
        subjects.append(endpoint(name, updated=ago(hours=30)))  # a weak source alone would say 30h too
        service.replica_answers[f"acme-ml/{name}"] = answer
    service.endpoints["acme-ml"] += subjects
    result = run(service, tmp_path, "run")
    problems = []
    for index, (label, answer, readable) in enumerate(variations):
        entry = result.endpoint(f"r{index:03d}")
        paused = entry["decision"] == "pause"
        if paused != readable:
            problems.append(f"{label}: decision {entry['decision']} ({entry['running_since_source']}), "
                            f"readable={readable}: {said(entry)}")
        if paused and entry["running_since_source"] != "replica":
            problems.append(f"{label}: paused on {entry['running_since_source']}")
        if not readable and "replica" not in said(entry):
            problems.append(f"{label}: nothing says what was wrong with the replica answer: {said(entry)}")
        if not readable and any("no live replica" in n for n in entry["measurement_notes"]) and not isinstance(
                answer, (dict, list)):
            problems.append(f"{label}: an unreadable answer was called 'no live replica'")
    assert not problems, "\n".join(problems)
    check_controls(service, result)
    assert result.code == expected_exit(result) == 0


# -- open-metrics body -----------------------------------------------------------------------------------------

METRIC_BODIES = [  # (label, body, usable counter?)
    ("documented", metrics(10), True),
    ("_total suffix", "http_requests_total 10\n", True),
    ("no labels", "http_requests 10\n", True),
    ("timestamp", "http_requests{replica_id=\"r\"} 10 1795000000\n", True),
    ("exemplar", "http_requests{replica_id=\"r\"} 10 # {trace_id=\"abc\"} 1.0\n", True),
    ("braces in a label", "http_requests{replica_id=\"a}b\",status_code=\"200\"} 10\n", True),
    ("float", "http_requests 10.0\n", True),
    ("exponent", "http_requests 1e1\n", True),
    ("two replicas", "http_requests{r=\"a\"} 4\nhttp_requests{r=\"b\"} 6\n", True),
    ("other metrics only", "cpu_usage_percent 3\nlatency_distribution_count 5\n", False),
    ("renamed", "http_request_count 10\n", False),
    ("NaN", "http_requests NaN\n", False),
    ("+Inf", "http_requests +Inf\n", False),
    ("negative", "http_requests -3\n", False),
    ("not a number", "http_requests ten\n", False),
    ("empty", "", False),
    ("JSON", '{"http_requests": 10}', False),
    ("HTML error page", "<html><body>502 Bad Gateway</body></html>", False),
    ("binary", "\x00\x01\x02http_requests", False),
    ("truncated line", "http_requests{replica_id=\"r\"", False),
]


def test_open_metrics_bodies_varied_over_two_nights(tmp_path):
    """Counter-only idle: the same body twice, 3h apart. Only a usable counter may justify the pause."""
    subjects, service = [], world()
    for index, (_, body, _) in enumerate(METRIC_BODIES):
        name = f"m{index:02d}"
        subjects.append(endpoint(name, last_used=None, updated=ago(hours=1)))
        service.replica_answers[f"acme-ml/{name}"] = replicas(ago(hours=1))
        service.metric_answers[f"acme-ml/{name}"] = (200, body)
    service.endpoints["acme-ml"] += subjects
    first = run(service, tmp_path, "run")  # a real run: only it leaves the first sample in the state
    assert first.code == 0
    later = NOW.replace(hour=5).strftime("%Y-%m-%dT%H:%M:%SZ")  # three hours on
    (tmp_path / "p.yaml").write_text(POLICY)
    second = run_watchdog(["--now", later, "--policies", str(tmp_path / "p.yaml"), "--state", str(tmp_path / "s.json"),
                           "check"], service_env(tmp_path), report=tmp_path / "r2.json", runtime=runtime_for(service))
    problems = []
    for index, (label, _, usable) in enumerate(METRIC_BODIES):
        entry = second.endpoint(f"m{index:02d}")
        paused = entry["decision"] == "pause"
        if paused != usable:
            problems.append(f"{label}: {entry['decision']} ({entry['reason']}) usable={usable}: {said(entry)}")
        if usable and not entry["idle_is_lower_bound"]:
            problems.append(f"{label}: counter-only idle must be reported as a lower bound")
        if not usable and not ("counter" in said(entry) or "open-metrics" in said(entry)):
            problems.append(f"{label}: nothing says the counter was unusable: {said(entry)}")
    assert not problems, "\n".join(problems)


# -- price list ------------------------------------------------------------------------------------------------

SUBJECT_PRICE = ("vendors", 0, "regions", 0, "computes", 0)
CONTROL_PRICE = ("vendors", 1, "regions", 0, "computes", 0)
COST_POLICY = "max_actions_per_run: 1000\ndefaults: {max_uptime: 12h, max_idle: 2h, action: pause, max_cost: 0.5}\n"


def _priced(mutation: Mutation, target: tuple[Any, ...]) -> bool:
    for leaf in ("id", "pricePerHour"):
        if on_path(mutation, (*target, leaf)):
            # "1.0" for 1.0 is still a price (read, and said); anything else loses it
            return mutation.path == (*target, "pricePerHour") and mutation.op == "wrong-type"
    if mutation.path == ("vendors", 0) and mutation.op == "removed" and target == CONTROL_PRICE:
        return True  # the control's vendor moves up a place, whole
    return True


def test_price_lists_varied_entry_by_entry(tmp_path):
    base = provider()
    # Every field of the subject's vendor; the control's vendor (a mirror image) only down to its compute entry.
    variations = [(m, apply(base, m)) for m in mutations(base)
                  if m.path[:2] != ("vendors", 1) or len(m.path) <= len(CONTROL_PRICE)]
    service = ShapeService()
    for index, (_, answer) in enumerate(variations):
        ns = f"p{index:03d}"
        service.endpoints[ns] = [endpoint("subject"), endpoint("control", compute_id="gcp-us-east4-nvidia-l4-x1")]
        service.provider_answers[ns] = answer
    policy = f"version: 1\nnamespaces: [{', '.join(service.endpoints)}]\n" + COST_POLICY
    result = run(service, tmp_path, "run", policy=policy)
    problems = []
    for index, (mutation, _) in enumerate(variations):
        ns = f"p{index:03d}"
        for who, target, price in (("subject", SUBJECT_PRICE, 1.0), ("control", CONTROL_PRICE, 0.7)):
            entry = result.endpoint(f"{ns}/{who}")
            expect = _priced(mutation, target)
            if (entry["hourly_usd"] is not None) != expect or (expect and entry["hourly_usd"] != price):
                problems.append(f"{mutation} {who}: hourly {entry['hourly_usd']}, expected priced={expect}")
            if not expect and entry["decision"] == "pause":
                problems.append(f"{mutation} {who}: paused on an unknown price")
            if expect and entry["decision"] != "pause":
                problems.append(f"{mutation} {who}: ${price}/h for 1h > max_cost $0.5 must pause: {entry['reason']}")
            if not expect and not any(w in said(entry) for w in ("price", "hardware list")):
                problems.append(f"{mutation} {who}: nothing says why the price is unknown: {said(entry)}")
    assert not problems, "\n".join(problems[:40])
    assert result.code == expected_exit(result) == 0


# -- action answers ---------------------------------------------------------------------------------------------

def test_action_answers_varied_a_2xx_is_always_done(tmp_path):
    paused = endpoint("template")
    paused["status"]["state"] = "paused"
    # Two levels deep is enough here: what matters is that nothing in the body can turn a 2xx into a failure.
    answers: list[tuple[str, Any]] = [(str(m), apply(paused, m)) for m in mutations(paused) if len(m.path) <= 2]
    answers += [("empty 200", (200, b"")), ("204", (204, b"")), ("202 text", (202, "Request accepted")),
                ("JSON list", []), ("JSON string", "paused"), ("JSON null", None), ("HTML", (200, "<html>ok</html>")),
                ("201 endpoint", (201, b'{"status": {"state": "paused"}}'))]
    subjects, service = [], world()
    for index, (_, answer) in enumerate(answers):
        name = f"a{index:03d}"
        subjects.append(endpoint(name, updated=ago(hours=30)))
        service.replica_answers[f"acme-ml/{name}"] = replicas(ago(hours=30))
        service.action_answers[f"acme-ml/{name}"] = answer
    service.endpoints["acme-ml"] += subjects
    result = run(service, tmp_path, "run")
    bad = [f"{label}: {result.endpoint(f'a{i:03d}')['outcome']} {result.endpoint(f'a{i:03d}')['error']}"
           for i, (label, _) in enumerate(answers) if result.endpoint(f"a{i:03d}")["outcome"] != "paused"]
    assert not bad, "\n".join(bad)
    check_controls(service, result)
    assert result.code == 0


# -- whoami ------------------------------------------------------------------------------------------------------

# Only `name` is read: every top-level field varied, plus answers that are no object at all.
WHOAMI_VARIATIONS = [(str(m), apply(whoami(), m)) for m in mutations(whoami())
                     if len(m.path) <= 1] + [("list", []), ("text", (200, "alice")), ("null", None),
                                             ("blank name", {**whoami(), "name": "  "})]


def test_whoami_answers_varied(tmp_path):
    problems = []
    for index, (label, answer) in enumerate(WHOAMI_VARIATIONS):
        service = ShapeService(endpoints={"alice": [endpoint("solo")]}, whoami_answer=answer)
        folder = tmp_path / str(index)
        folder.mkdir()
        result = run(service, folder, "check", policy="version: 1\n") if _usable(answer) else None
        if result is not None:
            if result.code != 0 or [ns["name"] for ns in result.report["namespaces"]] != ["alice"]:
                problems.append(f"{label}: usable name, but exit {result.code}")
            continue
        (folder / "p.yaml").write_text("version: 1\n")
        failed = run_watchdog(["--now", NOW_ISO, "--policies", str(folder / "p.yaml"), "--state",
                               str(folder / "s.json"), "check"], service_env(folder), runtime=runtime_for(service))
        if failed.code != 1 or "whoami" not in failed.stderr or "unexpected error" in failed.stderr:
            problems.append(f"{label}: exit {failed.code}: {failed.stderr.strip()}")
    assert not problems, "\n".join(problems)


def _usable(answer: Any) -> bool:
    return isinstance(answer, dict) and isinstance(answer.get("name"), str) and answer["name"].strip() == "alice"


# -- list pages --------------------------------------------------------------------------------------------------

def test_list_pages_varied(tmp_path):
    page = {"items": [endpoint("one"), endpoint("two")]}
    variations: list[tuple[str, Any]] = [(str(m), apply(page, m)) for m in mutations(page) if len(m.path) <= 2]
    variations += [(f"nextCursor {value!r}", {**page, "nextCursor": value})
                   for value in (None, "", 42, {"after": "two"}, ["c"], True)]
    variations += [("prevCursor only", {**page, "prevCursor": "c2"}), ("bare list", page["items"]),
                   ("renamed items", {"endpoints": page["items"]}), ("text", (200, "no")), ("null", None)]
    service = ShapeService(endpoints={"acme-ml": [endpoint("control-keep")]})
    for index, (_, answer) in enumerate(variations):
        ns = f"l{index:03d}"
        service.endpoints[ns] = copy.deepcopy(page["items"])
        service.list_pages[ns] = answer
    names = ", ".join(service.endpoints)
    result = run(service, tmp_path, "check", policy=f"version: 1\nnamespaces: [{names}]\n")
    problems = []
    by_ns = {ns["name"]: ns for ns in result.report["namespaces"]}
    assert by_ns["acme-ml"]["ok"] and result.endpoint("acme-ml/control-keep")["decision"] == "keep"
    for index, (label, _) in enumerate(variations):
        ns = by_ns[f"l{index:03d}"]
        listed = [e for e in result.report["endpoints"] if e["namespace"] == ns["name"]]
        if ns["ok"]:
            if not listed and not ns["warnings"] and label not in ("removed:items.0",):
                problems.append(f"{label}: listed fine with no endpoint and nothing said")
        elif not ns["error"] or "list namespace" not in ns["error"]:
            problems.append(f"{label}: failed without saying why: {ns['error']}")
        if any(e["decision"] in ("pause", "scale-to-zero") for e in listed):
            problems.append(f"{label}: acted on")
    assert not problems, "\n".join(problems)
    assert result.code == expected_exit(result)


@pytest.mark.parametrize("cursor", ["c1"])
def test_a_page_that_keeps_answering_the_same_cursor_stops_with_a_warning(tmp_path, cursor):
    page = {"items": [endpoint("one")], "nextCursor": cursor}
    service = ShapeService(endpoints={"acme-ml": page["items"]}, list_pages={"acme-ml": page})
    result = run(service, tmp_path, "check")
    ns = result.report["namespaces"][0]
    assert ns["ok"] and any("may be incomplete" in w for w in ns["warnings"])
    assert sum(1 for method, path in service.requests if path == "/v2/endpoint/acme-ml") == 2
