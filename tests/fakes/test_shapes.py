"""The fake's answer-shape switches: each serves the documented alternative, per server, namespace or endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from huggingface_hub import HfApi, constants

from watchdog.fakes.clock import FakeClock, parse_instant
from watchdog.fakes.endpoints_api import Edit, FakeEndpointsAPI, Shapes
from watchdog.fakes.endpoints_api.shapes import TIMESTAMP_FORMS, format_instant

NOW = datetime(2026, 11, 23, 2, 17, 5, 123000, tzinfo=UTC)
AUTH = {"Authorization": "Bearer hf_test_shapes_token"}
FLEET = {"user": "alice", "page_size": 2, "namespaces": {
    "acme-ml": {"endpoints": [{"name": f"ep-{i}", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/m",
                               "running_for": "2h", "last_used_ago": "10m"} for i in range(5)]},
    "alice": {"endpoints": [{"name": "solo", "instance": "aws-us-east-1-nvidia-l4-x1", "repository": "a/m"}]},
}}


@pytest.fixture(scope="module")
def api() -> Iterator[FakeEndpointsAPI]:
    server = FakeEndpointsAPI.from_dict(FLEET, FakeClock(NOW))
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh(api: FakeEndpointsAPI) -> Iterator[None]:
    api.clear_shapes()
    yield
    api.clear_shapes()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, headers=AUTH) as client:
        yield client


def get(http: httpx.Client, api: FakeEndpointsAPI, path: str, **params: str) -> Any:
    response = http.get(api.api_url + path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("shape, key", [("items", "items"), ("replicas", "replicas"), ("bare", None),
                                        ("unknown", "pods")])
def test_replica_list_wrapper(api, http, shape, key) -> None:
    api.set_shapes("acme-ml", "ep-1", replicas=shape)
    body = get(http, api, "/endpoint/acme-ml/ep-1/replica")
    items = body if key is None else body[key]
    assert isinstance(items, list) and items[0]["live"] is True
    assert "items" in get(http, api, "/endpoint/acme-ml/ep-2/replica")  # only that endpoint changed


@pytest.mark.parametrize("form", TIMESTAMP_FORMS)
def test_every_timestamp_form_is_the_same_instant(api, http, form) -> None:
    expected = get(http, api, "/endpoint/acme-ml/ep-0")["status"]["updatedAt"]
    api.set_shapes(namespace="acme-ml", timestamps=form)
    served = get(http, api, "/endpoint/acme-ml/ep-0")["status"]["updatedAt"]
    assert abs(parse_instant(_upper(served)) - parse_instant(expected)) < timedelta(seconds=1)  # `z`: no fraction
    assert abs(parse_instant(_upper(format_instant(NOW, form))) - NOW) < timedelta(seconds=1)


def _upper(text: str) -> str:
    return text.replace("t", "T").replace(" ", "T").replace("z", "Z")


def test_endpoint_edits_drop_null_set_rename_wrap_unwrap(api, http) -> None:
    api.set_shapes("acme-ml", "ep-3", endpoint=[
        Edit("drop", "model.task"), Edit("null", "status.url"), Edit("set", "status.readyReplica", "1"),
        Edit("rename", "status.lastUsedAt", to="status.last_used_at"), Edit("wrap", "status.state"),
        Edit("unwrap", "provider")])
    raw = get(http, api, "/endpoint/acme-ml/ep-3")
    assert "task" not in raw["model"] and raw["status"]["url"] is None and raw["status"]["readyReplica"] == "1"
    assert "lastUsedAt" not in raw["status"] and "last_used_at" in raw["status"]
    assert raw["status"]["state"] == {"value": "running"}
    assert "provider" not in raw and raw["vendor"] == "aws"
    listed = {i["name"]: i for i in get(http, api, "/endpoint/acme-ml", limit="10")["items"]}
    assert listed["ep-3"]["status"]["state"] == {"value": "running"}  # list items are shaped the same
    assert listed["ep-2"]["status"]["state"] == "running"


@pytest.mark.parametrize("answer, status, body", [
    ("empty", 200, b""), ("empty-object", 200, b"{}"), ("text", 200, b"OK"), ("accepted", 202, None)])
def test_action_answers(api, http, answer, status, body) -> None:
    api.set_shapes("alice", "solo", actions=answer)
    response = http.post(api.api_url + "/endpoint/alice/solo/pause")
    assert response.status_code == status and (body is None or response.content == body)
    assert api.state_of("alice", "solo") == "paused"  # the action was done whatever the answer says
    http.post(api.api_url + "/endpoint/alice/solo/resume")
    api.advance(0)


def test_an_unparseable_action_answer_breaks_the_strict_client_although_the_pause_was_done(api, monkeypatch) -> None:
    api.set_shapes("acme-ml", "ep-4", actions="unparseable")
    monkeypatch.setattr(constants, "INFERENCE_ENDPOINTS_ENDPOINT", api.api_url)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    with pytest.raises((KeyError, ValueError)):
        HfApi(endpoint=api.base_url, token="hf_test_shapes_token").pause_inference_endpoint("ep-4", namespace="acme-ml")
    assert api.state_of("acme-ml", "ep-4") == "paused"


def test_sloppy_price_entries_break_the_strict_client_and_unpriced_computes_have_no_price(
        api, http, monkeypatch) -> None:
    api.set_shapes("acme-ml", prices="sloppy", unpriced=["aws-us-east-1-nvidia-l4-x1"])
    body = get(http, api, "/provider/acme-ml")
    computes = [c for v in body["vendors"] for r in v["regions"] for c in r["computes"]]
    assert "not-a-compute" in computes and any(isinstance(c, dict) and "id" not in c for c in computes)
    by_id = {c["id"]: c for c in computes if isinstance(c, dict) and "id" in c}
    assert ("quota" not in by_id["aws-us-east-1-nvidia-a10g-x1"]
            and by_id["aws-us-east-1-nvidia-a10g-x1"]["pricePerHour"] == 1.0)
    assert "pricePerHour" not in by_id["aws-us-east-1-nvidia-l4-x1"]
    assert "quota" in get(http, api, "/provider/alice")["vendors"][0]["regions"][0]["computes"][0]  # namespace scope
    monkeypatch.setattr(constants, "INFERENCE_ENDPOINTS_ENDPOINT", api.api_url)
    with pytest.raises((KeyError, TypeError)):  # a compute without quota, an entry that is not a mapping
        HfApi(endpoint=api.base_url, token="hf_x_token_123").list_inference_endpoints_hardware(namespace="acme-ml")


def _pages(http, api, paging: str) -> list[dict[str, Any]]:
    api.set_shapes(namespace="acme-ml", paging=paging)
    pages, params = [], {}
    for _ in range(6):
        page = get(http, api, "/endpoint/acme-ml", **params)
        pages.append(page)
        cursor = page.get("nextCursor") if paging in ("next", "both", "duplicates") else page.get("prevCursor")
        if not cursor:
            break
        params = {"cursor": cursor}
    return pages


def test_paging_quirks(api, http) -> None:
    names = lambda page: [i["name"] for i in page["items"]]  # noqa: E731
    assert [names(p) for p in _pages(http, api, "next")] == [["ep-0", "ep-1"], ["ep-2", "ep-3"], ["ep-4"]]
    both = _pages(http, api, "both")
    assert "prevCursor" not in both[0] and "prevCursor" in both[1]
    back = get(http, api, "/endpoint/acme-ml", cursor=both[2]["prevCursor"])
    assert names(back) == ["ep-2", "ep-3"]  # prevCursor really points back
    prev_only = _pages(http, api, "prev-only")
    assert all("nextCursor" not in p for p in prev_only) and [names(p) for p in prev_only][-1] == ["ep-4"]
    swapped = _pages(http, api, "swapped")
    assert "nextCursor" in swapped[1] and names(swapped[-1]) == ["ep-4"]
    assert [names(p) for p in _pages(http, api, "duplicates")] == [["ep-0", "ep-1"], ["ep-1", "ep-2", "ep-3"],
                                                                   ["ep-3", "ep-4"]]
    truncated = _pages(http, api, "no-cursor")
    assert len(truncated) == 1 and names(truncated[0]) == ["ep-0", "ep-1"] and set(truncated[0]) == {"items"}


def test_limit_is_honored_ignored_or_refused(api, http) -> None:
    names = lambda page: [i["name"] for i in page["items"]]  # noqa: E731
    assert names(get(http, api, "/endpoint/acme-ml", limit="4")) == ["ep-0", "ep-1", "ep-2", "ep-3"]
    assert http.get(f"{api.api_url}/endpoint/acme-ml", params={"limit": "101"}).status_code == 400  # over MAX_LIMIT
    api.set_shapes(namespace="acme-ml", limit="ignored")
    assert names(get(http, api, "/endpoint/acme-ml", limit="4")) == ["ep-0", "ep-1"]  # the server's page size
    for status in ("400", "422"):
        api.set_shapes(namespace="acme-ml", limit=status)
        assert http.get(f"{api.api_url}/endpoint/acme-ml", params={"limit": "4"}).status_code == int(status)
        assert names(get(http, api, "/endpoint/acme-ml")) == ["ep-0", "ep-1"]  # no limit: served as before
    assert names(get(http, api, "/endpoint/alice", limit="4")) == ["solo"]  # other namespaces unaffected


def test_shapes_through_the_admin_route_and_their_validation(api, http) -> None:
    response = httpx.post(api.base_url + "/_fake/shapes", json={"namespace": "alice", "replicas": "bare"})
    assert response.status_code == 200 and response.json()["shapes"][0]["replicas"] == "bare"
    assert isinstance(get(http, api, "/endpoint/alice/solo/replica"), list)
    assert httpx.post(api.base_url + "/_fake/shapes", json={"replicas": "nope"}).status_code == 400
    assert httpx.post(api.base_url + "/_fake/shapes/clear", json={}).status_code == 200
    assert "items" in get(http, api, "/endpoint/alice/solo/replica")
    with pytest.raises(ValueError):
        Shapes(paging="sideways")
    with pytest.raises(ValueError):
        Edit("explode", "status")
