"""EndpointsHub.update against the bundled fake: what it sends, and how answers map to success or failure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from watchdog.adapters.hub import EndpointsHub, HubSettings
from watchdog.adapters.interface import EndpointGone, HubError
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI, Fault

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
FLEET = {"user": "alice", "namespaces": {"acme-ml": {"endpoints": [
    {"name": "scripted", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/llm", "running_for": "3h",
     "min_replica": 1, "max_replica": 8},
]}}}


@pytest.fixture
def api():
    server = FakeEndpointsAPI.from_dict(FLEET, clock=FakeClock(NOW))
    server.start()
    yield server
    server.stop()


def make_hub(api: FakeEndpointsAPI) -> EndpointsHub:
    return EndpointsHub(HubSettings(token="hf_test_token_update", api_url=api.api_url, hub_url=api.base_url),
                        sleep=lambda _: None)


def scaling(api: FakeEndpointsAPI) -> dict:
    return api.payload_of("acme-ml", "scripted")["compute"]["scaling"]


def test_update_sends_only_the_given_fields_and_returns_the_new_state(api):
    assert make_hub(api).update("acme-ml", "scripted", min_replica=0, scale_to_zero_timeout=60) == "updating"
    assert (scaling(api)["minReplica"], scaling(api)["maxReplica"], scaling(api)["scaleToZeroTimeout"]) == (0, 8, 60)
    assert [(e.method, e.route) for e in api.request_log()] == [("PUT", "update")]  # no GET first


def test_a_2xx_whose_body_does_not_parse_is_a_success(api):
    # As for pause: a 2xx is success, whatever its body.
    api.add_fault(Fault(route="update", payload="malformed"))
    assert make_hub(api).update("acme-ml", "scripted", max_replica=2) == "unknown (request accepted)"
    assert scaling(api)["maxReplica"] == 2
    api.add_fault(Fault(route="update", payload="incomplete", missing=("status",)))
    assert make_hub(api).update("acme-ml", "scripted", max_replica=1) == "unknown (request accepted)"


def test_a_400_is_a_failure_with_the_apis_message_not_a_parse_error(api):
    with pytest.raises(HubError) as caught:
        make_hub(api).update("acme-ml", "scripted", scale_to_zero_timeout=5)
    assert caught.value.status == 400 and not isinstance(caught.value, EndpointGone)
    assert "HTTP 400: Bad Request: scaleToZeroTimeout must be between 15 and 2880 minutes" in str(caught.value)
    assert scaling(api)["scaleToZeroTimeout"] is None


def test_a_5xx_is_retried_and_a_404_is_gone(api):
    api.add_fault(Fault(route="update", status=503))
    assert make_hub(api).update("acme-ml", "scripted", max_replica=4) == "updating"
    assert [e.status for e in api.request_log() if e.route == "update"] == [503, 200]
    with pytest.raises(EndpointGone):
        make_hub(api).update("acme-ml", "deleted-meanwhile", max_replica=4)
