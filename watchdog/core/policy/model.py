"""The validated policy as frozen data: rules, matches, settings, and how a rule merges over `defaults`."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from watchdog.core.model import Action, EndpointSnapshot
from watchdog.core.rules import REGISTRY
from watchdog.core.rules.general import ActionSetting
from watchdog.core.rules.schedule import ScheduleRule
from watchdog.core.schedule import load_zone

MATCH_FIELDS = ("name", "namespace", "repository", "tag", "instance_type")
# Keys of a rule that are about the rule itself, not settings (which come from the rule registry).
RULE_ONLY_KEYS = ("match", "protected", "exempt_until", "reason")
SETTING_KEYS = REGISTRY.keys
RULE_KEYS = RULE_ONLY_KEYS[:2] + SETTING_KEYS + RULE_ONLY_KEYS[2:]
TOP_KEYS = ("version", "namespaces", "timezone", "defaults", "endpoints", "notify", "max_actions_per_run", "run_every")
NOTIFY_KEYS = ("slack", "github_issue")
DEFAULT_MAX_ACTIONS = 20
DEFAULT_RUN_EVERY = 24 * 3600


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

    def might_match(self, snapshot: EndpointSnapshot) -> bool:
        """True when the match holds, or could hold were the fields the API sent unreadable known: each pattern on
        an unreadable field counts as satisfied, every other pattern must hold as in `matches`."""
        unknown = set(snapshot.unreadable_match_fields)
        if not unknown or not any(getattr(self, f) is not None for f in unknown):
            return self.matches(snapshot)
        unknown_patterns: dict[str, Any] = dict.fromkeys(unknown)
        return replace(self, **unknown_patterns).matches(snapshot)

    @property
    def is_catch_all(self) -> bool:
        """True when it matches every endpoint (name and namespace always exist; other fields may be missing)."""
        given = {f: getattr(self, f) for f in MATCH_FIELDS if getattr(self, f) is not None}
        return set(given) <= {"name", "namespace"} and all(set(p) == {"*"} for p in given.values())


@dataclass(frozen=True)
class RuleSettings:
    """The settings a rule or `defaults` writes, by rule key (see `watchdog.core.rules.REGISTRY`)."""

    values: Mapping[str, Any] = field(default_factory=dict)  # key -> parsed value
    written: Mapping[str, str] = field(default_factory=dict)  # key -> the value as the file writes it
    cleared: frozenset[str] = frozenset()  # keys set to null: drop the default limit


@dataclass(frozen=True)
class Effective:
    """What applies to one endpoint after merging its rule over `defaults` over the built-in defaults.

    Rules read their own value with `settings[key]`; None means the limit does not apply.
    """

    values: Mapping[str, Any]
    written: Mapping[str, str | None]
    config_action: Action  # configuration limits act only on the rule's own action (else notify)
    where: str  # the rule reference reasons end with: `(rule 2 "mert-*")` or `(defaults)`

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


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

    def uncertain_rules(self, snapshot: EndpointSnapshot) -> tuple[Rule, ...]:
        """Rules before the one that matches (all of them when none does) that might match instead: they match on
        a field the API sent missing or malformed (`tags: "keep-alive"`), so which rule applies is not known."""
        if not snapshot.unreadable_match_fields:
            return ()
        uncertain = []
        for rule in self.rules:  # first match wins: only the rules before it could have been chosen instead
            if rule.match.matches(snapshot):
                break
            if rule.match.might_match(snapshot):
                uncertain.append(rule)
        return tuple(uncertain)

    def protecting_rule(self, snapshot: EndpointSnapshot) -> Rule | None:
        """The protected rule that covers the endpoint, or might: its own rule, else an uncertain earlier one."""
        chosen = self.rule_for(snapshot)
        if chosen is not None and chosen.protected:
            return chosen
        return next((r for r in self.uncertain_rules(snapshot) if r.protected), None)

    def effective(self, rule: Rule | None) -> Effective:
        """Merge `rule` over `defaults` over the built-in defaults (a `null` in the rule clears a default)."""
        own = rule.settings if rule is not None else RuleSettings()
        values: dict[str, Any] = {}
        written: dict[str, str | None] = {}
        for setting in REGISTRY.settings:
            key = setting.key
            if key in own.cleared:
                value, text = None, None
            elif own.values.get(key) is not None:
                value, text = own.values[key], own.written.get(key)
            elif key not in self.defaults.cleared and self.defaults.values.get(key) is not None:
                value, text = self.defaults.values[key], self.defaults.written.get(key)
            else:
                value, text = setting.default, None
            values[key] = value
            written[key] = text
        where = f'(rule {rule.index} "{rule.match.text}")' if rule is not None else "(defaults)"
        return Effective(values, written, ActionSetting.config_action(own), where)

    def exemption_end(self, rule: Rule) -> datetime | None:
        """The instant an exemption stops: the end of `exempt_until` in the rule's schedule zone or the policy's."""
        if rule.exempt_until is None:
            return None
        zone_name = ScheduleRule.zone_of(self.effective(rule)) or self.timezone
        zone = load_zone(zone_name)
        next_day = rule.exempt_until + timedelta(days=1)
        return datetime(next_day.year, next_day.month, next_day.day, tzinfo=zone)
