"""Shared fixtures: the bundled fake Endpoints API serving the e2e fleet, and a work folder with its policy."""

from __future__ import annotations

import pytest

from tests.e2e_support import FLEET, NOW, POLICY
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI


@pytest.fixture
def api():
    """The fake API on 127.0.0.1 serving tests/e2e_support.FLEET at NOW (a test module may override it)."""
    server = FakeEndpointsAPI.from_dict(FLEET, clock=FakeClock(NOW))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workdir(tmp_path):
    """A folder holding the e2e policy as policies.yaml: the CLI runs there."""
    (tmp_path / "policies.yaml").write_text(POLICY)
    return tmp_path
