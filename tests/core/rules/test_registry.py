"""The registry (watchdog/core/rules/__init__.py) and the base classes (base.py): every rule key in its order, the
`Check` enum built from them, and the mirror this folder keeps — one test module per rule module."""

from __future__ import annotations

import importlib
from pathlib import Path

from tests.core.rules.support import effective
from tests.paths import PACKAGE, TESTS
from watchdog.core.rules import REGISTRY, Check, LimitCheck
from watchdog.core.rules.base import DurationSetting, RuleSetting
from watchdog.core.rules.max_replicas import MaxReplicas
from watchdog.core.rules.max_uptime import MaxUptime

RULES = PACKAGE / "core" / "rules"
RULE_TESTS = TESTS / "core" / "rules"
# Where a rule module's tests are when not in test_<module>.py: the registry and the base classes are tested here,
# and the schedule rule in test_schedule_rule.py (tests/core/test_schedule.py tests the Schedule value type).
TEST_MODULE = {"__init__": "test_registry", "base": "test_registry", "schedule": "test_schedule_rule"}
NOT_A_RULE_TEST = {"test_registry"}


def mirror_of(rule_module: str) -> str:
    """The test module of a rule module, by stem."""
    return TEST_MODULE.get(rule_module, f"test_{rule_module}")


def mirror_problems(rules: Path, tests: Path) -> list[str]:
    """Rule modules without a test module, and test modules without a rule module."""
    stems = sorted(p.stem for p in rules.glob("*.py"))
    expected = {mirror_of(stem) for stem in stems}
    problems = [f"{rules.name}/{stem}.py has no tests: write {tests.name}/{mirror_of(stem)}.py"
                for stem in stems if not (tests / f"{mirror_of(stem)}.py").exists()]
    problems += [f"{tests.name}/{p.name} tests no module of {rules.name}/"
                 for p in sorted(tests.glob("test_*.py")) if p.stem not in expected | NOT_A_RULE_TEST]
    return problems


# --- the registry ------------------------------------------------------------------------------------------------

def test_registry_order_is_the_order_of_checks_and_plan_lines():
    assert REGISTRY.keys == (
        "action", "max_uptime", "max_idle", "on_unknown_idle", "warn_before", "schedule", "max_cost", "max_replicas",
        "require_scale_to_zero", "scale_to_zero_after", "fix_config", "trust_updated_at", "owner",
    )
    assert list(REGISTRY.by_key()) == list(REGISTRY.keys)
    assert all(REGISTRY.by_key()[key].key == key for key in REGISTRY.keys)


def test_the_limits_are_the_settings_that_check_and_only_some_need_billing():
    assert [limit.key for limit in REGISTRY.limits] == [
        "max_uptime", "max_idle", "schedule", "max_cost", "max_replicas", "require_scale_to_zero",
        "scale_to_zero_after",
    ]
    assert all(isinstance(limit, LimitCheck) for limit in REGISTRY.limits)
    assert [limit.key for limit in REGISTRY.limits if not limit.billable_only] == [
        "max_replicas", "require_scale_to_zero", "scale_to_zero_after"]


def test_check_enum_has_one_member_per_key_and_findings_carry_it():
    assert [member.value for member in Check] == list(REGISTRY.keys)
    assert [member.name for member in Check] == [key.upper() for key in REGISTRY.keys]
    assert all(type(setting).check_id is Check(setting.key) for setting in REGISTRY.settings)
    finding = MaxReplicas().finding("1", "4", "a reason")
    assert finding.check is Check.MAX_REPLICAS and finding.check == "max_replicas"


def test_every_key_has_its_rule_module_and_every_rule_module_a_key():
    homes = {type(setting).__module__.rsplit(".", 1)[-1] for setting in REGISTRY.settings}
    assert all(type(s).__module__.startswith("watchdog.core.rules.") for s in REGISTRY.settings)
    rule_modules = {p.stem for p in RULES.glob("*.py")} - {"__init__", "base"}
    assert homes == rule_modules
    for home in homes:
        assert importlib.import_module(f"watchdog.core.rules.{home}").__doc__


def test_every_rule_module_has_a_test_module_and_every_test_module_a_rule_module():
    assert mirror_problems(RULES, RULE_TESTS) == []


def test_the_mirror_check_can_fail(tmp_path):
    rules, tests = tmp_path / "rules", tmp_path / "rules_tests"
    rules.mkdir()
    tests.mkdir()
    for name in ("__init__.py", "base.py", "schedule.py", "max_uptime.py", "max_requests_per_hour.py"):
        (rules / name).write_text('"""x"""\n')
    for name in ("test_registry.py", "test_schedule_rule.py", "test_max_uptime.py", "test_max_gone.py"):
        (tests / name).write_text('"""x"""\n')
    assert mirror_problems(rules, tests) == [
        "rules/max_requests_per_hour.py has no tests: write rules_tests/test_max_requests_per_hour.py",
        "rules_tests/test_max_gone.py tests no module of rules/",
    ]


# --- the base classes --------------------------------------------------------------------------------------------

def test_a_setting_describes_its_value_for_plan():
    setting = RuleSetting()
    assert [setting.describe(v) for v in (None, True, False, 3, "@mert")] == [None, "true", "false", "3", "@mert"]
    assert setting.shown("x", "ignored") == "x"


def test_a_duration_is_shown_as_written_and_unset_as_nothing():
    duration = DurationSetting()
    assert duration.describe(144000) == "1d16h"
    assert duration.shown(144000, "40h") == "40h"
    assert duration.shown(144000, None) == "1d16h"
    assert duration.shown(None, None) is None


def test_a_limit_reads_as_the_policy_writes_it():
    assert MaxUptime().limit_text(effective(max_uptime="40h")) == "40h"
    assert MaxUptime().limit_text(effective(defaults={"max_uptime": "1d"})) == "1d"
