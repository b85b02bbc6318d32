"""The Hub adapter: the only module that talks to the Inference Endpoints API.

It uses huggingface_hub's shared HTTP client (`get_session`, with its headers and `hf_raise_for_status` error
parsing) but calls the routes itself and reads every answer leniently: the library's parsers are strict (a missing
`model.task` or a `+00:00` timestamp raises) and it neither pages nor retries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import quote

import httpx2  # huggingface_hub 2.x's own HTTP client
from huggingface_hub import constants
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import build_hf_headers, hf_raise_for_status
from huggingface_hub.utils._http import get_session, hf_request_event_hook, set_client_factory

from watchdog import __version__
from watchdog.adapters.environment import DEFAULT_ENDPOINTS_API_URL
from watchdog.adapters.http_retry import RetryPolicy, call_with_retries
from watchdog.adapters.interface import EndpointGone, HubError, Listing
from watchdog.adapters.listing import PAGE_LIMIT, list_pages
from watchdog.core.measure import Signals, read_request_counter, replica_signals
from watchdog.core.prices import PriceList, read_price_list
from watchdog.core.replicas import read_replicas

DEFAULT_API_URL = DEFAULT_ENDPOINTS_API_URL
DEFAULT_RETRY = RetryPolicy()  # one shared default: RetryPolicy is frozen
T = TypeVar("T")


def _seg(text: str) -> str:
    """One URL path segment: a name the API sent is never allowed to reach another route."""
    return quote(str(text), safe="")


@dataclass(frozen=True)
class HubSettings:
    """How to reach the API: read from the environment once, at the CLI."""

    token: str
    api_url: str = DEFAULT_API_URL
    hub_url: str | None = None
    timeout_seconds: float = 30.0
    concurrency: int = 16
    retry: RetryPolicy = DEFAULT_RETRY
    # The whole run must end well inside the workflow's timeout-minutes: past this, calls are not attempted
    # and fail with a clear message, so the run still reports what it did instead of being killed mid-way.
    run_deadline_seconds: float | None = 600.0
    # huggingface_hub fetches `{HF_ENDPOINT}/api/agent-harnesses` for its user agent unless telemetry is off.
    disable_telemetry: bool = True


def _classify(outcome: Any) -> tuple[int | None, Mapping[str, str]] | None:
    """Tell call_with_retries whether a call's outcome is worth retrying (429, 5xx, timeouts)."""
    if isinstance(outcome, HfHubHTTPError) and outcome.response is not None:
        return outcome.response.status_code, dict(outcome.response.headers)
    if isinstance(outcome, (httpx2.TimeoutException, httpx2.TransportError)):
        return None, {}
    return None if not isinstance(outcome, BaseException) else (-1, {})


def _hint(status: int, what: str) -> str:
    """What a refusal most likely means, said after the server's message."""
    if status == 403 and what.startswith("open-metrics"):
        # The token that listed the endpoint is allowed; open metrics are a plan feature, so no permission fixes this.
        return " (the plan has no open metrics, which come with Team and Enterprise: not a token permission problem)"
    if status in (401, 403):
        return (" (the token needs the 'Manage Inference Endpoints' permission, inference.endpoints.write, "
                "on this namespace)")
    return ""


def _describe(error: BaseException, what: str) -> HubError:
    """One line a person can act on; never includes headers (the token lives there)."""
    if isinstance(error, HubError):
        return error
    if isinstance(error, HfHubHTTPError) and error.response is not None:
        status = error.response.status_code
        server = (error.server_message or "").strip().splitlines()[0:1]
        detail = f": {server[0]}" if server else ""
        hint = _hint(status, what)
        if status == 404 and what.startswith(("pause", "scale-to-zero", "resume", "get")):
            return EndpointGone(f"{what}: HTTP {status}{detail}{hint}", status)
        return HubError(f"{what}: HTTP {status}{detail}{hint}", status, unreachable=status == 429 or status >= 500)
    if isinstance(error, httpx2.TimeoutException):
        return HubError(f"{what}: timed out", unreachable=True)
    if isinstance(error, httpx2.TransportError):
        return HubError(f"{what}: connection failed ({type(error).__name__})", unreachable=True)
    return HubError(f"{what}: {type(error).__name__}: {error}")


class EndpointsHub:
    """List, measure and act on endpoints of explicit namespaces, with timeouts, retries and bounded concurrency."""

    def __init__(
        self,
        settings: HubSettings,
        sleep: Callable[[float], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.settings = settings
        self._sleep = sleep
        self._monotonic = monotonic
        self._started = monotonic()
        self._refused = 0  # calls not attempted because the run deadline had passed
        self._refused_lock = threading.Lock()
        if settings.disable_telemetry:
            # Read by huggingface_hub at call time (constants.HF_HUB_DISABLE_TELEMETRY), so no env var is needed.
            constants.HF_HUB_DISABLE_TELEMETRY = True
        # The library reads this constant at call time; there is no env var for it (reference: base URLs).
        constants.INFERENCE_ENDPOINTS_ENDPOINT = settings.api_url.rstrip("/")
        timeout = settings.timeout_seconds
        # The default client has no timeout at all: a hung connection would hang the whole cron job.
        set_client_factory(
            lambda: httpx2.Client(
                event_hooks={"request": [hf_request_event_hook]},
                follow_redirects=True,
                timeout=timeout,
                limits=httpx2.Limits(max_connections=max(4, settings.concurrency)),
            )
        )
        self._headers = build_hf_headers(
            token=settings.token, library_name="hf-endpoint-watchdog", library_version=__version__
        )

    @property
    def deadline_refusals(self) -> int:
        """How many calls the run deadline stopped. A measurement call stopped that way leaves no trace but a note
        on its endpoint, so the run reports the count as an error (exit 1) instead of passing quietly."""
        with self._refused_lock:
            return self._refused

    # -- plumbing -------------------------------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        policy = self.settings.retry
        deadline = self.settings.run_deadline_seconds
        if deadline is not None:
            remaining = deadline - (self._monotonic() - self._started)
            if remaining <= 0:
                with self._refused_lock:
                    self._refused += 1
                raise HubError(f"{what}: not attempted, the run deadline of {deadline:.0f}s has passed")
            # Retries of one call never outlive the run either.
            policy = replace(policy, deadline_seconds=min(policy.deadline_seconds, remaining))
        kwargs: dict[str, Any] = {"classify": _classify, "policy": policy, "monotonic": self._monotonic}
        if self._sleep is not None:
            kwargs["sleep"] = self._sleep
        try:
            return call_with_retries(fn, **kwargs)
        except BaseException as error:
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            raise _describe(error, what) from None

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> httpx2.Response:
        response = get_session().get(f"{constants.INFERENCE_ENDPOINTS_ENDPOINT}{path}", headers=self._headers,
                                     params=params)
        hf_raise_for_status(response)
        return response

    @property
    def concurrency(self) -> int:
        """Requests in flight at most: the sweep and `map` each run on this many threads."""
        return max(1, self.settings.concurrency)

    def map(self, fn: Callable[[Any], T], items: list[Any]) -> list[T]:
        """Run `fn` over items with at most `concurrency` requests in flight, preserving order."""
        if len(items) <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency)) as pool:
            return list(pool.map(fn, items))

    # -- reading --------------------------------------------------------------------------------------------

    def _whoami(self) -> tuple[str, Mapping[str, Any]]:
        """(the token owner's name, whoami's whole answer), read leniently."""
        hub = (self.settings.hub_url or constants.ENDPOINT).rstrip("/")

        def ask() -> Any:
            response = get_session().get(f"{hub}/api/whoami-v2", headers=self._headers)
            hf_raise_for_status(response)
            return response.json()

        info = self._call("whoami", ask)
        name = info.get("name") if isinstance(info, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            shape = "keys " + ", ".join(sorted(map(str, info))) if isinstance(info, Mapping) else type(info).__name__
            raise HubError(f"whoami: the answer has no usable name ({shape})")
        return name.strip(), info

    def whoami(self) -> str:
        """The token owner's name: the default namespace when neither flags nor policy name one."""
        return self._whoami()[0]

    def whoami_namespaces(self) -> list[str]:
        """The token owner's name, then its organizations': what `watchdog init` offers to watch."""
        name, info = self._whoami()
        orgs = info.get("orgs")
        names = [org.get("name") for org in (orgs if isinstance(orgs, list) else []) if isinstance(org, Mapping)]
        return [name, *(n.strip() for n in names if isinstance(n, str) and n.strip())]

    def list_raw(self, namespace: str, on_page: Callable[[list[Any]], None] | None = None) -> Listing:
        """Every endpoint payload of one namespace, following the paging cursors (`adapters/listing.py`).

        Pages of `limit=PAGE_LIMIT` (100), or the server's default when it refuses the parameter; `on_page` gets
        each page's new items as it arrives, so they can be measured while the next page is fetched.
        Not `list_inference_endpoints`: it never follows a cursor (a paginated answer would silently hide
        endpoints) and `namespace="*"` swallows per-org errors. Items stay raw so one malformed endpoint
        cannot hide the others.
        """
        route = f"/endpoint/{_seg(namespace)}"

        def fetch(cursor: str | None, limit: int | None) -> Any:
            params = {"limit": str(limit)} if limit is not None else {}
            if cursor:
                params["cursor"] = cursor
            return self._call(f"list namespace {namespace!r}", lambda: self._get(route, params or None).json())

        return list_pages(fetch, namespace, limit=PAGE_LIMIT, on_page=on_page)

    def prices(self, namespace: str) -> PriceList:
        """Price per replica-hour by compute id, from the namespace's hardware list (read once per namespace).

        Not `list_inference_endpoints_hardware`: its parser needs quota, architecture and memory figures on every
        entry, so one sloppy entry made the whole list fail and `max_cost` silently stop applying. The route is
        read here entry by entry (`core/prices.py`); what is skipped is said per endpoint.
        """
        payload = self._call(f"hardware list of {namespace!r}",
                             lambda: self._get(f"/provider/{_seg(namespace)}").json())
        return read_price_list(payload)

    def replicas(self, namespace: str, raw: Mapping[str, Any]) -> Signals:
        """Replica start of a billable endpoint (`GET .../replica`); a failed call is a note, not an error."""
        name = raw["name"]
        route = f"/endpoint/{_seg(namespace)}/{_seg(name)}/replica"
        try:
            reading = read_replicas(self._call(f"replicas of {namespace}/{name}", lambda: self._get(route).json()))
        except HubError as error:  # includes an answer that is not JSON at all
            return Signals(notes=(f"replica start unknown: {error}",))
        return replica_signals(reading)

    def open_metrics(self, namespace: str, raw: Mapping[str, Any]) -> Signals:
        """Request counter of a billable endpoint (`GET .../open-metrics`); a refusal keeps its HTTP status."""
        name = raw["name"]
        route = f"/endpoint/{_seg(namespace)}/{_seg(name)}/open-metrics"
        try:
            text = self._call(f"open-metrics of {namespace}/{name}", lambda: self._get(route).text)
        except HubError as error:
            return Signals(notes=(f"request counter unknown: {error}",), metrics_status=error.status)
        counter, odd = read_request_counter(text)
        return Signals(request_counter=counter, tolerated=odd,
                       notes=() if counter is not None else ("open-metrics has no http_requests counter",))

    def get_raw(self, namespace: str, name: str) -> Mapping[str, Any]:
        """One endpoint's full payload (raises EndpointGone when it no longer exists)."""
        route = f"/endpoint/{_seg(namespace)}/{_seg(name)}"
        raw = self._call(f"get {namespace}/{name}", lambda: self._get(route).json())
        if not isinstance(raw, Mapping):
            raise HubError(f"get {namespace}/{name}: unexpected answer ({type(raw).__name__}), not an endpoint")
        return raw

    # -- acting ---------------------------------------------------------------------------------------------
    #
    # The routes are called here, not through huggingface_hub's pause/resume/scale_to_zero: those parse the answer
    # strictly (`model.task` required, timestamps ending in `Z`), so a done action could raise KeyError or
    # ValueError and be reported as failed. A 2xx is success; the new state is read leniently from the body, else
    # from one GET, else "unknown (request accepted)".

    def _post(self, path: str, running_ok: bool) -> httpx2.Response | None:
        response = get_session().post(f"{constants.INFERENCE_ENDPOINTS_ENDPOINT}{path}", headers=self._headers)
        # huggingface_hub's running_ok: resuming a running endpoint answers 400 "... already running": fine.
        if running_ok and response.status_code == 400 and "already running" in response.text.lower():
            return None
        hf_raise_for_status(response)
        return response

    def _act(self, verb: str, namespace: str, name: str, *, running_ok: bool = False) -> str:
        route = f"/endpoint/{_seg(namespace)}/{_seg(name)}/{verb}"
        response = self._call(f"{verb} {namespace}/{name}", lambda: self._post(route, running_ok))
        if response is None:
            return "running"
        state = _state_in(_json_or_none(response))
        if state is None:
            try:
                state = _state_in(self.get_raw(namespace, name))
            except HubError:
                state = None
        return state or "unknown (request accepted)"

    def pause(self, namespace: str, name: str) -> str:
        """Pause: billing stops, GPU quota is released, traffic does not wake it."""
        return self._act("pause", namespace, name)

    def scale_to_zero(self, namespace: str, name: str) -> str:
        """Scale to zero: billing stops, quota is kept, the next request wakes it."""
        return self._act("scale-to-zero", namespace, name)

    def resume(self, namespace: str, name: str) -> str:
        """Resume a paused or scaled-to-zero endpoint (already running is fine)."""
        return self._act("resume", namespace, name, running_ok=True)

    def update(self, namespace: str, name: str, *, min_replica: int | None = None, max_replica: int | None = None,
               scale_to_zero_timeout: int | None = None) -> str:
        """Change the scaling settings (`fix_config`); fields left None are not sent. Returns the new state.

        The body is exactly what `update_inference_endpoint` sends for these arguments (a partial `EndpointUpdate`,
        `{"compute": {"scaling": {...}}}`), PUT like the actions above so that a 2xx is a success whatever its body.
        A PUT of the same values is idempotent, so retrying 429/5xx is safe; a 400 (an invalid value) is not retried.
        """
        scaling = {key: value for key, value in (("maxReplica", max_replica), ("minReplica", min_replica),
                                                  ("scaleToZeroTimeout", scale_to_zero_timeout)) if value is not None}
        route = f"/endpoint/{_seg(namespace)}/{_seg(name)}"

        def put() -> httpx2.Response:
            response = get_session().put(f"{constants.INFERENCE_ENDPOINTS_ENDPOINT}{route}", headers=self._headers,
                                         json={"compute": {"scaling": scaling}})
            hf_raise_for_status(response)
            return response

        try:
            response = self._call(f"update {namespace}/{name}", put)
        except HubError as error:
            if error.status == 404 and not isinstance(error, EndpointGone):  # deleted between listing and acting
                raise EndpointGone(str(error), 404) from None
            raise
        return _state_in(_json_or_none(response)) or "unknown (request accepted)"


def _json_or_none(response: httpx2.Response) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


def _state_in(payload: Any) -> str | None:
    """`status.state` of an endpoint JSON when it is a non-empty string; None otherwise (never raises)."""
    status = payload.get("status") if isinstance(payload, Mapping) else None
    state = status.get("state") if isinstance(status, Mapping) else None
    return state if isinstance(state, str) and state else None
