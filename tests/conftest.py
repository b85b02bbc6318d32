"""Shared fixtures: the bundled fake Endpoints API serving the e2e fleet, a work folder with its policy, and the
fake Slack webhook and GitHub issues API (a test module may override any of them)."""

from __future__ import annotations

import sys

import pytest

from tests.e2e_support import FLEET, NOW, POLICY
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI
from watchdog.fakes.github import FakeGitHub
from watchdog.fakes.slack import FakeSlack


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


# The longest module first: under pytest-xdist (`--dist loadscope --no-loadscope-reorder`, pyproject.toml) a module
# runs on one worker, so the workflow rehearsal (a real pip install, about 12 s) starts at once and the other
# worker takes the rest, instead of one worker starting it last while the other sits idle.
FIRST = ("tests/repo/test_rehearsal.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(FIRST))  # stable: the order within each part is kept


@pytest.fixture
def slack():
    """The fake Slack incoming webhook on 127.0.0.1."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def github():
    """The fake GitHub issues API on 127.0.0.1, for the repository acme/ml-ops."""
    with FakeGitHub("acme/ml-ops") as fake:
        yield fake


@pytest.fixture(autouse=True)
def _no_mock_http_client_leaks():
    """The shape-fuzzing tests plug a MockTransport client into huggingface_hub's global factory; put the library's
    default back afterwards so no later test talks to a mock by accident (the module is looked up, never imported)."""
    yield
    http = sys.modules.get("huggingface_hub.utils._http")
    if http is not None and getattr(http._GLOBAL_CLIENT_FACTORY, "watchdog_mock", False):
        http.set_client_factory(http.default_client_factory)
