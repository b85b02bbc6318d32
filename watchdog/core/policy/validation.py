"""Layered validation of the YAML tree (structure, then meaning), collecting every issue with its location."""

from __future__ import annotations

import difflib
import functools
import zoneinfo
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from watchdog.core.durations import DurationError, parse_duration
from watchdog.core.policy.errors import PolicyError, PolicyIssue
from watchdog.core.policy.model import (
    DEFAULT_MAX_ACTIONS,
    DEFAULT_RUN_EVERY,
    MATCH_FIELDS,
    NOTIFY_KEYS,
    RULE_KEYS,
    RULE_ONLY_KEYS,
    SETTING_KEYS,
    TOP_KEYS,
    Match,
    NotifySettings,
    Policy,
    Rule,
    RuleSettings,
)
from watchdog.core.policy.yaml_nodes import Entry, Node, load_yaml
from watchdog.core.rules import REGISTRY, Where
from watchdog.core.schedule import ScheduleError, load_zone


def parse_policy(text: str, source: str) -> Policy:
    """Validate `text` (the content of `source`) and build the Policy; raise PolicyError listing every issue."""
    root, yaml_issues = load_yaml(text)
    checker = _Checker(source)
    for issue in yaml_issues:
        checker.issues.append(PolicyIssue(source, issue.line, issue.column, issue.message, issue.hint))
    policy = None
    if root is None and not yaml_issues:
        checker.add(1, 1, "the policy file is empty", "start with 'version: 1'")
    elif root is not None:
        policy = checker.policy(root)
    if checker.issues or policy is None:
        raise PolicyError(sorted(checker.issues, key=lambda i: (i.line, i.column, i.message)))
    return policy


_DURATION_HINT = "durations look like 30m, 4h, 1d or 1h30m"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


@functools.lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    # Scanning the tz database takes a while; one policy file may name several bad zones.
    return tuple(sorted(zoneinfo.available_timezones()))


def _closest(word: str, choices: tuple[str, ...] | list[str]) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{found[0]}'?" if found else None


class _Checker:
    """Walks the YAML tree once, collecting every issue instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[PolicyIssue] = []
        self.policy_timezone = "UTC"

    def add(self, line: int, column: int, message: str, hint: str | None = None) -> None:
        self.issues.append(PolicyIssue(self.source, line, column, message, hint))

    def show(self, value: Any) -> str:
        return _show(value)

    # -- generic helpers

    def keys(self, node: Node, allowed: tuple[str, ...], scope: str, misplaced: dict[str, str] | None = None) -> None:
        for entry in node.value.values():
            if entry.key in allowed:
                continue
            if misplaced and entry.key in misplaced:
                self.add(entry.line, entry.column, f"key '{entry.key}' is not allowed {scope}", misplaced[entry.key])
                continue
            hint = _closest(entry.key, allowed) or "allowed keys: " + ", ".join(allowed)
            self.add(entry.line, entry.column, f"unknown key '{entry.key}' {scope}", hint)

    def mapping(self, node: Node, what: str, scope: str) -> bool:
        if node.is_mapping:
            return True
        self.add(node.line, node.column, f"invalid {what} {scope}: expected a mapping, got {_show(node.value)}")
        return False

    def duration(self, entry: Entry, scope: str) -> int | None:
        value = entry.value.value
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(entry.value.line, entry.value.column,
                     f"invalid {entry.key} {scope}: expected a duration, got {_show(value)}", _DURATION_HINT)
            return None
        if not isinstance(value, str):
            self.add(entry.value.line, entry.value.column,
                     f"invalid {entry.key} {scope}: {_show(value)} has no unit",
                     f"write '{value}m' or '{value}h'")
            return None
        try:
            return parse_duration(value)
        except DurationError:
            digits_only_zero = value.strip() and all(c in "0dhms" for c in value.strip().lower())
            why = "a duration must be longer than zero" if digits_only_zero else "expected a duration"
            self.add(entry.value.line, entry.value.column, f"invalid {entry.key} {scope}: {why}, got {_show(value)}",
                     _DURATION_HINT)
            return None

    def boolean(self, entry: Entry, scope: str) -> bool | None:
        if isinstance(entry.value.value, bool):
            return entry.value.value
        self.add(entry.value.line, entry.value.column,
                 f"invalid {entry.key} {scope}: expected true or false, got {_show(entry.value.value)}")
        return None

    def choice(self, entry: Entry, choices: tuple[str, ...], scope: str) -> str | None:
        value = entry.value.value
        if isinstance(value, str) and value in choices:
            return value
        hint = _closest(value, choices) if isinstance(value, str) else None
        self.add(entry.value.line, entry.value.column,
                 f"invalid {entry.key} {scope}: expected one of {', '.join(choices)}, got {_show(value)}", hint)
        return None

    def text(self, entry: Entry, scope: str) -> str | None:
        value = entry.value.value
        if isinstance(value, str) and value.strip():
            return value
        self.add(entry.value.line, entry.value.column,
                 f"invalid {entry.key} {scope}: expected a non-empty string, got {_show(value)}")
        return None

    def integer(self, entry: Entry, scope: str, minimum: int) -> int | None:
        value = entry.value.value
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        self.add(entry.value.line, entry.value.column,
                 f"invalid {entry.key} {scope}: expected a whole number >= {minimum}, got {_show(value)}")
        return None

    def timezone(self, entry: Entry, scope: str) -> str | None:
        value = entry.value.value
        try:
            load_zone(value)
        except ScheduleError as error:
            hint = None
            if isinstance(value, str):
                hint = _closest(value, _zone_names())
            self.add(entry.value.line, entry.value.column, f"invalid {entry.key} {scope}: {error}",
                     hint or "use an IANA name like 'Europe/Paris', 'America/New_York' or 'UTC'")
            return None
        return str(value)

    # -- the layers

    def policy(self, root: Node) -> Policy | None:
        if not root.is_mapping:
            self.add(root.line, root.column, f"the policy file must be a mapping, got {_show(root.value)}",
                     "start with 'version: 1'")
            return None
        top = root.value
        self.keys(root, TOP_KEYS, "at top level")
        version = self._version(root)
        if "timezone" in top:
            self.policy_timezone = self.timezone(top["timezone"], "at top level") or "UTC"
        namespaces = self._namespaces(top.get("namespaces"))
        defaults = RuleSettings()
        if "defaults" in top and top["defaults"].value.value is not None:
            node = top["defaults"].value
            if self.mapping(node, "defaults", "at top level"):
                misplaced = dict.fromkeys(RULE_ONLY_KEYS, "set it on a rule under 'endpoints:'")
                self.keys(node, SETTING_KEYS, "in defaults", misplaced)
                defaults = self.settings(node, "in defaults", "defaults")
        rules = self._rules(top.get("endpoints"))
        notify = self._notify(top.get("notify"))
        max_actions = DEFAULT_MAX_ACTIONS
        if "max_actions_per_run" in top:
            max_actions = self.integer(top["max_actions_per_run"], "at top level", 1) or DEFAULT_MAX_ACTIONS
        run_every = DEFAULT_RUN_EVERY
        if "run_every" in top:
            run_every = self.duration(top["run_every"], "at top level") or DEFAULT_RUN_EVERY
        self._shadowed(rules)
        if version is None:
            return None
        return Policy(version=version, namespaces=namespaces, timezone=self.policy_timezone, defaults=defaults,
                      rules=rules, notify=notify, max_actions_per_run=max_actions, run_every_seconds=run_every)

    def _version(self, root: Node) -> int | None:
        entry = root.value.get("version")
        if entry is None:
            self.add(root.line, root.column, "missing required key 'version' at top level", "add 'version: 1'")
            return None
        if entry.value.value == 1 and not isinstance(entry.value.value, bool) and isinstance(entry.value.value, int):
            return 1
        self.add(entry.value.line, entry.value.column,
                 f"invalid version at top level: expected 1, got {_show(entry.value.value)}",
                 "this watchdog understands policy version 1")
        return None

    def _namespaces(self, entry: Entry | None) -> tuple[str, ...]:
        if entry is None or entry.value.value is None:
            return ()
        node = entry.value
        if not node.is_sequence:
            hint = f"write a list: [{node.value}]" if isinstance(node.value, str) else None
            self.add(node.line, node.column,
                     f"invalid namespaces at top level: expected a list, got {_show(node.value)}", hint)
            return ()
        names: list[str] = []
        for item in node.value:
            if isinstance(item.value, str) and item.value.strip() and "/" not in item.value:
                if item.value in names:
                    self.add(item.line, item.column, f"namespace {item.value!r} is listed twice")
                names.append(item.value)
            else:
                self.add(item.line, item.column,
                         "invalid namespace at top level: expected a user or organization name, "
                         f"got {_show(item.value)}")
        return tuple(dict.fromkeys(names))

    def _notify(self, entry: Entry | None) -> NotifySettings:
        if entry is None or entry.value.value is None:
            return NotifySettings()
        if not self.mapping(entry.value, "notify", "at top level"):
            return NotifySettings()
        self.keys(entry.value, NOTIFY_KEYS, "in notify")
        values = {e.key: self.boolean(e, "in notify") for e in entry.value.value.values() if e.key in NOTIFY_KEYS}
        return NotifySettings(**values)

    def _rules(self, entry: Entry | None) -> tuple[Rule, ...]:
        if entry is None or entry.value.value is None:
            return ()
        node = entry.value
        if not node.is_sequence:
            self.add(node.line, node.column,
                     f"invalid endpoints at top level: expected a list of rules, got {_show(node.value)}",
                     "each rule starts with '- match: ...'")
            return ()
        rules = []
        for index, item in enumerate(node.value, start=1):
            rule = self._rule(item, index)
            if rule is not None:
                rules.append(rule)
        return tuple(rules)

    def _rule(self, node: Node, index: int) -> Rule | None:
        scope = f"in rule {index}"
        if not node.is_mapping:
            self.add(node.line, node.column,
                     f"invalid rule {index} in endpoints: expected a mapping, got {_show(node.value)}",
                     "a rule looks like '- match: \"prod-*\"' followed by its limits")
            return None
        entries = node.value
        self.keys(node, RULE_KEYS, scope)
        match = None
        if "match" not in entries:
            self.add(node.line, node.column, f"missing required key 'match' {scope}",
                     "match: \"glob\" or match: {namespace: ..., name: ...}")
        else:
            match = self._match(entries["match"], scope)
        settings = self.settings(node, scope, f"rule {index}")
        protected = bool(self.boolean(entries["protected"], scope)) if "protected" in entries else False
        exempt_until = self._date(entries["exempt_until"], scope) if "exempt_until" in entries else None
        reason = self.text(entries["reason"], scope) if "reason" in entries else None
        if "exempt_until" in entries and "reason" not in entries:
            e = entries["exempt_until"]
            self.add(e.line, e.column, f"exempt_until needs a reason {scope}",
                     "add 'reason: \"why this endpoint may run\"' next to it")
        if match is None:
            return None
        return Rule(index=index, match=match, settings=settings, protected=protected,
                    exempt_until=exempt_until, reason=reason, line=node.line, column=node.column)

    def _match(self, entry: Entry, scope: str) -> Match | None:
        node = entry.value
        if isinstance(node.value, str) and node.kind == "scalar":
            if not node.value.strip():
                self.add(node.line, node.column, f"invalid match {scope}: the pattern is empty")
                return None
            return Match(text=node.value, name=node.value)
        if not node.is_mapping:
            self.add(node.line, node.column,
                     f"invalid match {scope}: expected a name glob or a mapping of {', '.join(MATCH_FIELDS)}, "
                     f"got {_show(node.value)}", "quote globs: match: \"mert-*\"")
            return None
        self.keys(node, MATCH_FIELDS, f"in the match of {scope[3:]}")
        patterns: dict[str, str] = {}
        for e in node.value.values():
            if e.key not in MATCH_FIELDS:
                continue
            if isinstance(e.value.value, str) and e.value.value.strip():
                patterns[e.key] = e.value.value
            else:
                self.add(e.value.line, e.value.column,
                         f"invalid {e.key} in the match of {scope[3:]}: expected a glob string, "
                         f"got {_show(e.value.value)}")
                return None
        if not patterns:
            if not any(e.key not in MATCH_FIELDS for e in node.value.values()):
                self.add(node.line, node.column, f"invalid match {scope}: the mapping is empty",
                         f"give at least one of {', '.join(MATCH_FIELDS)}")
            return None
        text = " ".join(f"{k}={v}" for k, v in patterns.items())
        return Match(text=text, **patterns)

    def _date(self, entry: Entry, scope: str) -> date | None:
        value = entry.value.value
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                if len(value.strip()) == 10:
                    return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self._bad_date(entry, scope)
        return None

    def _bad_date(self, entry: Entry, scope: str) -> None:
        self.add(entry.value.line, entry.value.column,
                 f"invalid {entry.key} {scope}: expected a date like 2026-12-15, got {_show(entry.value.value)}",
                 "YYYY-MM-DD; the exemption lasts through the end of that day")

    def settings(self, node: Node, scope: str, owner_name: str) -> RuleSettings:
        """Every rule key in `node`, parsed by its rule class from the registry."""
        values: dict[str, Any] = {}
        written: dict[str, str] = {}
        cleared: set[str] = set()
        by_key = REGISTRY.by_key()
        where = Where(scope, owner_name)
        for entry in node.value.values():
            setting = by_key.get(entry.key)
            if setting is None:
                continue
            if entry.value.value is None and entry.value.kind == "scalar":
                if setting.clearable:
                    cleared.add(setting.key)
                else:
                    self.add(entry.value.line, entry.value.column,
                             f"invalid {setting.key} {scope}: a value is required")
                continue
            values[setting.key] = setting.parse(entry, self, where)
            if entry.value.kind == "scalar":
                raw = entry.value.value
                written[setting.key] = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
        return RuleSettings(values=values, written=written, cleared=frozenset(cleared))

    def _shadowed(self, rules: tuple[Rule, ...]) -> None:
        """A rule after a catch-all, or after an identical match, can never be the first match: say so."""
        seen: dict[Match, Rule] = {}
        catch_all: Rule | None = None
        for rule in rules:
            key = replace(rule.match, text="")
            if catch_all is not None:
                self.add(rule.line, rule.column,
                         f"rule {rule.index} can never match: rule {catch_all.index} (\"{catch_all.match.text}\") "
                         "matches every endpoint before it", "move catch-all rules to the end")
            elif key in seen:
                first = seen[key]
                self.add(rule.line, rule.column,
                         f"rule {rule.index} can never match: rule {first.index} has the same match "
                         f"(\"{rule.match.text}\")", "merge the two rules")
            seen.setdefault(key, rule)
            if catch_all is None and rule.match.is_catch_all:
                catch_all = rule
