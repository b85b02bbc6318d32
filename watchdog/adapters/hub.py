"""The Hub adapter: the only module that talks to the Inference Endpoints API (through huggingface_hub)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable, Mapping, TypeVar

import httpx2  # huggingface_hub 2.x's own HTTP client
from huggingface_hub import HfApi, constants
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import build_hf_headers, hf_raise_for_status
from huggingface_hub.utils._http import get_session, hf_request_event_hook, set_client_factory

from watchdog import __version__
from watchdog.adapters.environment import DEFAULT_ENDPOINTS_API_URL
from watchdog.adapters.http_retry import RetryPolicy, call_with_retries
from watchdog.adapters.interface import EndpointGone, HubError
from watchdog.core.measure import Signals, earliest_live_replica_start, parse_request_counter

DEFAULT_API_URL = DEFAULT_ENDPOINTS_API_URL
T = TypeVar("T")


@dataclass(frozen=True)
class HubSettings:
    """How to reach the API: read from the environment once, at the CLI."""

    token: str
    api_url: str = DEFAULT_API_URL
    hub_url: str | None = None
    timeout_seconds: float = 30.0
    concurrency: int = 16
    retry: RetryPolicy = RetryPolicy()
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


def _describe(error: BaseException, what: str) -> HubError:
    """One line a person can act on; never includes headers (the token lives there)."""
    if isinstance(error, HubError):
        return error
    if isinstance(error, HfHubHTTPError) and error.response is not None:
        status = error.response.status_code
        server = (error.server_message or "").strip().splitlines()[0:1]
        detail = f": {server[0]}" if server else ""
        hint = ""
        if status in (401, 403):
            hint = " (the token needs the 'Manage Inference Endpoints' permission, inference.endpoints.write, on this namespace)"
        cls = EndpointGone if status == 404 and what.startswith(("pause", "scale-to-zero", "resume", "get")) else HubError
        return cls(f"{what}: HTTP {status}{detail}{hint}", status)
    if isinstance(error, httpx2.TimeoutException):
        return HubError(f"{what}: timed out")
    if isinstance(error, httpx2.TransportError):
        return HubError(f"{what}: connection failed ({type(error).__name__})")
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
        self._api = HfApi(endpoint=settings.hub_url, token=settings.token)
        self._headers = build_hf_headers(
            token=settings.token, library_name="hf-endpoint-watchdog", library_version=__version__
        )

    # -- plumbing -------------------------------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        policy = self.settings.retry
        deadline = self.settings.run_deadline_seconds
        if deadline is not None:
            remaining = deadline - (self._monotonic() - self._started)
            if remaining <= 0:
                raise HubError(f"{what}: not attempted, the run deadline of {deadline:.0f}s has passed")
            # Retries of one call never outlive the run either.
            policy = replace(policy, deadline_seconds=min(policy.deadline_seconds, remaining))
        kwargs: dict[str, Any] = {"classify": _classify, "policy": policy, "monotonic": self._monotonic}
        if self._sleep is not None:
            kwargs["sleep"] = self._sleep
        try:
            return call_with_retries(fn, **kwargs)
        except BaseException as error:  # noqa: BLE001 - every failure becomes a HubError with a safe message
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            raise _describe(error, what) from None

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> httpx2.Response:
        response = get_session().get(f"{constants.INFERENCE_ENDPOINTS_ENDPOINT}{path}", headers=self._headers, params=params)
        hf_raise_for_status(response)
        return response

    def map(self, fn: Callable[[Any], T], items: list[Any]) -> list[T]:
        """Run `fn` over items with at most `concurrency` requests in flight, preserving order."""
        if len(items) <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency)) as pool:
            return list(pool.map(fn, items))

    # -- reading --------------------------------------------------------------------------------------------

    def whoami(self) -> str:
        """The token owner's name: the default namespace when neither flags nor policy name one."""
        info = self._call("whoami", lambda: self._api.whoami(token=self.settings.token))
        return str(info["name"])

    def whoami_namespaces(self) -> list[str]:
        """The token owner's name, then its organizations': what `watchdog init` offers to watch."""
        info = self._call("whoami", lambda: self._api.whoami(token=self.settings.token))
        orgs = [org.get("name") for org in info.get("orgs") or [] if isinstance(org, Mapping)]
        return [str(info["name"]), *(str(name) for name in orgs if name)]

    def list_raw(self, namespace: str) -> list[Any]:
        """Every endpoint payload of one namespace, following `nextCursor`.

        Not `list_inference_endpoints`: it never follows the cursor (a paginated answer would silently hide
        endpoints) and `namespace="*"` swallows per-org errors. Items stay raw so one malformed endpoint
        cannot hide the others.
        """
        items: list[Any] = []
        cursor: str | None = None
        seen_cursors: set[str] = set()
        while True:
            params = {"cursor": cursor} if cursor else None
            page = self._call(f"list namespace {namespace!r}", lambda: self._get(f"/endpoint/{namespace}", params).json())
            if not isinstance(page, Mapping) or not isinstance(page.get("items"), list):
                raise HubError(f"list namespace {namespace!r}: unexpected answer (no 'items' list)")
            items.extend(page["items"])
            cursor = page.get("nextCursor")
            if not cursor:
                return items
            if cursor in seen_cursors:  # a server repeating a cursor must not loop us forever
                raise HubError(f"list namespace {namespace!r}: pagination cursor repeated")
            seen_cursors.add(cursor)

    def prices(self, namespace: str) -> dict[str, float]:
        """Price per replica-hour by compute id, from the namespace's hardware list (read once per namespace)."""
        hardware = self._call(
            f"hardware list of {namespace!r}",
            lambda: self._api.list_inference_endpoints_hardware(namespace=namespace, token=self.settings.token),
        )
        return {hw.id: float(hw.price_per_hour) for hw in hardware if getattr(hw, "price_per_hour", None) is not None}

    def signals(self, namespace: str, raw: Mapping[str, Any], prices: Mapping[str, float]) -> Signals:
        """Replica start and request counter for a billable endpoint; a failed signal is a note, not an error."""
        name = raw["name"]
        compute = raw.get("compute") if isinstance(raw.get("compute"), Mapping) else {}
        price = prices.get(str(compute.get("id")))
        notes: list[str] = []
        started: datetime | None = None
        counter: float | None = None
        try:
            started = earliest_live_replica_start(
                self._call(f"replicas of {namespace}/{name}", lambda: self._get(f"/endpoint/{namespace}/{name}/replica").json())
            )
            if started is None:
                notes.append("no live replica with a start time")
        except HubError as error:
            notes.append(f"replica start unknown: {error}")
        except ValueError:
            notes.append("replica start unknown: answer was not JSON")
        try:
            text = self._call(f"open-metrics of {namespace}/{name}", lambda: self._get(f"/endpoint/{namespace}/{name}/open-metrics").text)
            counter = parse_request_counter(text)
            if counter is None:
                notes.append("open-metrics has no http_requests counter")
        except HubError as error:
            notes.append(f"request counter unknown: {error}")
        return Signals(price_per_replica_hour=price, replica_started_at=started, request_counter=counter, notes=tuple(notes))

    def get_raw(self, namespace: str, name: str) -> Mapping[str, Any]:
        """One endpoint's full payload (raises EndpointGone when it no longer exists)."""
        return self._call(f"get {namespace}/{name}", lambda: self._get(f"/endpoint/{namespace}/{name}").json())

    # -- acting ---------------------------------------------------------------------------------------------

    def pause(self, namespace: str, name: str) -> str:
        """Pause: billing stops, GPU quota is released, traffic does not wake it."""
        endpoint = self._call(
            f"pause {namespace}/{name}",
            lambda: self._api.pause_inference_endpoint(name, namespace=namespace, token=self.settings.token),
        )
        return str(endpoint.status)

    def scale_to_zero(self, namespace: str, name: str) -> str:
        """Scale to zero: billing stops, quota is kept, the next request wakes it."""
        endpoint = self._call(
            f"scale-to-zero {namespace}/{name}",
            lambda: self._api.scale_to_zero_inference_endpoint(name, namespace=namespace, token=self.settings.token),
        )
        return str(endpoint.status)

    def resume(self, namespace: str, name: str) -> str:
        """Resume a paused or scaled-to-zero endpoint (already running is fine)."""
        endpoint = self._call(
            f"resume {namespace}/{name}",
            lambda: self._api.resume_inference_endpoint(
                name, namespace=namespace, running_ok=True, token=self.settings.token
            ),
        )
        return str(endpoint.status)

    def update(self, namespace: str, name: str, *, min_replica: int | None = None, max_replica: int | None = None,
               scale_to_zero_timeout: int | None = None) -> str:
        """Change the scaling settings (`fix_config`); fields left None are not sent. Returns the new state.

        Through `update_inference_endpoint`, so the request is exactly what the library sends (a partial PUT of
        `compute.scaling`; with these arguments it does not GET first). The API applied the change once it answered
        2xx: a body the strict client cannot parse is still a success (state "unknown"), never a failure or a retry.
        A PUT of the same values is idempotent, so retrying 429/5xx is safe.
        """
        what = f"update {namespace}/{name}"

        def put() -> str:
            try:
                endpoint = self._api.update_inference_endpoint(
                    name, namespace=namespace, min_replica=min_replica, max_replica=max_replica,
                    scale_to_zero_timeout=scale_to_zero_timeout, token=self.settings.token,
                )
            except httpx2.HTTPError:
                raise  # an error answer or no answer (BadRequestError is also a ValueError: keep this first)
            except (ValueError, KeyError, TypeError):
                # Past hf_raise_for_status, so the API answered 2xx: only the JSON or InferenceEndpoint.from_raw failed.
                return "unknown"
            return str(endpoint.status)

        try:
            return self._call(what, put)
        except EndpointGone:
            raise
        except HubError as error:
            if error.status == 404:  # deleted between listing and acting
                raise EndpointGone(str(error), 404) from None
            raise

