"""The bundled fake Endpoints API: real huggingface_hub 2.4.0 parses everything it serves, over loopback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from huggingface_hub import InferenceEndpoint
from huggingface_hub.errors import BadRequestError, HfHubHTTPError

from watchdog.fakes.api_facts import BILLED_STATES as BILLABLE_STATES
from watchdog.fakes.api_facts import STATES as KNOWN_STATES
from watchdog.fakes.clock import FakeClock, iso_z
from watchdog.fakes.endpoints_api import FakeEndpointsAPI, Fault
from watchdog.fakes.fleet import FleetError, demo_fleet_path, fleet_from_dict, load_fleet, synthetic_fleet

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
TOKEN = "hf_test_SECRET_4d1f9c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Z_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ALL_STATES = sorted(KNOWN_STATES)


def endpoint(name: str, **keys: Any) -> dict[str, Any]:
    """One fleet endpoint with realistic defaults."""
    return {"name": name, "instance": "aws-us-east-1-nvidia-a10g-x1",
            "repository": "meta-llama/Llama-3.1-8B-Instruct", **keys}


def fleet(*endpoints: dict[str, Any], namespace: str = "acme-ml", **top: Any) -> dict[str, Any]:
    """A fleet mapping: `endpoints` in `namespace`, plus alice's empty personal namespace."""
    namespaces: dict[str, Any] = {namespace: {"endpoints": list(endpoints)}}
    namespaces.setdefault("alice", {"endpoints": []})
    return {"user": "alice", "namespaces": namespaces, **top}


def one_per_state() -> dict[str, Any]:
    return fleet(*(endpoint(f"ep-{state.lower()}", state=state, last_used_ago="3h") for state in ALL_STATES))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def serve(clock: FakeClock) -> Iterator[Callable[..., FakeEndpointsAPI]]:
    """Start fakes from fleet mappings on loopback; every one is stopped at teardown."""
    started: list[FakeEndpointsAPI] = []

    def _serve(data: dict[str, Any], **options: Any) -> FakeEndpointsAPI:
        api = FakeEndpointsAPI.from_dict(data, clock, **options)
        api.start()
        started.append(api)
        return api

    yield _serve
    for api in started:
        api.stop()


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Callable[[FakeEndpointsAPI], Any]:
    """A real HfApi on a fake. Telemetry off, or huggingface_hub fetches `/api/agent-harnesses` from the Hub."""
    from huggingface_hub import HfApi, constants

    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.delenv("HF_TOKEN", raising=False)

    def _hub(api: FakeEndpointsAPI) -> HfApi:
        # huggingface_hub reads this constant at call time and offers no env var for it.
        monkeypatch.setattr(constants, "INFERENCE_ENDPOINTS_ENDPOINT", api.api_url)
        return HfApi(endpoint=api.base_url, token=TOKEN)

    return _hub


# One keep-alive client for the module: a fresh httpx client per call costs tens of milliseconds.
HTTP = httpx.Client(timeout=5)


@pytest.fixture(scope="module", autouse=True)
def _close_http() -> Iterator[None]:
    yield
    HTTP.close()


def get(api: FakeEndpointsAPI, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
    """GET an Endpoints API path with the test token (or the given headers)."""
    return HTTP.get(api.api_url + path, headers=headers if headers is not None else AUTH, **kwargs)


def post(api: FakeEndpointsAPI, path: str) -> httpx.Response:
    """POST an action with the test token."""
    return HTTP.post(api.api_url + path, headers=AUTH)


def timestamps(payload: Any) -> list[str]:
    """Every value under a key ending in `At` anywhere in the payload."""
    found: list[str] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key.endswith("At") and isinstance(value, str):
                found.append(value)
            else:
                found += timestamps(value)
    elif isinstance(payload, list):
        for item in payload:
            found += timestamps(item)
    return found


# -- payloads parse with the real classes -------------------------------------------------------------------

@pytest.mark.parametrize("state", ALL_STATES)
def test_every_state_parses_with_the_real_from_raw(clock: FakeClock, state: str) -> None:
    api = FakeEndpointsAPI.from_dict(one_per_state(), clock)
    payload = api.payload_of("acme-ml", f"ep-{state.lower()}")
    parsed = InferenceEndpoint.from_raw(payload, namespace="acme-ml")
    assert parsed.status == state
    assert parsed.created_at.tzinfo is not None and parsed.created_at < NOW
    assert parsed.repository == "meta-llama/Llama-3.1-8B-Instruct"
    assert payload["compute"]["scaling"]["minReplica"] == 1
    assert payload["model"]["secrets"] == {"HF_TOKEN": None}
    stamps = timestamps(payload)
    assert {"createdAt", "updatedAt", "lastUsedAt"} <= set(payload["status"])
    assert stamps and all(Z_TIMESTAMP.match(s) for s in stamps), stamps
    # url is null only before the first successful deploy.
    assert (payload["status"]["url"] is None) == (state in {"pending", "initializing", "failed"})


def test_last_used_at_is_absent_unless_the_fleet_sets_it(clock: FakeClock) -> None:
    api = FakeEndpointsAPI.from_dict(fleet(endpoint("quiet"), endpoint("seen", last_used_ago="90m")), clock)
    assert "lastUsedAt" not in api.payload_of("acme-ml", "quiet")["status"]
    assert api.payload_of("acme-ml", "seen")["status"]["lastUsedAt"] == iso_z(NOW - timedelta(minutes=90))


def test_the_real_client_lists_every_state_over_loopback(serve, hub) -> None:
    api = serve(one_per_state())
    listed = hub(api).list_inference_endpoints(namespace="acme-ml")
    assert sorted(e.status for e in listed) == ALL_STATES
    assert all(e.namespace == "acme-ml" for e in listed)


# -- the real client drives the state machine ---------------------------------------------------------------

def test_pause_resume_running_ok_and_scale_to_zero_through_the_real_client(serve, hub, clock) -> None:
    api = serve(fleet(endpoint("mert-spike6", running_for="9h12m")))
    client = hub(api)
    got = client.get_inference_endpoint("mert-spike6", namespace="acme-ml")
    assert got.status == "running" and got.url is not None

    paused = client.pause_inference_endpoint("mert-spike6", namespace="acme-ml")
    assert paused.status == "paused" and paused.url == got.url  # url kept across pause
    assert paused.raw["status"]["targetReplica"] == paused.raw["status"]["readyReplica"] == 0
    assert paused.raw["compute"]["scaling"] == got.raw["compute"]["scaling"]  # scaling kept
    assert api.state_of("acme-ml", "mert-spike6") == "paused"
    assert client.list_inference_endpoints(namespace="acme-ml")[0].status == "paused"

    resumed = client.resume_inference_endpoint("mert-spike6", namespace="acme-ml")
    assert resumed.status == "initializing"
    clock.advance(119)
    assert client.get_inference_endpoint("mert-spike6", namespace="acme-ml").status == "initializing"
    clock.advance(1)
    assert client.get_inference_endpoint("mert-spike6", namespace="acme-ml").status == "running"

    # running_ok=True (the default) absorbs the 400 "already running" by fetching the endpoint.
    again = client.resume_inference_endpoint("mert-spike6", namespace="acme-ml")
    assert again.status == "running"
    assert [(e.route, e.status) for e in api.request_log()[-2:]] == [("resume", 400), ("get", 200)]
    with pytest.raises(BadRequestError, match="already running"):
        client.resume_inference_endpoint("mert-spike6", namespace="acme-ml", running_ok=False)

    scaled = client.scale_to_zero_inference_endpoint("mert-spike6", namespace="acme-ml")
    assert scaled.status == "scaledToZero" and api.state_of("acme-ml", "mert-spike6") == "scaledToZero"
    client.delete_inference_endpoint("mert-spike6", namespace="acme-ml")
    assert not api.exists("acme-ml", "mert-spike6")
    with pytest.raises(HfHubHTTPError) as missing:
        client.get_inference_endpoint("mert-spike6", namespace="acme-ml")
    assert missing.value.response.status_code == 404 and missing.value.server_message == "Endpoint not found"


def test_hardware_list_parses_with_prices_regions_and_quota(serve, hub) -> None:
    api = serve(fleet(endpoint("a", instance="aws-us-east-1-nvidia-a100-x4"), endpoint("b", state="paused",
                                                                                       instance="aws-us-east-1-nvidia-a100-x4")))
    hardware = {h.id: h for h in hub(api).list_inference_endpoints_hardware(namespace="acme-ml")}
    assert {(h.vendor, h.region) for h in hardware.values()} >= {
        ("aws", "us-east-1"), ("aws", "eu-west-1"), ("gcp", "us-east4")}
    a10g = hardware["aws-us-east-1-nvidia-a10g-x1"]
    assert (a10g.price_per_hour, a10g.instance_type, a10g.instance_size, a10g.accelerator) == (
        1.0, "nvidia-a10g", "x1", "gpu")
    assert hardware["gcp-us-east4-nvidia-a100-x8"].price_per_hour == 28.8
    assert hardware["aws-us-east-1-intel-spr-x1"].num_cpus is None  # absent for CPUs, as in the real mock
    for instance_type in ("intel-spr", "nvidia-t4", "nvidia-l4", "nvidia-l40s", "nvidia-h100", "nvidia-h200", "inf2"):
        assert any(h.instance_type == instance_type for h in hardware.values()), instance_type
    # Quota: the running A100 x4 holds 4 accelerators, the paused one none.
    assert hardware["aws-us-east-1-nvidia-a100-x4"].used_accelerators == 4


def test_whoami_names_the_user_and_the_other_namespaces_as_orgs(serve, hub) -> None:
    api = serve(fleet(endpoint("a"), namespace="acme-ml"))
    me = hub(api).whoami()
    assert (me["type"], me["name"], [o["name"] for o in me["orgs"]]) == ("user", "alice", ["acme-ml"])
    assert HTTP.get(api.base_url + "/api/whoami-v2").status_code == 401
    assert HTTP.get(api.base_url + "/api/agent-harnesses").status_code == 404


# -- clock-driven transitions -------------------------------------------------------------------------------

def test_initializing_becomes_running_on_the_fake_clock_and_a_failing_start_fails(serve, clock) -> None:
    api = serve(fleet(endpoint("warming", state="initializing", ready_in="3m"),
                      endpoint("doomed", state="paused", start_fails="CUDA out of memory"),
                      resume_delay="10m"))
    clock.advance(179)
    assert api.state_of("acme-ml", "warming") == "initializing"
    clock.advance(1)
    assert api.state_of("acme-ml", "warming") == "running"
    assert get(api, "/endpoint/acme-ml/warming").json()["status"]["url"].startswith("https://")

    assert post(api, "/endpoint/acme-ml/doomed/resume").json()["status"]["state"] == "initializing"
    resumed_at = clock.now()
    clock.advance(600)
    status = get(api, "/endpoint/acme-ml/doomed").json()["status"]
    assert (status["state"], status["errorMessage"]) == ("failed", "CUDA out of memory")
    dead = get(api, "/endpoint/acme-ml/doomed/replica").json()["items"]
    assert [(r["live"], r["exitCode"], r["stoppedAt"]) for r in dead] == [
        (False, 1, iso_z(resumed_at + timedelta(minutes=10)))]


def test_pending_delay_puts_pending_before_initializing(serve, clock) -> None:
    api = serve(fleet(endpoint("p", state="paused"), pending_delay="30s"))
    post(api, "/endpoint/acme-ml/p/resume")
    seen = [api.state_of("acme-ml", "p")]
    for step in (30, 120):
        clock.advance(step)
        seen.append(api.state_of("acme-ml", "p"))
    assert seen == ["pending", "initializing", "running"]
    history = [state for _, state in api.endpoint_info("acme-ml", "p")["history"]]
    assert history == ["paused", "pending", "initializing", "running"]


def test_running_with_min_replica_zero_scales_itself_to_zero_after_the_timeout(serve, clock) -> None:
    api = serve(fleet(endpoint("sleepy", min_replica=0, scale_to_zero_timeout=60, last_used_ago="30m")))
    clock.advance(29 * 60)
    assert api.state_of("acme-ml", "sleepy") == "running"
    clock.advance(60)
    assert api.state_of("acme-ml", "sleepy") == "scaledToZero"
    # A data-plane request wakes it: a new billable stretch starting now.
    assert api.record_traffic("acme-ml", "sleepy")
    info = api.endpoint_info("acme-ml", "sleepy")
    assert (info["state"], info["billable_since"]) == ("initializing", iso_z(clock.now()))


def test_replicas_carry_the_stretch_start_and_vanish_when_paused(serve, clock) -> None:
    api = serve(fleet(endpoint("multi", running_for="5h", min_replica=1, max_replica=8, replicas=3)))
    items = get(api, "/endpoint/acme-ml/multi/replica").json()["items"]
    assert len(items) == 3 and len({r["name"] for r in items}) == 3
    assert all(r["live"] and r["stage"] == "running" and not r["updating"] for r in items)
    assert {r["startedAt"] for r in items} == {iso_z(NOW - timedelta(hours=5))}
    post(api, "/endpoint/acme-ml/multi/pause")
    assert get(api, "/endpoint/acme-ml/multi/replica").json() == {"items": []}
    post(api, "/endpoint/acme-ml/multi/resume")
    restarted = get(api, "/endpoint/acme-ml/multi/replica").json()["items"]
    assert {r["startedAt"] for r in restarted} == {iso_z(NOW)}
    assert not {r["name"] for r in restarted} & {r["name"] for r in items}  # new replicas, new ids


def test_undocumented_action_choices_and_billing_time(serve, clock) -> None:
    api = serve(fleet(endpoint("p", state="paused"), endpoint("r", running_for="1h")))
    assert post(api, "/endpoint/acme-ml/p/pause").status_code == 200  # pausing a paused endpoint: no-op
    refused = post(api, "/endpoint/acme-ml/p/scale-to-zero")
    assert refused.status_code == 400 and "paused" in refused.json()["error"]
    clock.advance(1800)
    updated = post(api, "/endpoint/acme-ml/r/pause").json()["status"]["updatedAt"]
    assert updated == iso_z(clock.now())  # a user action moves updatedAt
    clock.advance(7200)
    assert api.endpoint_info("acme-ml", "r")["billable_seconds"] == 1.5 * 3600  # billing stopped at the pause
    assert api.endpoint_info("acme-ml", "p")["billable_seconds"] == 0


def _counter_total(text: str) -> int:
    return sum(int(v) for v in re.findall(r'^http_requests\{replica_id="[^"]+",status_code="200"\} (\d+)$', text, re.M))


def test_open_metrics_counters_follow_the_clock_and_freeze_when_idle(serve, clock) -> None:
    api = serve(fleet(endpoint("busy", running_for="2h", requests_per_hour=120, replicas=2, max_replica=2),
                      endpoint("idle", running_for="2h", requests_total=50),
                      endpoint("no-plan", open_metrics=False)))
    first = get(api, "/endpoint/acme-ml/busy/open-metrics")
    assert first.headers["content-type"].startswith("application/openmetrics-text")
    assert first.text.endswith("# EOF\n") and "# TYPE cpu_usage_percent gauge" in first.text
    assert _counter_total(first.text) == 240
    assert len(re.findall(r"^http_requests\{", first.text, re.M)) == 2  # one counter per replica
    clock.advance(30 * 60)
    assert _counter_total(get(api, "/endpoint/acme-ml/busy/open-metrics").text) == 300
    assert _counter_total(get(api, "/endpoint/acme-ml/idle/open-metrics").text) == 50
    clock.advance(3 * 3600)
    assert _counter_total(get(api, "/endpoint/acme-ml/idle/open-metrics").text) == 50
    denied = get(api, "/endpoint/acme-ml/no-plan/open-metrics")
    assert denied.status_code == 403 and "error" in denied.json()


# -- pagination ---------------------------------------------------------------------------------------------

def _walk(api: FakeEndpointsAPI, **params: Any) -> tuple[list[str], int]:
    names, pages, cursor = [], 0, None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = get(api, "/endpoint/acme-ml", params=query).json()
        pages += 1
        names += [item["name"] for item in body["items"]]
        cursor = body.get("nextCursor")
        if not cursor:
            return names, pages


def test_cursor_pagination_returns_every_endpoint_exactly_once(serve) -> None:
    eps = [endpoint(f"ep-{i:02d}") for i in range(23)]
    paged = serve(fleet(*eps, page_size=5))
    names, pages = _walk(paged)
    assert sorted(names) == [e["name"] for e in eps] and len(names) == len(set(names)) and pages == 5
    names, pages = _walk(paged, limit=10)  # the client's limit wins over the server's page size
    assert sorted(names) == [e["name"] for e in eps] and pages == 3

    unpaged = serve(fleet(*eps))
    body = get(unpaged, "/endpoint/acme-ml").json()
    assert len(body["items"]) == 23 and "nextCursor" not in body
    assert get(unpaged, "/endpoint/acme-ml", params={"cursor": "not-a-cursor"}).status_code == 400
    assert get(unpaged, "/endpoint/acme-ml", params={"limit": "0"}).status_code == 400


def test_deleting_between_pages_skips_nothing_that_remains(serve) -> None:
    api = serve(fleet(*(endpoint(f"ep-{i}") for i in range(6)), page_size=2))
    first = get(api, "/endpoint/acme-ml").json()
    assert [i["name"] for i in first["items"]] == ["ep-0", "ep-1"]
    api.delete_endpoint("acme-ml", "ep-0")
    second = get(api, "/endpoint/acme-ml", params={"cursor": first["nextCursor"]}).json()
    assert [i["name"] for i in second["items"]] == ["ep-2", "ep-3"]


# -- auth, namespaces, secrets ------------------------------------------------------------------------------

def test_auth_is_required_and_the_token_is_never_recorded_or_echoed(serve, hub) -> None:
    api = serve(fleet(endpoint("a")))
    assert HTTP.get(api.api_url + "/endpoint/acme-ml").status_code == 401
    assert get(api, "/endpoint/acme-ml", headers={"Authorization": "Basic YWxpY2U6cHc="}).status_code == 401
    client = hub(api)
    client.list_inference_endpoints(namespace="acme-ml")
    client.pause_inference_endpoint("a", namespace="acme-ml")
    bodies = [get(api, "/endpoint/acme-ml").text, HTTP.get(api.base_url + "/_fake/requests").text]
    recorded = json.dumps([e.to_dict() for e in api.request_log()])
    answered = [(e.route, e.status) for e in api.request_log()]
    assert answered == [("list", 401), ("list", 401), ("list", 200), ("pause", 200), ("list", 200)]
    assert api.request_counts() == {"list": 4, "pause": 1}
    assert TOKEN not in recorded and all(TOKEN not in body for body in bodies)
    # A token smuggled into a query string is redacted too.
    get(api, "/endpoint/acme-ml", params={"access_token": TOKEN})
    assert TOKEN not in json.dumps([e.to_dict() for e in api.request_log()])


def test_unknown_namespace_is_401_and_a_denied_one_403_on_every_route(serve, hub) -> None:
    data = fleet(endpoint("a"))
    data["namespaces"]["locked-org"] = {"deny": 403, "endpoints": [endpoint("b")]}
    api = serve(data)
    client = hub(api)
    with pytest.raises(HfHubHTTPError) as unknown:
        client.list_inference_endpoints(namespace="someone-else")
    assert unknown.value.response.status_code == 401
    for path in ("/endpoint/locked-org", "/endpoint/locked-org/b", "/provider/locked-org"):
        assert get(api, path).status_code == 403, path
    assert post(api, "/endpoint/locked-org/b/pause").status_code == 403


# -- fault injection ----------------------------------------------------------------------------------------

def test_error_faults_fire_exactly_the_configured_number_of_times(serve, hub) -> None:
    api = serve(fleet(endpoint("x"), endpoint("y")))
    fault_id = api.add_fault(Fault(route="pause", namespace="acme-ml", name="x", status=500, times=2))
    client = hub(api)
    for _ in range(2):
        with pytest.raises(HfHubHTTPError) as failed:
            client.pause_inference_endpoint("x", namespace="acme-ml")
        assert failed.value.response.status_code == 500
    assert api.state_of("acme-ml", "x") == "running"  # a failed call changed nothing
    assert client.pause_inference_endpoint("y", namespace="acme-ml").status == "paused"  # other endpoint: no fault
    assert client.pause_inference_endpoint("x", namespace="acme-ml").status == "paused"
    report = {f["id"]: f for f in api.fault_report()}
    assert (report[fault_id]["fired"], report[fault_id]["remaining"], report[fault_id]["active"]) == (2, 0, False)


def test_rate_limit_faults_send_retry_after_and_ratelimit_headers(serve) -> None:
    api = serve(fleet(endpoint("x")))
    api.add_fault(Fault(route="list", namespace="acme-ml", status=429, retry_after=7, rate_limit_reset=42))
    limited = get(api, "/endpoint/acme-ml")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7" and limited.headers["RateLimit"] == '"api";r=0;t=42'
    assert limited.json() == {"error": "Too Many Requests"}
    assert get(api, "/endpoint/acme-ml").status_code == 200


def test_persistent_namespace_fault_covers_all_its_routes_until_cleared(serve) -> None:
    api = serve(fleet(endpoint("x")))
    api.add_fault(Fault(namespace="acme-ml", status=401, times=None))
    codes = {path: get(api, path).status_code for path in (
        "/endpoint/acme-ml", "/endpoint/acme-ml/x", "/endpoint/acme-ml/x/replica", "/provider/acme-ml")}
    assert set(codes.values()) == {401}
    assert get(api, "/endpoint/alice").status_code == 200  # other namespaces unaffected
    api.clear_faults()
    assert get(api, "/endpoint/acme-ml").status_code == 200


def test_latency_faults_and_the_global_latency_delay_answers(serve) -> None:
    api = serve(fleet(endpoint("x")))
    api.add_fault(Fault(route="get", latency=0.15))
    started = time.monotonic()
    assert get(api, "/endpoint/acme-ml/x").status_code == 200
    assert time.monotonic() - started >= 0.15
    started = time.monotonic()
    get(api, "/endpoint/acme-ml/x")
    assert time.monotonic() - started < 0.15  # the fault fired once
    api.latency = 0.05
    started = time.monotonic()
    for _ in range(3):
        get(api, "/endpoint/acme-ml/x")
    assert time.monotonic() - started >= 0.15


def test_malformed_json_for_one_endpoint_get(serve) -> None:
    api = serve(fleet(endpoint("x"), endpoint("y")))
    api.add_fault(Fault(route="get", name="x", payload="malformed"))
    with pytest.raises(json.JSONDecodeError):
        json.loads(get(api, "/endpoint/acme-ml/x").text)
    assert get(api, "/endpoint/acme-ml/y").json()["name"] == "y"
    assert get(api, "/endpoint/acme-ml").json()["items"]  # the list is untouched
    assert get(api, "/endpoint/acme-ml/x").json()["name"] == "x"  # times=1


@pytest.mark.parametrize(("kind", "error"), [("incomplete", KeyError), ("bad-timestamp", ValueError)])
def test_broken_list_items_fail_the_real_parser_for_that_item_only(serve, kind, error) -> None:
    api = serve(fleet(endpoint("good"), endpoint("bad")))
    api.add_fault(Fault(route="list", name="bad", payload=kind))
    items = {item["name"]: item for item in get(api, "/endpoint/acme-ml").json()["items"]}
    assert InferenceEndpoint.from_raw(items["good"], namespace="acme-ml").status == "running"
    with pytest.raises(error):
        InferenceEndpoint.from_raw(items["bad"], namespace="acme-ml")


def test_unknown_state_fault_serves_a_state_outside_the_documented_eight(serve) -> None:
    api = serve(fleet(endpoint("odd")))
    api.add_fault(Fault(route="get", name="odd", payload="unknown-state"))
    state = InferenceEndpoint.from_raw(get(api, "/endpoint/acme-ml/odd").json(), namespace="acme-ml").status
    assert state not in KNOWN_STATES


def test_an_endpoint_that_disappears_after_listing_answers_404_to_actions(serve, hub) -> None:
    api = serve(fleet(endpoint("ghost"), endpoint("solid")))
    api.add_fault(Fault(route="list", name="ghost", disappear=True))
    client = hub(api)
    assert {e.name for e in client.list_inference_endpoints(namespace="acme-ml")} == {"ghost", "solid"}
    with pytest.raises(HfHubHTTPError) as gone:
        client.pause_inference_endpoint("ghost", namespace="acme-ml")
    assert gone.value.response.status_code == 404
    assert {e.name for e in client.list_inference_endpoints(namespace="acme-ml")} == {"solid"}


def test_fault_validation_rejects_unknown_routes_and_effectless_faults() -> None:
    with pytest.raises(ValueError, match="unknown route"):
        Fault(route="list-all", status=500)
    with pytest.raises(ValueError, match="needs an effect"):
        Fault(route="get")
    with pytest.raises(ValueError, match="unknown fault key"):
        Fault.from_dict({"route": "get", "status": 500, "repeat": 3})


# -- admin routes (for a server in another process) ---------------------------------------------------------

def test_admin_routes_drive_clock_faults_traffic_and_read_the_log(serve) -> None:
    api = serve(fleet(endpoint("x", last_used_ago="2h"), endpoint("s", state="scaledToZero")))
    admin = api.base_url + "/_fake"
    moved = HTTP.post(admin + "/clock", json={"advance": 3600}).json()
    assert moved == {"now": iso_z(NOW + timedelta(hours=1))}
    assert HTTP.post(admin + "/clock", json={"set": "2026-11-24T00:00:00Z"}).json()["now"] == \
        "2026-11-24T00:00:00.000Z"
    assert HTTP.post(admin + "/faults", json={"route": "get", "status": 503, "times": 1}).json()["id"] == 1
    assert get(api, "/endpoint/acme-ml/x").status_code == 503
    assert HTTP.post(admin + "/traffic/acme-ml/x", json={"requests": 5}).json() == {"accepted": True}
    assert get(api, "/endpoint/acme-ml/x").json()["status"]["lastUsedAt"] == "2026-11-24T00:00:00.000Z"
    state = HTTP.get(admin + "/state/acme-ml/x").json()
    assert state["state"] == "running" and state["requests"] >= 5
    assert HTTP.post(admin + "/config", json={"page_size": 1}).json()["page_size"] == 1
    assert "nextCursor" in get(api, "/endpoint/acme-ml").json()
    log = HTTP.get(admin + "/requests").json()
    assert log["counts"] == {"get": 2, "list": 1}
    assert [r["status"] for r in log["requests"]] == [503, 200, 200]
    assert HTTP.post(admin + "/endpoints/acme-ml", json=endpoint("new", state="paused")).status_code == 200
    assert api.state_of("acme-ml", "new") == "paused"
    assert HTTP.get(admin + "/state/acme-ml/nope").status_code == 404


# -- fleets -------------------------------------------------------------------------------------------------

def test_the_demo_fleet_loads_and_every_endpoint_parses(clock: FakeClock) -> None:
    demo = load_fleet(demo_fleet_path())
    assert demo.endpoint_count >= 10 and {ns.name for ns in demo.namespaces} == {"acme-ml", "alice"}
    api = FakeEndpointsAPI(demo, clock)
    states = set()
    for ns in demo.namespaces:
        for spec in ns.endpoints:
            parsed = InferenceEndpoint.from_raw(api.payload_of(ns.name, spec.name), namespace=ns.name)
            states.add(parsed.status)
    assert {"running", "initializing", "paused", "scaledToZero", "failed"} <= states
    names = {spec.name for ns in demo.namespaces for spec in ns.endpoints}
    assert "prod-chat" in names and any(n.startswith("mert-") for n in names)


def test_fleet_errors_name_the_bad_key() -> None:
    with pytest.raises(FleetError, match=r"unknown key\(s\) runing_for"):
        fleet_from_dict(fleet(endpoint("a", runing_for="2h")))
    with pytest.raises(FleetError, match="unknown instance 'aws-us-east-1-nvidia-a10-x1'"):
        fleet_from_dict(fleet(endpoint("a", instance="aws-us-east-1-nvidia-a10-x1")))
    with pytest.raises(FleetError, match="running_for"):
        fleet_from_dict(fleet(endpoint("a", running_for="forever")))
    with pytest.raises(FleetError, match="between 15 and 2880"):
        fleet_from_dict(fleet(endpoint("a", min_replica=0, scale_to_zero_timeout=5)))


def test_json_fleet_files_load_like_yaml(tmp_path, clock) -> None:
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(fleet(endpoint("j", state="paused"))))
    assert FakeEndpointsAPI.from_fleet_file(path, clock).state_of("acme-ml", "j") == "paused"


def test_synthetic_fleet_is_deterministic_with_the_asked_billable_count(serve) -> None:
    big = synthetic_fleet(namespaces=4, endpoints=400, billable=100, seed=3)
    assert big == synthetic_fleet(namespaces=4, endpoints=400, billable=100, seed=3)
    assert big.endpoint_count == 400 and len(big.namespaces) == 4
    api = FakeEndpointsAPI(big, FakeClock(NOW))
    states = [api.state_of(ns.name, e.name) for ns in big.namespaces for e in ns.endpoints]
    assert sum(s in BILLABLE_STATES for s in states) == 100


# -- standalone process -------------------------------------------------------------------------------------

def test_module_runs_standalone_and_prints_its_base_url(tmp_path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "watchdog.fakes.endpoints_api", "--fleet", str(demo_fleet_path()), "--port", "0",
         "--page-size", "4", "--frozen", "--now", "2026-11-23T02:17:00Z"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base), base
        body = HTTP.get(base + "/v2/endpoint/acme-ml", headers=AUTH).json()
        assert len(body["items"]) == 4 and "nextCursor" in body
        assert HTTP.get(base + "/_fake/clock").json() == {"now": "2026-11-23T02:17:00.000Z"}
    finally:
        proc.terminate()
        proc.wait(timeout=5)
    assert proc.returncode == 0


# --- PUT: update_inference_endpoint (issue #12) ------------------------------------------------------------------

def test_update_through_the_real_client_passes_through_updating_back_to_running(serve, hub, clock) -> None:
    api = serve(fleet(endpoint("scripted", running_for="3h", min_replica=1, max_replica=4, replicas=3)),
                update_delay=90)
    client = hub(api)
    updated = client.update_inference_endpoint("scripted", namespace="acme-ml", min_replica=0, max_replica=2,
                                               scale_to_zero_timeout=30)
    assert isinstance(updated, InferenceEndpoint) and updated.status == "updating"
    assert updated.raw["compute"]["scaling"] | {} == {
        "minReplica": 0, "maxReplica": 2, "scaleToZeroTimeout": 30, "metric": "hardwareUsage",
        "measure": {"hardwareUsage": 80}}
    assert updated.raw["status"]["readyReplica"] == 0 and updated.raw["status"]["targetReplica"] == 2
    assert updated.raw["status"]["updatedAt"] == iso_z(NOW) and updated.url  # url kept while updating
    assert api.endpoint_info("acme-ml", "scripted")["billable_seconds"] >= 3 * 3600  # updating bills
    log = [e for e in api.request_log() if e.route == "update"]
    assert [(e.method, e.path, e.status) for e in log] == [("PUT", "/v2/endpoint/acme-ml/scripted", 200)]
    clock.advance(89)
    assert api.state_of("acme-ml", "scripted") == "updating"
    clock.advance(1)
    assert api.state_of("acme-ml", "scripted") == "running"
    assert api.payload_of("acme-ml", "scripted")["status"]["readyReplica"] == 2


def test_after_an_update_scale_to_zero_follows_the_new_timeout(serve, hub, clock) -> None:
    api = serve(fleet(endpoint("idle", running_for="5h", min_replica=1)), update_delay=60)
    hub(api).update_inference_endpoint("idle", namespace="acme-ml", min_replica=0, scale_to_zero_timeout=15)
    clock.advance(60 + 15 * 60 - 1)  # back to running after 60 s, then 15 idle minutes
    assert api.state_of("acme-ml", "idle") == "running"
    clock.advance(1)
    assert api.state_of("acme-ml", "idle") == "scaledToZero"
    # A longer timeout set later is honoured too.
    api.record_traffic("acme-ml", "idle")  # wakes it
    clock.advance(120)
    hub(api).update_inference_endpoint("idle", namespace="acme-ml", scale_to_zero_timeout=120)
    clock.advance(60 + 119 * 60)
    assert api.state_of("acme-ml", "idle") == "running"
    clock.advance(2 * 60)
    assert api.state_of("acme-ml", "idle") == "scaledToZero"


@pytest.mark.parametrize("body, message", [
    ({"compute": {"scaling": {"scaleToZeroTimeout": 10}}}, "scaleToZeroTimeout must be between 15 and 2880 minutes"),
    ({"compute": {"scaling": {"scaleToZeroTimeout": 2881}}}, "scaleToZeroTimeout must be between 15 and 2880 minutes"),
    ({"compute": {"scaling": {"minReplicas": 0}}}, "unknown field 'compute.scaling.minReplicas'"),
    ({"sleepAfter": 30}, "unknown field 'sleepAfter'"),
    ({"model": {"revision": "main"}}, "does not apply model updates"),
    ({"compute": {"scaling": {"minReplica": 3}}}, "minReplica (3) must not exceed maxReplica (1)"),
    ({"compute": {"scaling": {"maxReplica": 0}}}, "maxReplica must be an integer >= 1"),
    ([], "expected an EndpointUpdate object"),
])
def test_invalid_updates_are_400_and_leave_the_endpoint_untouched(serve, body, message) -> None:
    api = serve(fleet(endpoint("scripted", running_for="1h")))
    before = api.payload_of("acme-ml", "scripted")
    answer = httpx.put(f"{api.api_url}/endpoint/acme-ml/scripted", json=body, headers=AUTH)
    assert answer.status_code == 400 and message in answer.json()["error"]
    assert api.payload_of("acme-ml", "scripted") == before and api.state_of("acme-ml", "scripted") == "running"


def test_the_real_client_raises_bad_request_for_an_out_of_range_timeout(serve, hub) -> None:
    api = serve(fleet(endpoint("scripted", running_for="1h")))
    with pytest.raises(BadRequestError, match="between 15 and 2880 minutes"):
        hub(api).update_inference_endpoint("scripted", namespace="acme-ml", scale_to_zero_timeout=5)


def test_update_of_a_paused_endpoint_keeps_it_paused_and_404_when_missing(serve, hub) -> None:
    api = serve(fleet(endpoint("asleep", state="paused")))
    client = hub(api)
    assert client.update_inference_endpoint("asleep", namespace="acme-ml", max_replica=3).status == "paused"
    assert api.payload_of("acme-ml", "asleep")["compute"]["scaling"]["maxReplica"] == 3
    with pytest.raises(HfHubHTTPError) as caught:
        client.update_inference_endpoint("nope", namespace="acme-ml", max_replica=3)
    assert caught.value.response.status_code == 404


def test_update_answers_take_payload_and_status_faults(serve) -> None:
    api = serve(fleet(endpoint("scripted", running_for="1h")))
    api.add_fault(Fault(route="update", payload="malformed"))
    answer = httpx.put(f"{api.api_url}/endpoint/acme-ml/scripted", json={"compute": {"scaling": {"maxReplica": 2}}},
                       headers=AUTH)
    assert answer.status_code == 200 and api.state_of("acme-ml", "scripted") == "updating"
    with pytest.raises(ValueError):
        answer.json()
    api.add_fault(Fault(route="update", status=500))
    answer = httpx.put(f"{api.api_url}/endpoint/acme-ml/scripted", json={}, headers=AUTH)
    assert answer.status_code == 500
