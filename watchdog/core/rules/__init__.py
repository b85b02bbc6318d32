"""The rule registry: every key a policy rule may set, one module per rule, in the order checks run and `plan` lists
them. The policy parser, the evaluator, `plan` and the docs iterate `REGISTRY`; nothing else names a rule key.

To add a rule: write `watchdog/core/rules/<key>.py` with a `LimitCheck` subclass (its `key`, `parse`, `check`,
and `clearable` / `default` / `describe` where they differ), add an instance to `REGISTRY` below, a case to
`tests/policies/invalid/`, and `tests/core/rules/test_<key>.py` (tests/core/rules/test_registry.py fails until that
module exists). See docs/architecture.md.
"""

from __future__ import annotations

from enum import StrEnum

from watchdog.core.rules.base import CheckResult, LimitCheck, Registry, RuleSetting, Validator, Where
from watchdog.core.rules.fix_config import FixConfig
from watchdog.core.rules.general import ActionSetting, Owner, TrustUpdatedAt, WarnBefore
from watchdog.core.rules.max_cost import MaxCost
from watchdog.core.rules.max_idle import MaxIdle, OnUnknownIdleSetting
from watchdog.core.rules.max_replicas import MaxReplicas
from watchdog.core.rules.max_uptime import MaxUptime
from watchdog.core.rules.require_scale_to_zero import RequireScaleToZero
from watchdog.core.rules.scale_to_zero_after import ScaleToZeroAfter
from watchdog.core.rules.schedule import ScheduleRule

REGISTRY = Registry((
    ActionSetting(),
    MaxUptime(),
    MaxIdle(),
    OnUnknownIdleSetting(),
    WarnBefore(),
    ScheduleRule(),
    MaxCost(),
    MaxReplicas(),
    RequireScaleToZero(),
    ScaleToZeroAfter(),
    FixConfig(),
    TrustUpdatedAt(),
    Owner(),
))

# The rule keys as a str enum: `Finding.check` holds one of these, so a finding names its rule with a value the
# registry vouches for (built here, from the registry, so no module but the rule's own spells its key).
Check = StrEnum("Check", [(setting.key.upper(), setting.key) for setting in REGISTRY.settings])  # type: ignore[misc]
for _setting in REGISTRY.settings:
    type(_setting).check_id = Check(_setting.key)

__all__ = ["REGISTRY", "Check", "CheckResult", "LimitCheck", "RuleSetting", "Validator", "Where"]
