"""What every rule key is made of: how it is parsed and validated, whether `null` clears it, its default, how `plan`
shows it, and — for limits — `check(snapshot, settings, now)` returning findings. One subclass per key, one module
per rule (see `watchdog/core/rules/__init__.py` for the registry and docs/architecture.md for adding one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from watchdog.core.durations import format_comparison, format_duration, format_time_left
from watchdog.core.model import Action, ConfigFix, EndpointSnapshot, Finding, Notice, NoticeKind

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective
    from watchdog.core.policy.yaml_nodes import Entry


class Validator(Protocol):
    """The policy checker as a rule's parser sees it: typed readers that report located issues and return None."""

    policy_timezone: str

    def add(self, line: int, column: int, message: str, hint: str | None = None) -> None: ...
    def show(self, value: Any) -> str: ...
    def duration(self, entry: Entry, scope: str) -> int | None: ...
    def boolean(self, entry: Entry, scope: str) -> bool | None: ...
    def choice(self, entry: Entry, choices: tuple[str, ...], scope: str) -> str | None: ...
    def text(self, entry: Entry, scope: str) -> str | None: ...
    def integer(self, entry: Entry, scope: str, minimum: int) -> int | None: ...
    def timezone(self, entry: Entry, scope: str) -> str | None: ...
    def mapping(self, node: Any, what: str, scope: str) -> bool: ...
    def keys(self, node: Any, allowed: tuple[str, ...], scope: str,
             misplaced: dict[str, str] | None = None) -> None: ...


@dataclass(frozen=True)
class Where:
    """Where a setting is written, as error messages say it: `in rule 3` / `in defaults`, and `rule 3` / `defaults`."""

    scope: str
    owner: str


@dataclass(frozen=True)
class CheckResult:
    """What one limit found on one endpoint at one instant."""

    violations: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    notices: tuple[Notice, ...] = ()
    # (seconds left, what) for the "within limits (nearest: ...)" reason.
    nearest: tuple[tuple[float, str], ...] = ()
    # A reason to notify when nothing stronger applies (e.g. idle unknown and on_unknown_idle is notify).
    notify_reason: str | None = None


class RuleSetting:
    """One key a rule (or `defaults`) may set. Subclasses set `key` and override what differs."""

    key: ClassVar[str]
    clearable: ClassVar[bool] = False  # `key: null` in a rule drops the value `defaults` sets
    default: ClassVar[Any] = None  # built-in value when neither the rule nor `defaults` sets it
    # Set by the registry: this key as a member of the `Check` enum (findings carry it).
    check_id: ClassVar[StrEnum]

    def parse(self, entry: Entry, v: Validator, where: Where) -> Any:
        """The value of `entry`, or None after reporting why it is invalid."""
        raise NotImplementedError

    def describe(self, value: Any) -> str | None:
        """The value as people read it in `plan` (`8h`, `$40`, `true`); None when unset."""
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def shown(self, value: Any, written: str | None) -> str | None:
        """The value for `plan`: as the policy file writes it when that reads better (durations), else described."""
        return self.describe(value)


class DurationSetting(RuleSetting):
    """A setting whose value is a duration such as `30m`, `4h`, `1d` (stored in seconds)."""

    def parse(self, entry: Entry, v: Validator, where: Where) -> Any:
        return v.duration(entry, where.scope)

    def describe(self, value: Any) -> str | None:
        return format_duration(value) if value else None

    def shown(self, value: Any, written: str | None) -> str | None:
        # `40h` as written, not `1d16h`: reviewers compare the plan with the file.
        return (written or self.describe(value)) if value else None


class BooleanSetting(RuleSetting):
    """A `true` / `false` setting."""

    default = False

    def parse(self, entry: Entry, v: Validator, where: Where) -> Any:
        return v.boolean(entry, where.scope)


class LimitCheck(RuleSetting):
    """A setting that is also a limit: evaluated against each endpoint it applies to."""

    # Limits on uptime, idle time, schedule and cost apply while an endpoint bills; configuration limits always.
    billable_only: ClassVar[bool] = True

    def check(self, snapshot: EndpointSnapshot, settings: Effective, now: datetime) -> CheckResult:
        raise NotImplementedError

    def finding(self, limit: str, observed: str, reason: str, action: Action = Action.NOTIFY,
                fix: ConfigFix | None = None) -> Finding:
        """A Finding of this check; configuration limits say with `fix` which settings would satisfy them."""
        return Finding(self.check_id, limit, observed, reason, action, fix)

    def config_unknown(self, snapshot: EndpointSnapshot, missing: str, limit: str) -> CheckResult:
        """A configuration limit the listing gave no value for: never a silent pass, never a pause on its own."""
        return CheckResult(notices=(Notice(NoticeKind.CONFIG_UNKNOWN, f"{snapshot.key}: {missing} unknown (not in the "
                                           f"API's answer), {self.key} {limit} cannot be checked"),))


class DurationLimit(DurationSetting, LimitCheck):
    """A limit on a measured duration (uptime, idle time): over it is a violation, near it a warning."""

    def limit_text(self, settings: Effective) -> str:
        """The limit as the policy writes it (`40h`), else formatted."""
        return settings.written.get(self.key) or format_duration(settings[self.key])

    def judge(self, settings: Effective, seconds: int, verb: str,
              over: Callable[[str], tuple[Action, str]]) -> CheckResult:
        """`seconds` against the limit: `verb` names the measure in reasons (`running`, `idle`); `over(body)` gives
        the action and full reason of a violation from its body (`running 9h > max_uptime 8h`)."""
        limit_seconds: int = settings[self.key]
        observed, limit = format_comparison(seconds, limit_seconds, settings.written.get(self.key))
        if seconds > limit_seconds:
            action, reason = over(f"{verb} {observed} > {self.key} {limit}")
            return CheckResult(violations=(self.finding(limit, observed, reason, action),))
        left = limit_seconds - seconds
        warning = self.finding(limit, observed, f"{verb} {observed}, {self.key} {limit} reached "
                                                f"{format_time_left(left)} {settings.where}")
        return CheckResult(nearest=((left, f"{self.key} {limit}"),), warnings=warn_if_close(settings, left, warning))


def warn_if_close(settings: Effective, left: float, finding: Finding) -> tuple[Finding, ...]:
    """The warning for a limit reached within `warn_before`, else nothing."""
    from watchdog.core.rules.general import WarnBefore

    warn_before = WarnBefore.of(settings)
    return (finding,) if warn_before is not None and 0 <= left <= warn_before else ()


@dataclass(frozen=True)
class Registry:
    """Every rule key in a fixed order: the order of checks, of `plan` lines and of the docs."""

    settings: tuple[RuleSetting, ...] = field(default_factory=tuple)

    def by_key(self) -> dict[str, RuleSetting]:
        return {s.key: s for s in self.settings}

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.settings)

    @property
    def limits(self) -> tuple[LimitCheck, ...]:
        return tuple(s for s in self.settings if isinstance(s, LimitCheck))
