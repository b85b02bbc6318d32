"""The watchdog's own immutable records: endpoint snapshots, decisions, outcomes and the run report."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from watchdog.core.stretch_cost import ReplicaSample, StretchCost, replica_hours

if TYPE_CHECKING:  # the ledger imports this module
    from watchdog.core.ledger import Ledger


class EndpointState(enum.StrEnum):
    """The states the API documents (`status.state`); anything else is unknown and never acted on."""

    PENDING = "pending"
    INITIALIZING = "initializing"
    UPDATING = "updating"
    RUNNING = "running"
    PAUSED = "paused"
    SCALED_TO_ZERO = "scaledToZero"
    FAILED = "failed"
    UPDATE_FAILED = "updateFailed"


# Endpoints bill per minute while in these states, used or not (reference: billing section).
BILLABLE_STATES: frozenset[str] = frozenset(
    {EndpointState.PENDING, EndpointState.INITIALIZING, EndpointState.UPDATING, EndpointState.RUNNING}
)
KNOWN_STATES: frozenset[str] = frozenset(EndpointState)


class UptimeSource(enum.StrEnum):
    """Where `running_since` came from, strongest first."""

    REPLICA = "replica"  # earliest live replica `startedAt`
    STATE = "state"  # the first watchdog run that saw the endpoint billable (min_replica >= 1: it cannot sleep)
    # The first run that saw it billable, but its replica started later: a restart, or a pause and resume between
    # runs that left status.updatedAt alone. Continuous only if updatedAt is trusted (`trust_updated_at`).
    STATE_ACROSS_RESTART = "state-across-restart"
    # Runs saw it billable each time, but min_replica 0 (or unknown) lets it scale itself to zero in between:
    # never continuous evidence, so reported only.
    SIGHTINGS = "sightings"
    UPDATED_AT = "updated_at"  # `status.updatedAt`: weakest, moves on user edits only
    NOT_BILLABLE = "not-billable"  # paused, scaled to zero, failed: no running stretch
    UNKNOWN = "unknown"


class IdleSource(enum.StrEnum):
    """Where `last_activity` came from."""

    LAST_USED_AT = "last_used_at"  # `status.lastUsedAt`, when the API sends it
    METRICS = "metrics"  # `http_requests` counter deltas between runs (open-metrics route)
    UNKNOWN = "unknown"


class Action(enum.StrEnum):
    """What a broken limit asks for (the policy's `action`), strongest first."""

    PAUSE = "pause"
    SCALE_TO_ZERO = "scale-to-zero"
    NOTIFY = "notify"


class Decision(enum.StrEnum):
    """What the policy says should happen to an endpoint now."""

    KEEP = "keep"
    PAUSE = "pause"
    SCALE_TO_ZERO = "scale-to-zero"
    NOTIFY = "notify"
    PROTECTED = "protected"
    EXEMPT = "exempt"
    RECONFIGURE = "reconfigure"  # fix_config: correct the endpoint's scaling settings through the API


class Outcome(enum.StrEnum):
    """What the run actually did about the decision."""

    NONE = "none"
    PAUSED = "paused"
    SCALED_TO_ZERO = "scaled-to-zero"
    NOTIFIED = "notified"
    WOULD_PAUSE = "would-pause"
    WOULD_SCALE_TO_ZERO = "would-scale-to-zero"
    FAILED = "failed"
    GONE = "gone"  # deleted between listing and acting: not a failure
    RECONFIGURED = "reconfigured"
    WOULD_RECONFIGURE = "would-reconfigure"


@dataclass(frozen=True)
class ScalingConfig:
    """An endpoint's scaling settings as the API holds them (`compute.scaling`); None = not set or not known."""

    min_replica: int | None = None
    max_replica: int | None = None
    scale_to_zero_timeout_minutes: int | None = None


@dataclass(frozen=True)
class ConfigFix:
    """What a configuration limit asks the scaling settings to become; None = this limit has no say on that field.

    Every fix lowers a value, so several fixes merge into the lowest value each asks for.
    """

    min_replica: int | None = None
    max_replica: int | None = None
    scale_to_zero_timeout_minutes: int | None = None


@dataclass(frozen=True)
class Reconfiguration:
    """A planned correction of an endpoint's scaling settings (`fix_config`), with the way back."""

    before: ScalingConfig
    after: ScalingConfig
    changes: str  # `min_replica 1 → 0, scale_to_zero_timeout none → 1h`
    undo: str  # the exact command that restores `before`
    undo_note: str | None = None  # what the undo command cannot restore, if anything

    def update_arguments(self) -> dict[str, int]:
        """The changed fields as `update_inference_endpoint` keyword arguments (unchanged fields are not sent)."""
        names = {"min_replica": "min_replica", "max_replica": "max_replica",
                 "scale_to_zero_timeout_minutes": "scale_to_zero_timeout"}
        out = {}
        for field_name, argument in names.items():
            new = getattr(self.after, field_name)
            if new is not None and new != getattr(self.before, field_name):
                out[argument] = new
        return out


@dataclass(frozen=True)
class EndpointSnapshot:
    """One endpoint as measured by one run. Built by the Hub adapter; the core only reads it."""

    namespace: str
    name: str
    state: EndpointState | str  # a documented state, or the API's text for one the watchdog does not know
    repository: str | None = None
    revision: str | None = None
    task: str | None = None
    url: str | None = None
    instance: str | None = None  # compute id, e.g. "aws-us-east-1-nvidia-a10g-x1"
    instance_type: str | None = None  # e.g. "nvidia-a10g"
    vendor: str | None = None
    region: str | None = None
    tags: tuple[str, ...] = ()
    min_replicas: int | None = None
    max_replicas: int | None = None
    scale_to_zero_timeout_minutes: int | None = None
    ready_replicas: int | None = None
    target_replicas: int | None = None
    price_per_replica_hour: float | None = None  # USD, from the namespace's hardware list
    created_at: datetime | None = None
    updated_at: datetime | None = None
    running_since: datetime | None = None
    running_since_source: UptimeSource = UptimeSource.UNKNOWN
    # The latest evidence of a request (never a sampling time): `lastUsedAt`, or the later bound of the interval
    # in which the request counter moved (the conservative choice: the shortest idle the evidence allows).
    last_activity: datetime | None = None
    last_activity_source: IdleSource = IdleSource.UNKNOWN
    # What the idle measurement rests on, in words ("status.lastUsedAt ...", "request counter moved between ...").
    last_activity_evidence: str | None = None
    # With no evidence of any request: the counter has not moved since this sample, so there was no request since
    # then and idle is *at least* now - no_request_since (counter-only idle).
    no_request_since: datetime | None = None
    message: str | None = None  # the API's status message
    # Why a measurement is missing or weak ("replica route answered 500", "first metrics sample").
    measurement_notes: tuple[str, ...] = ()
    # Answers read leniently because they came in a shape the watchdog did not expect ("replica list came as a
    # bare list", "status.readyReplica is not an integer"): what `check` lists as tolerated.
    tolerated: tuple[str, ...] = ()
    # Set when the endpoint JSON itself could not be understood: never act on such an endpoint.
    unmeasurable: str | None = None
    # Policy match fields (`name`, `repository`, `tag`, `instance_type`) the API sent missing or malformed: a rule
    # matching on one of them may or may not cover this endpoint, so it must not silently fall to a later rule.
    unreadable_match_fields: tuple[str, ...] = ()
    # The replica counts earlier runs saw in this stretch, oldest first: what prices the stretch (`stretch_cost.py`).
    replica_samples: tuple[ReplicaSample, ...] = ()

    @property
    def key(self) -> str:
        """Stable identity across runs: `namespace/name`."""
        return f"{self.namespace}/{self.name}"

    @property
    def scaling(self) -> ScalingConfig:
        """The scaling settings as listed."""
        return ScalingConfig(self.min_replicas, self.max_replicas, self.scale_to_zero_timeout_minutes)

    @property
    def billable(self) -> bool:
        """True while the endpoint costs money (initializing and running bill alike)."""
        return self.state in BILLABLE_STATES

    @property
    def billed_replicas(self) -> int:
        """Replicas being paid for now: 0 when not billable, else at least 1."""
        if not self.billable:
            return 0
        counts = [c for c in (self.ready_replicas, self.target_replicas) if c is not None]
        return max([1, *counts])

    @property
    def hourly_usd(self) -> float | None:
        """Current burn rate: price per replica-hour x billed replicas; None when the price is unknown."""
        if not self.billable:
            return 0.0
        if self.price_per_replica_hour is None:
            return None
        return round(self.price_per_replica_hour * self.billed_replicas, 4)

    def uptime_seconds(self, now: datetime) -> int | None:
        """Length of the current billable stretch, or None when unknown or not billable."""
        if not self.billable or self.running_since is None:
            return None
        return max(0, int((now - self.running_since).total_seconds()))

    def idle_seconds(self, now: datetime) -> int | None:
        """Time since the last request (a lower bound when only `no_request_since` is known); None: no idle signal."""
        since = self.last_activity if self.last_activity is not None else self.no_request_since
        if since is None:
            return None
        return max(0, int((now - since).total_seconds()))

    @property
    def idle_is_lower_bound(self) -> bool:
        """True when idle rests only on "no request since the counter sample at T": the real idle may be longer."""
        return self.last_activity is None and self.no_request_since is not None

    def stretch_cost(self, now: datetime) -> StretchCost | None:
        """Cost of the current billable stretch: price per replica-hour x the replica-hours the runs saw
        (`core/stretch_cost.py`: a lower bound when the count changed); None when unknown or not billable."""
        if self.uptime_seconds(now) is None or self.running_since is None or self.price_per_replica_hour is None:
            return None
        current = ReplicaSample(now, self.billed_replicas, self.min_replicas)
        hours, exact = replica_hours(self.running_since, self.replica_samples, current, self.updated_at)
        return StretchCost(round(self.price_per_replica_hour * hours, 2), exact)


@dataclass(frozen=True)
class RuleRef:
    """The policy rule that decided: 1-based index into `endpoints:` (0 = only `defaults` applied)."""

    index: int
    match: str


@dataclass(frozen=True)
class Finding:
    """A limit broken (a violation) or about to be (a warning), with the one-line reason people read."""

    check: enum.StrEnum  # the rule key, a member of `watchdog.core.rules.Check` (one per registered rule)
    limit: str  # as written in the policy, e.g. "8h"
    observed: str  # e.g. "9h12m"
    reason: str  # e.g. 'running 9h12m > max_uptime 8h (rule 2 "mert-*")'
    action: Action = Action.NOTIFY  # what this finding alone asks for
    fix: ConfigFix | None = None  # configuration limits: the settings that would satisfy them (fix_config)


class NoticeKind(enum.StrEnum):
    """What a Notice is about."""

    UNMEASURABLE = "unmeasurable"
    UNKNOWN_STATE = "unknown-state"
    QUOTA_HELD = "quota-held"  # scaled to zero: not billing, still holding GPU quota
    UPTIME_UNKNOWN = "uptime-unknown"
    UPTIME_WEAK = "uptime-weak"
    IDLE_UNKNOWN = "idle-unknown"
    COST_UNKNOWN = "cost-unknown"
    CONFIG_UNKNOWN = "config-unknown"  # a configuration limit whose scaling value the API did not give
    RULE_UNCERTAIN = "rule-uncertain"  # an earlier rule could apply, were the fields it matches on readable
    EXEMPTION_EXPIRING = "exemption-expiring"
    EXEMPTION_EXPIRED = "exemption-expired"


@dataclass(frozen=True)
class Notice:
    """Something people should know that is not a violation: unknown idle, exemption expiring, weak uptime."""

    kind: NoticeKind
    message: str


@dataclass(frozen=True)
class Evaluation:
    """The pure core's verdict on one endpoint at one instant."""

    endpoint: EndpointSnapshot
    rule: RuleRef
    decision: Decision
    reason: str  # one line: why this decision ("within limits" for keep)
    violations: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    notices: tuple[Notice, ...] = ()
    owner: str | None = None  # e.g. "@alice", mentioned in alerts
    reconfiguration: Reconfiguration | None = None  # set when the decision is reconfigure


@dataclass(frozen=True)
class EndpointResult:
    """An evaluation plus what the run did about it."""

    evaluation: Evaluation
    outcome: Outcome = Outcome.NONE
    error: str | None = None

    @property
    def endpoint(self) -> EndpointSnapshot:
        return self.evaluation.endpoint


@dataclass(frozen=True)
class NamespaceResult:
    """Whether a namespace could be listed, and how many endpoints it holds."""

    name: str
    ok: bool
    error: str | None = None
    endpoints: int = 0
    # Listed, but with reason to doubt it ("listing may be incomplete: ..."): reported and announced, not a failure.
    warnings: tuple[str, ...] = ()


class AlertChannel(enum.StrEnum):
    """Where alerts go."""

    SLACK = "slack"
    GITHUB = "github"
    STEP_SUMMARY = "step-summary"


class AlertStatus(enum.StrEnum):
    """What happened to one channel's alert in one run."""

    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    DRY_RUN = "dry-run"


@dataclass(frozen=True)
class AlertResult:
    """Delivery status of one alert channel for this run."""

    channel: AlertChannel
    status: AlertStatus
    error: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Report:
    """Everything one run saw, decided and did. Rendered to text, JSON, Markdown and alerts."""

    generated_at: datetime
    command: str
    dry_run: bool
    namespaces: tuple[NamespaceResult, ...]
    endpoints: tuple[EndpointResult, ...]
    alerts: tuple[AlertResult, ...] = ()
    errors: tuple[str, ...] = ()  # run-level problems (action cap hit, ...): the run failed
    notices: tuple[str, ...] = ()  # run-level news that is not a failure (state file recovered, schedule dropped)
    ledger: Ledger | None = None  # month-to-date money from the history (run and pause-all; None for check)

    @property
    def unpriced_billable(self) -> int:
        """Billable endpoints with no known price: every burn figure leaves them out, and says so."""
        return sum(1 for r in self.endpoints if r.endpoint.billable and r.endpoint.hourly_usd is None)

    @property
    def failed(self) -> bool:
        """True when anything the run tried did not work: the exit code is then 1."""
        return (
            any(not ns.ok for ns in self.namespaces)
            or any(r.outcome is Outcome.FAILED for r in self.endpoints)
            or any(r.endpoint.unmeasurable for r in self.endpoints)
            or any(a.status == AlertStatus.FAILED for a in self.alerts)
            or bool(self.errors)
        )
