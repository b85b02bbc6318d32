"""What the operations need from the Endpoints API adapter: the Hub protocol and its error types (no HTTP here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # only an annotation here: `--help` and `validate` need not import the measuring core
    from watchdog.core.measure import Signals


class HubError(Exception):
    """A failed Endpoints API call, with a message safe to show (no token) and the HTTP status if any.

    `unreachable`: the API could not be reached or could not answer (connection failure, timeout, 429 or 5xx after
    the retries), as opposed to an answer that says no (401, 403, 404...) or one that could not be understood.
    """

    def __init__(self, message: str, status: int | None = None, *, unreachable: bool = False):
        super().__init__(message)
        self.status = status
        self.unreachable = unreachable


@dataclass(frozen=True)
class Listing:
    """One namespace's endpoint payloads (raw, each read on its own) and what a person should know about the listing."""

    items: list[Any] = field(default_factory=list)
    warnings: tuple[str, ...] = ()  # e.g. "listing may be incomplete: ..." (reported and announced, not a failure)


class EndpointGone(HubError):
    """The endpoint no longer exists (deleted between listing and acting)."""


class Hub(Protocol):
    """What the runner needs from the Endpoints API adapter (hub.EndpointsHub; tests may pass a fake).

    `concurrency` is the one bound on requests in flight: the sweep runs every call (list pages, price lists,
    replicas, open metrics, of every namespace) on that many threads, and `map` (the actions) uses as many.
    """

    @property
    def concurrency(self) -> int: ...

    @property
    def deadline_refusals(self) -> int:
        """Calls not attempted because the run deadline had passed (the run reports them as an error)."""
        ...

    def list_raw(self, namespace: str, on_page: Callable[[list[Any]], None] | None = None) -> Listing: ...
    def prices(self, namespace: str) -> Mapping[str, float]: ...
    def replicas(self, namespace: str, raw: Mapping[str, Any]) -> Signals: ...
    def open_metrics(self, namespace: str, raw: Mapping[str, Any]) -> Signals: ...
    def pause(self, namespace: str, name: str) -> str: ...
    def scale_to_zero(self, namespace: str, name: str) -> str: ...
    def resume(self, namespace: str, name: str) -> str: ...
    def update(self, namespace: str, name: str, *, min_replica: int | None = None, max_replica: int | None = None,
               scale_to_zero_timeout: int | None = None) -> str: ...
    def get_raw(self, namespace: str, name: str) -> Mapping[str, Any]: ...
    def whoami(self) -> str: ...
    def whoami_namespaces(self) -> list[str]: ...
    def map(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]: ...
