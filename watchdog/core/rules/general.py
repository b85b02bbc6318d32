"""Settings every limit shares: the `action` a broken limit takes, `warn_before`, the `owner` alerts mention, and
`trust_updated_at` (whether `status.updatedAt` alone may justify acting on an uptime-based limit)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from watchdog.core.model import Action, EndpointSnapshot, Notice, NoticeKind, UptimeSource
from watchdog.core.rules.base import BooleanSetting, CheckResult, DurationSetting, RuleSetting, Validator, Where

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective, RuleSettings
    from watchdog.core.policy.yaml_nodes import Entry


class ActionSetting(RuleSetting):
    """`action: pause | scale-to-zero | notify`: what a broken limit does (default pause)."""

    key = "action"
    default = Action.PAUSE

    def parse(self, entry: Entry, v: Validator, where: Where) -> Any:
        value = v.choice(entry, tuple(Action), where.scope)
        return Action(value) if value is not None else None

    @classmethod
    def of(cls, settings: Effective) -> Action:
        return Action(settings[cls.key])

    @classmethod
    def for_config(cls, snapshot: EndpointSnapshot, settings: Effective) -> Action:
        """The action of a configuration limit: the rule's own action on a billing endpoint, else notify."""
        # Config hygiene nags by default; it acts only when the rule itself names an action, and only on an
        # endpoint that is billing (pausing a paused endpoint for its autoscaling settings would do nothing).
        from watchdog.core.rules.fix_config import FixConfig

        if settings[FixConfig.key]:
            # Corrected through the API instead (decision reconfigure); when it cannot be this run, a notice.
            return Action.NOTIFY
        return settings.config_action if snapshot.billable else Action.NOTIFY

    @classmethod
    def config_action(cls, own: RuleSettings) -> Action:
        """Configuration limits act only on the rule's *own* action; inherited from `defaults`, they only notify."""
        value = own.values.get(cls.key)
        return Action(value) if value is not None else Action.NOTIFY


class WarnBefore(DurationSetting):
    """`warn_before: DURATION`: announce a limit this long before it is reached."""

    key = "warn_before"
    clearable = True

    @classmethod
    def of(cls, settings: Effective) -> int | None:
        value: int | None = settings[cls.key]
        return value


class Owner(RuleSetting):
    """`owner: "@alice"`: shown in Slack and mentioned in GitHub comments."""

    key = "owner"
    clearable = True

    def parse(self, entry: Entry, v: Validator, where: Where) -> Any:
        return v.text(entry, where.scope)

    @classmethod
    def of(cls, settings: Effective) -> str | None:
        value: str | None = settings[cls.key]
        return value


class TrustUpdatedAt(BooleanSetting):
    """`trust_updated_at: true` lets `status.updatedAt` alone justify acting on uptime and cost limits."""

    key = "trust_updated_at"

    # Uptime sources that may not justify a pause on their own, and how a reason says so. The first two rest on
    # status.updatedAt (it may not move on a pause and resume: reference §12), so `trust_updated_at` lifts them.
    WEAK: ClassVar[dict[UptimeSource, str]] = {
        UptimeSource.UPDATED_AT: "from status.updatedAt only",
        UptimeSource.STATE_ACROSS_RESTART: "from earlier runs, across a replica restart",
        UptimeSource.SIGHTINGS: "from earlier runs' sightings of an endpoint that can scale itself to zero",
    }
    TRUSTABLE = (UptimeSource.UPDATED_AT, UptimeSource.STATE_ACROSS_RESTART)

    @classmethod
    def weak_uptime(cls, snapshot: EndpointSnapshot, settings: Effective) -> bool:
        source = snapshot.running_since_source
        return source in cls.WEAK and not (source in cls.TRUSTABLE and settings[cls.key])

    @classmethod
    def weak_notice(cls, snapshot: EndpointSnapshot) -> str:
        """Why a limit on uptime was reported, not acted on."""
        source = snapshot.running_since_source
        lift = f" ({cls.key}: true allows it)" if source in cls.TRUSTABLE else ""
        return f"{snapshot.key}: uptime comes {cls.WEAK[source]}, so it is reported, not acted on{lift}"

    @classmethod
    def with_weak_notice(cls, result: CheckResult, snapshot: EndpointSnapshot, settings: Effective) -> CheckResult:
        """`result` plus the notice that says why its violations were reported, not acted on (weak uptime)."""
        if not result.violations or not cls.weak_uptime(snapshot, settings):
            return result
        return replace(result, notices=(*result.notices, Notice(NoticeKind.UPTIME_WEAK, cls.weak_notice(snapshot))))

    @classmethod
    def uptime_action(cls, snapshot: EndpointSnapshot, settings: Effective, body: str) -> tuple[Action, str]:
        """The action and reason of a limit measured on uptime: only notify when uptime rests on a weak source
        (`WEAK`). `body` is the reason without its rule reference, which the reason ends with."""
        if cls.weak_uptime(snapshot, settings):
            return Action.NOTIFY, f"{body}, {cls.WEAK[snapshot.running_since_source]} {settings.where}"
        return ActionSetting.of(settings), f"{body} {settings.where}"


SETTINGS = (ActionSetting(), WarnBefore(), Owner(), TrustUpdatedAt())
