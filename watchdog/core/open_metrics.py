"""Namespaces whose plan has no open metrics: found by one probe, said once, remembered a day (pure).

Open metrics (`GET .../open-metrics`) exist on Team and Enterprise plans only; elsewhere the route answers 403 (or
404) for every endpoint of the namespace. So the first *running* endpoint asked in a namespace is its probe: a 403
or 404 there means the namespace is not asked again for its other endpoints in this run, and a `run` keeps the
verdict in the state file (section `metrics_unavailable`) for REPROBE_AFTER_SECONDS, then asks one endpoint again.
A namespace without the plan then costs one request a day instead of one per billable endpoint per run.

Only a running endpoint can decide: one still starting may lack metrics for reasons of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from watchdog.core.timestamps import format_timestamp, parse_timestamp

SECTION = "metrics_unavailable"
REPROBE_AFTER_SECONDS = 24 * 3600
REFUSALS = (403, 404)  # what the route answers, for a running endpoint, where the plan has no open metrics


@dataclass(frozen=True)
class NoOpenMetrics:
    """The verdict on one namespace and the answer it rests on."""

    namespace: str
    status: int  # 403 or 404
    endpoint: str  # "acme-ml/x": the running endpoint whose open-metrics answer said so
    since: datetime  # when that answer came
    remembered: bool = False  # read from the state: nothing was asked in this namespace in this run

    @property
    def evidence(self) -> str:
        return f"{self.status} on {self.endpoint}"

    @property
    def reprobe_at(self) -> datetime:
        return self.since + timedelta(seconds=REPROBE_AFTER_SECONDS)

    @property
    def endpoint_note(self) -> str:
        """The measurement note of an endpoint that was not asked (its request counter is then unknown)."""
        if self.remembered:
            return (f"request counter unknown: open metrics unavailable in this namespace ({self.evidence} at "
                    f"{format_timestamp(self.since)}; asked again from {format_timestamp(self.reprobe_at)})")
        return f"request counter unknown: open metrics unavailable in this namespace ({self.evidence})"

    @property
    def notice(self) -> str:
        """One report notice per namespace. The same words every night while it holds, so it is news once."""
        return (f"open metrics unavailable in namespace {self.namespace} ({self.evidence}): request counters are not "
                f"asked for its other endpoints; runs remember this for 24 h, then ask one endpoint again")

    def to_state(self) -> dict[str, Any]:
        return {"status": self.status, "endpoint": self.endpoint, "since": format_timestamp(self.since)}


def is_refusal(status: int | None) -> bool:
    return status in REFUSALS


def remembered(section: Any, namespaces: Iterable[str], now: datetime) -> dict[str, NoOpenMetrics]:
    """The verdicts of earlier runs still in force for the watched namespaces (malformed entries read as none)."""
    if not isinstance(section, Mapping):
        return {}
    found: dict[str, NoOpenMetrics] = {}
    for namespace in namespaces:
        entry = section.get(namespace)
        if not isinstance(entry, Mapping):
            continue
        since = parse_timestamp(entry.get("since"))
        status, endpoint = entry.get("status"), entry.get("endpoint")
        if since is None or not isinstance(status, int) or not is_refusal(status) or not isinstance(endpoint, str) \
                or not endpoint:
            continue
        if since <= now < since + timedelta(seconds=REPROBE_AFTER_SECONDS):
            found[namespace] = NoOpenMetrics(namespace, status, endpoint, since, remembered=True)
    return found


def to_section(verdicts: Mapping[str, NoOpenMetrics]) -> dict[str, Any]:
    """The state section to write: every verdict in force after this run, by namespace."""
    return {namespace: verdicts[namespace].to_state() for namespace in sorted(verdicts)}
