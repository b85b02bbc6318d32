"""The validated policy as frozen data: rules, matches, settings, and how a rule merges over `defaults`."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from watchdog.core.model import EndpointSnapshot
from watchdog.core.policy.schedule import Schedule, load_zone

ACTIONS = ("pause", "scale-to-zero", "notify")
UNKNOWN_IDLE_CHOICES = ("notify", "pause", "ignore")
MATCH_FIELDS = ("name", "namespace", "repository", "tag", "instance_type")
SETTING_KEYS = (
    "max_uptime", "max_idle", "action", "on_unknown_idle", "warn_before", "schedule", "owner",
    "max_cost", "max_replicas", "require_scale_to_zero", "trust_updated_at",
)
RULE_ONLY_KEYS = ("match", "protected", "exempt_until", "reason")
RULE_KEYS = RULE_ONLY_KEYS[:2] + SETTING_KEYS + RULE_ONLY_KEYS[2:]
TOP_KEYS = ("version", "namespaces", "timezone", "defaults", "endpoints", "notify", "max_actions_per_run", "run_every")
SCHEDULE_KEYS = ("days", "hours", "timezone")
NOTIFY_KEYS = ("slack", "github_issue")
# Settings a rule may set to null to drop a limit that `defaults` imposes ("no idle limit for batch jobs").
CLEARABLE = ("max_uptime", "max_idle", "warn_before", "schedule", "owner", "max_cost", "max_replicas")
DEFAULT_ACTION = "pause"
DEFAULT_ON_UNKNOWN_IDLE = "notify"
DEFAULT_MAX_ACTIONS = 20
DEFAULT_RUN_EVERY = 24 * 3600
_DURATION_HINT = 'durations look like 30m, 4h, 1d or 1h30m'


@dataclass(frozen=True)
class Match:
    """Which endpoints a rule covers: glob patterns (fnmatchcase) that must all hold."""

    text: str  # as shown in reasons: `mert-*` or `namespace=acme-ml name=mert-*`
    name: str | None = None
    namespace: str | None = None
    repository: str | None = None
    tag: str | None = None
    instance_type: str | None = None

    def matches(self, snapshot: EndpointSnapshot) -> bool:
        """True when every given pattern holds; a field the endpoint lacks never matches."""
        checks = (
            (self.name, (snapshot.name,)),
            (self.namespace, (snapshot.namespace,)),
            (self.repository, (snapshot.repository,)),
            (self.tag, snapshot.tags),
            # People write the short type (`nvidia-l4`) or copy the full compute id from the UI: accept both.
            (self.instance_type, (snapshot.instance_type, snapshot.instance)),
        )
        for pattern, values in checks:
            if pattern is None:
                continue
            if not any(v is not None and fnmatch.fnmatchcase(v, pattern) for v in values):
                return False
        return True

    @property
    def is_catch_all(self) -> bool:
        """True when it matches every endpoint (name and namespace always exist; other fields may be missing)."""
        given = {f: getattr(self, f) for f in MATCH_FIELDS if getattr(self, f) is not None}
        return set(given) <= {"name", "namespace"} and all(set(p) == {"*"} for p in given.values())


@dataclass(frozen=True)
class RuleSettings:
    """Limits and behaviour a rule or `defaults` sets; None means "not set here"."""

    max_uptime: int | None = None  # seconds
    max_idle: int | None = None  # seconds
    action: str | None = None
    on_unknown_idle: str | None = None
    warn_before: int | None = None  # seconds
    schedule: Schedule | None = None
    owner: str | None = None
    max_cost: float | None = None  # USD for the current billable stretch
    max_replicas: int | None = None
    require_scale_to_zero: bool | None = None
    trust_updated_at: bool | None = None
    cleared: frozenset[str] = frozenset()  # keys set to null: drop the default limit


@dataclass(frozen=True)
class Effective:
    """What applies to one endpoint after merging its rule over `defaults` and the built-in defaults."""

    max_uptime: int | None
    max_idle: int | None
    action: str
    on_unknown_idle: str
    warn_before: int | None
    schedule: Schedule | None
    owner: str | None
    max_cost: float | None
    max_replicas: int | None
    require_scale_to_zero: bool
    trust_updated_at: bool
    # Config checks (max_replicas, require_scale_to_zero) only act when the rule itself names an action.
    config_action: str


@dataclass(frozen=True)
class Rule:
    """One entry of `endpoints:`; `index` is 1-based as people count them."""

    index: int
    match: Match
    settings: RuleSettings = field(default_factory=RuleSettings)
    protected: bool = False
    exempt_until: date | None = None
    reason: str | None = None
    line: int = 0  # where the rule starts in the file, for "can never match" errors
    column: int = 0


@dataclass(frozen=True)
class NotifySettings:
    """Alert channels; None means "on when its secret is set"."""

    slack: bool | None = None
    github_issue: bool | None = None


@dataclass(frozen=True)
class Policy:
    """A validated policy file."""

    version: int
    namespaces: tuple[str, ...]
    timezone: str
    defaults: RuleSettings
    rules: tuple[Rule, ...]
    notify: NotifySettings
    max_actions_per_run: int
    run_every_seconds: int

    def rule_for(self, snapshot: EndpointSnapshot) -> Rule | None:
        """The first rule whose match holds, or None (only `defaults` apply)."""
        return next((r for r in self.rules if r.match.matches(snapshot)), None)

    def effective(self, rule: Rule | None) -> Effective:
        """Merge `rule` over `defaults` over the built-in defaults."""
        own = rule.settings if rule is not None else RuleSettings()

        def pick(name: str) -> Any:
            if name in own.cleared:
                return None
            value = getattr(own, name)
            if value is not None:
                return value
            return None if name in self.defaults.cleared else getattr(self.defaults, name)

        action = pick("action") or DEFAULT_ACTION
        return Effective(
            max_uptime=pick("max_uptime"),
            max_idle=pick("max_idle"),
            action=action,
            on_unknown_idle=pick("on_unknown_idle") or DEFAULT_ON_UNKNOWN_IDLE,
            warn_before=pick("warn_before"),
            schedule=pick("schedule"),
            owner=pick("owner"),
            max_cost=pick("max_cost"),
            max_replicas=pick("max_replicas"),
            require_scale_to_zero=bool(pick("require_scale_to_zero")),
            trust_updated_at=bool(pick("trust_updated_at")),
            config_action=own.action or "notify",
        )

    def exemption_end(self, rule: Rule) -> datetime | None:
        """The instant an exemption stops: the end of `exempt_until` in the rule's schedule zone or the policy's."""
        if rule.exempt_until is None:
            return None
        effective = self.effective(rule)
        zone_name = effective.schedule.timezone if effective.schedule is not None else self.timezone
        zone = load_zone(zone_name)
        next_day = rule.exempt_until + timedelta(days=1)
        return datetime(next_day.year, next_day.month, next_day.day, tzinfo=zone)
